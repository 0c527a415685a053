"""Member roster rules (rules.md §3, §7, §10.2, §10.3), one row per regulation case. No database."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.members import rules

TODAY = date(2026, 11, 26)

# GB 11643-1999's own example: Beijing Chaoyang (110105), born 1949-12-31, sequence 002 (even → female).
# Check by hand: 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → "X".
GB_EXAMPLE = "11010519491231002X"
# Same region, born on the day the 18th Congress opened, sequence 001 (odd → male): sum 115, mod 11 = 5 → "7".
BEIJING_MALE = "110105201211080017"
# Nanjing Gulou (320106), born on a leap day, sequence 004 (even → female): sum 163, mod 11 = 9 → "3".
NANJING_LEAP = "320106200002290043"
# GB 11643-1999's other example (Guangdong, born 1880-01-01): a valid check digit, but before 1900.
GB_EXAMPLE_1880 = "440524188001010014"

regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
sexes = st.sampled_from(["male", "female"])
valid_numbers = st.builds(rules.synthetic_id_number, regions, births, st.integers(0, 99), sexes)


# --- ID numbers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("  1101 0519 4912 3100 2x ", "11010519491231002X", id="ID-NORM half-width spaces, lower x"),
        pytest.param("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", id="ID-NORM full-width digits"),
        pytest.param("110105\u300019491231\u3000002ｘ", "11010519491231002X", id="ID-NORM full-width space and x"),
        pytest.param("", "", id="ID-NORM empty"),
    ],
)
def test_normalize_id_number(raw, expected):
    assert rules.normalize_id_number(raw) == expected


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        pytest.param("11010519491231002", "X", id="ID-CHECK GB example sum 167 → X"),
        pytest.param("44052418800101001", "4", id="ID-CHECK GB example sum 195 → 4"),
        pytest.param("11010520121108001", "7", id="ID-CHECK Beijing male sum 115 → 7"),
        pytest.param("32010620000229004", "3", id="ID-CHECK Nanjing leap day sum 163 → 3"),
        pytest.param("00000000000000000", "1", id="ID-CHECK all zeros sum 0 → 1"),
    ],
)
def test_id_check_digit(first17, expected):
    assert rules.id_check_digit(first17) == expected


@pytest.mark.parametrize(
    "first17",
    [
        pytest.param("1101051949123100", id="ID-CHECK 16 digits"),
        pytest.param("110105194912310021", id="ID-CHECK 18 digits"),
        pytest.param("1101051949123100X", id="ID-CHECK letter in body"),
        pytest.param("１１０１０５１９４９１２３１００２", id="ID-CHECK full-width not normalized"),
    ],
)
def test_id_check_digit_rejects_bad_body(first17):
    with pytest.raises(ValueError, match="17位数字"):
        rules.id_check_digit(first17)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(GB_EXAMPLE, GB_EXAMPLE, id="ID-VALID GB 11643 example, check X"),
        pytest.param("11010519491231002x", GB_EXAMPLE, id="ID-VALID lower-case x"),
        pytest.param("１１０１０５１９４９１２３１００２ｘ", GB_EXAMPLE, id="ID-VALID full-width"),
        pytest.param(" 110105 19491231 002X ", GB_EXAMPLE, id="ID-VALID spaces"),
        pytest.param(BEIJING_MALE, BEIJING_MALE, id="ID-VALID Beijing male"),
        pytest.param(NANJING_LEAP, NANJING_LEAP, id="ID-VALID born 29 February 2000"),
        pytest.param("11010519000101001X", "11010519000101001X", id="ID-VALID born 1900-01-01 is the first allowed"),
    ],
)
def test_validate_id_number_accepts(raw, expected):
    assert rules.validate_id_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("110105491231002", "应为18位.*15位", id="ID-LEN 15-digit legacy number"),
        pytest.param("1101051949123100", "公民身份号码应为18位（现为16位）", id="ID-LEN 16 characters"),
        pytest.param("11010519491231002X1", "公民身份号码应为18位（现为19位）", id="ID-LEN 19 characters"),
        pytest.param("", "公民身份号码应为18位", id="ID-LEN empty"),
        pytest.param("11010519491231A02X", "前17位应为数字", id="ID-DIGITS letter in the body"),
        pytest.param("11010519491231002Y", "末位应为数字或X", id="ID-DIGITS bad final character"),
        pytest.param("1101051949-231002X", "前17位应为数字", id="ID-DIGITS hyphen"),
        pytest.param("110105194902300025", "出生日期.*19490230.*不是有效日期", id="ID-BIRTH 30 February"),
        pytest.param("110105194913010025", "不是有效日期", id="ID-BIRTH month 13"),
        pytest.param("110105190102290025", "不是有效日期", id="ID-BIRTH 29 February 1901"),
        pytest.param("110105000001010025", "不是有效日期", id="ID-BIRTH year 0"),
        pytest.param(GB_EXAMPLE_1880, "早于1900年", id="ID-BIRTH GB example born 1880"),
        pytest.param("110105189912310014", "早于1900年", id="ID-BIRTH 1899-12-31"),
        pytest.param("110105194912310021", "^公民身份号码校验位错误$", id="ID-CHECK wrong check digit"),
        pytest.param("110105201211080018", "^公民身份号码校验位错误$", id="ID-CHECK off by one"),
    ],
)
def test_validate_id_number_rejects(raw, message):
    with pytest.raises(ValueError, match=message):
        rules.validate_id_number(raw)


def test_validate_id_number_rejects_future_birth_when_today_given():
    number = rules.synthetic_id_number("110105", date(2026, 11, 27), 1, "male")
    assert rules.validate_id_number(number) == number
    with pytest.raises(ValueError, match="晚于今天"):
        rules.validate_id_number(number, today=TODAY)
    assert rules.validate_id_number(number, today=date(2026, 11, 27)) == number


@given(valid_numbers)
def test_generated_numbers_are_valid(number):
    """ID-VALID: every synthetic number passes validation and round-trips birth date and sex."""
    assert rules.validate_id_number(number) == number
    assert len(number) == 18


@given(valid_numbers, st.integers(0, 16), st.integers(1, 9))
def test_single_digit_mutation_fails(number, position, delta):
    """ID-CHECK: changing any one of the first 17 digits is always detected (weights are non-zero mod 11)."""
    digit = (int(number[position]) + delta) % 10
    mutated = number[:position] + str(digit) + number[position + 1 :]
    assert rules.id_check_digit(mutated[:17]) != number[17]
    with pytest.raises(ValueError, match="公民身份号码"):
        rules.validate_id_number(mutated)


@given(regions, births, st.integers(0, 99), sexes)
def test_synthetic_number_encodes_its_inputs(region, birth, seq, sex):
    number = rules.synthetic_id_number(region, birth, seq, sex)
    assert number[:6] == region
    assert number[14:16] == f"{seq:02d}"
    assert rules.id_birth_date(number) == birth
    assert rules.id_sex(number) == sex


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("110105", date(1949, 12, 31), 0, "female"), "110105194912310003", id="ID-SYN seq 0 female"),
        pytest.param(("110105", date(2012, 11, 8), 0, "male"), "110105201211080017", id="ID-SYN seq 0 male"),
        pytest.param(("410105", date(1990, 1, 1), 12, "male"), "41010519900101125X", id="ID-SYN seq 12 male"),
    ],
)
def test_synthetic_id_number(args, expected):
    assert rules.synthetic_id_number(*args) == expected
    assert rules.validate_id_number(expected) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("11010", date(1990, 1, 1), 1, "male"), "地址码", id="ID-SYN region of 5 digits"),
        pytest.param(("11010A", date(1990, 1, 1), 1, "male"), "地址码", id="ID-SYN region with a letter"),
        pytest.param(("110105", date(1990, 1, 1), 100, "male"), "顺序号", id="ID-SYN seq 100"),
        pytest.param(("110105", date(1990, 1, 1), -1, "male"), "顺序号", id="ID-SYN seq -1"),
        pytest.param(("110105", date(1990, 1, 1), 1, "男"), "性别代码", id="ID-SYN sex label instead of code"),
        pytest.param(("110105", date(1899, 12, 31), 1, "male"), "早于1900年", id="ID-SYN born before 1900"),
    ],
)
def test_synthetic_id_number_rejects(args, message):
    with pytest.raises(ValueError, match=message):
        rules.synthetic_id_number(*args)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        pytest.param(GB_EXAMPLE, date(1949, 12, 31), "female", id="ID-BIRTH/SEX GB example, 002 even"),
        pytest.param(BEIJING_MALE, date(2012, 11, 8), "male", id="ID-BIRTH/SEX 001 odd"),
        pytest.param(NANJING_LEAP, date(2000, 2, 29), "female", id="ID-BIRTH/SEX leap day"),
        pytest.param(
            "１１０１０５１９４９１２３１００２ｘ", date(1949, 12, 31), "female", id="ID-BIRTH/SEX full-width"
        ),
    ],
)
def test_id_birth_date_and_sex(number, birth, sex):
    assert rules.id_birth_date(number) == birth
    assert rules.id_sex(number) == sex


def test_id_birth_date_rejects_invalid_number():
    with pytest.raises(ValueError, match="校验位"):
        rules.id_birth_date("110105194912310021")


@pytest.mark.parametrize(
    ("number", "birth", "sex", "expected"),
    [
        pytest.param(GB_EXAMPLE, date(1949, 12, 31), "female", [], id="ID-CONSIST both agree"),
        pytest.param(GB_EXAMPLE, None, None, [], id="ID-CONSIST nothing to compare"),
        pytest.param(
            GB_EXAMPLE,
            date(1949, 12, 30),
            "female",
            ["出生日期（1949年12月30日）与公民身份号码不一致，号码中为1949年12月31日"],
            id="ID-CONSIST birth date differs",
        ),
        pytest.param(
            GB_EXAMPLE, None, "male", ["性别（男）与公民身份号码不一致，号码中为女"], id="ID-CONSIST sex differs"
        ),
        pytest.param(
            BEIJING_MALE,
            date(2012, 8, 11),
            "female",
            [
                "出生日期（2012年08月11日）与公民身份号码不一致，号码中为2012年11月08日",
                "性别（女）与公民身份号码不一致，号码中为男",
            ],
            id="ID-CONSIST both differ",
        ),
        pytest.param(
            "110105194912310021", date(1949, 12, 31), "female", ["公民身份号码校验位错误"], id="ID-CONSIST bad number"
        ),
    ],
)
def test_id_consistency_errors(number, birth, sex, expected):
    assert rules.id_consistency_errors(number, birth, sex) == expected


# --- Masking (PRV-03) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("410105199001011234", "4101**********1234", id="PRV-03 ID first 4 + 10 stars + last 4"),
        pytest.param(GB_EXAMPLE, "1101**********002X", id="PRV-03 ID ending in X"),
        pytest.param("11010519491231002x", "1101**********002X", id="PRV-03 ID lower-case x"),
        pytest.param("110105491231002", "110*********002", id="PRV-03 ID 15 digits keeps quarters (3+3)"),
        pytest.param("12345678", "12****78", id="PRV-03 ID short value keeps quarters"),
        pytest.param("123", "***", id="PRV-03 ID under 4 characters fully hidden"),
        pytest.param("", "", id="PRV-03 ID empty"),
        pytest.param("4101051990010112345678", "4101**************5678", id="PRV-03 ID long value shows only 8"),
    ],
)
def test_mask_id_number(value, expected):
    assert rules.mask_id_number(value) == expected


def test_mask_id_number_configurable_3_plus_4():
    """PRV-03 default in security.md (ID_MASK="3+4")."""
    assert rules.mask_id_number(GB_EXAMPLE, head=3, tail=4) == "110***********002X"


@given(st.text(alphabet="0123456789X", min_size=1, max_size=40))
def test_mask_id_number_properties(value):
    """PRV-03: keeps the length, hides the middle, shows at most 8 characters and never the whole value."""
    masked = rules.mask_id_number(value)
    assert len(masked) == len(value)
    assert len(masked) - masked.count("*") <= 8
    assert masked != value
    assert masked.count("*") >= len(value) // 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("13812345678", "138****5678", id="PRV-03 phone mobile 3+4"),
        pytest.param("+86 138 1234 5678", "138****5678", id="PRV-03 phone mobile with +86"),
        pytest.param("0371-12345678", "0371-****5678", id="PRV-03 phone landline keeps area code"),
        pytest.param("010-1234567", "010-***4567", id="PRV-03 phone 7-digit landline"),
        pytest.param("0371-12345678-123", "0371-****5678-***", id="PRV-03 phone extension hidden"),
        pytest.param("12345", "1***5", id="PRV-03 phone not a phone: quarters"),
        pytest.param("", "", id="PRV-03 phone empty"),
    ],
)
def test_mask_phone(value, expected):
    assert rules.mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("河南省郑州市金水区花园路1号", "河南省郑州市****", id="PRV-03 address first 6"),
        pytest.param("北京市朝阳区建国路88号院", "北京市朝阳区****", id="PRV-03 address 12 characters"),
        pytest.param("朝阳区建国路", "朝阳区****", id="PRV-03 short address keeps half"),
        pytest.param("  ", "", id="PRV-03 blank address"),
        pytest.param("甲", "****", id="PRV-03 one character hidden"),
    ],
)
def test_mask_text(value, expected):
    assert rules.mask_text(value) == expected


# --- 联系电话 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("13812345678", "13812345678", id="PHONE mobile"),
        pytest.param("19912345678", "19912345678", id="PHONE mobile 199"),
        pytest.param("+8613812345678", "13812345678", id="PHONE mobile +86"),
        pytest.param("+86 138-1234-5678", "13812345678", id="PHONE mobile +86 with separators"),
        pytest.param("8613812345678", "13812345678", id="PHONE mobile 86"),
        pytest.param("008613812345678", "13812345678", id="PHONE mobile 0086"),
        pytest.param("１３８１２３４５６７８", "13812345678", id="PHONE mobile full-width"),
        pytest.param("0371-12345678", "0371-12345678", id="PHONE landline 4-digit area, 8 digits"),
        pytest.param("0371-1234567", "0371-1234567", id="PHONE landline 7 digits"),
        pytest.param("037112345678", "0371-12345678", id="PHONE landline without hyphen"),
        pytest.param("010-12345678", "010-12345678", id="PHONE landline Beijing 010"),
        pytest.param("(010)12345678", "010-12345678", id="PHONE landline parentheses"),
        pytest.param("（０１０）１２３４５６７８", "010-12345678", id="PHONE landline full-width parentheses"),
        pytest.param("＋８６　１３８１２３４５６７８", "13812345678", id="PHONE mobile full-width +86 and space"),
        pytest.param("02112345678", "021-12345678", id="PHONE landline Shanghai 021 without hyphen"),
        pytest.param("0371-12345678-123", "0371-12345678-123", id="PHONE landline extension hyphen"),
        pytest.param("0371-12345678转8001", "0371-12345678-8001", id="PHONE landline extension 转"),
        pytest.param("0371-12345678 ext 12", "0371-12345678-12", id="PHONE landline extension ext"),
    ],
)
def test_normalize_phone_accepts(raw, expected):
    assert rules.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="PHONE empty"),
        pytest.param("12812345678", id="PHONE mobile second digit 2"),
        pytest.param("1381234567", id="PHONE mobile 10 digits"),
        pytest.param("138123456789", id="PHONE mobile 12 digits"),
        pytest.param("+1 13812345678", id="PHONE foreign prefix"),
        pytest.param("12345678", id="PHONE landline without area code"),
        pytest.param("0371-123456", id="PHONE landline 6 digits"),
        pytest.param("0371-123456789", id="PHONE landline 9 digits"),
        pytest.param("0371-02345678", id="PHONE local number starting with 0"),
        pytest.param("0371-12345678-1234567", id="PHONE extension of 7 digits"),
        pytest.param("abc", id="PHONE letters"),
    ],
)
def test_normalize_phone_rejects(raw):
    with pytest.raises(ValueError, match=r"^联系电话格式不正确$"):
        rules.normalize_phone(raw)


# --- Statistical bands (§10.2) ----------------------------------------------------------------------------


def test_band_vocabularies():
    assert [code for code, _ in rules.AGE_BANDS] == list(rules.AGE_BAND_LIMITS)
    assert [label for _, label in rules.AGE_BANDS][:2] == ["30岁及以下", "31至35岁"]
    assert rules.AGE_BANDS[-1] == ("ge61", "61岁及以上")
    assert [code for code, _ in rules.JOIN_BANDS] == list(rules.JOIN_BAND_RANGES)


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        pytest.param(date(1995, 11, 26), date(2026, 11, 25), 30, id="AGE day before 31st birthday"),
        pytest.param(date(1995, 11, 26), date(2026, 11, 26), 31, id="AGE on 31st birthday"),
        pytest.param(date(1995, 11, 26), date(2026, 11, 27), 31, id="AGE day after birthday"),
        pytest.param(date(2000, 2, 29), date(2001, 2, 28), 1, id="AGE leap-day birth, 28 Feb in a common year"),
        pytest.param(date(2000, 2, 29), date(2001, 2, 27), 0, id="AGE leap-day birth, 27 Feb"),
        pytest.param(date(2000, 2, 29), date(2004, 2, 28), 3, id="AGE leap-day birth, 28 Feb in a leap year"),
        pytest.param(date(2000, 2, 29), date(2004, 2, 29), 4, id="AGE leap-day birth, 29 Feb"),
        pytest.param(date(2026, 11, 26), date(2026, 11, 26), 0, id="AGE born today"),
    ],
)
def test_age_on(birth, day, expected):
    assert rules.age_on(birth, day) == expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        pytest.param(0, "le30", id="AGE-BAND 0"),
        pytest.param(18, "le30", id="AGE-BAND 18"),
        pytest.param(30, "le30", id="AGE-BAND 30 is ≤30"),
        pytest.param(31, "31_35", id="AGE-BAND 31 is 31–35"),
        pytest.param(35, "31_35", id="AGE-BAND 35 is 31–35"),
        pytest.param(36, "36_40", id="AGE-BAND 36"),
        pytest.param(40, "36_40", id="AGE-BAND 40"),
        pytest.param(41, "41_45", id="AGE-BAND 41"),
        pytest.param(46, "46_50", id="AGE-BAND 46"),
        pytest.param(50, "46_50", id="AGE-BAND 50"),
        pytest.param(55, "51_55", id="AGE-BAND 55"),
        pytest.param(56, "56_60", id="AGE-BAND 56"),
        pytest.param(60, "56_60", id="AGE-BAND 60"),
        pytest.param(61, "ge61", id="AGE-BAND 61 is ≥61"),
        pytest.param(105, "ge61", id="AGE-BAND 105"),
    ],
)
def test_age_band(age, expected):
    assert rules.age_band(age) == expected


def test_turning_31_moves_to_next_band():
    """AGE-BAND: on the day someone turns 31 they are in 31–35; the day before, ≤30."""
    birth = date(1995, 11, 26)
    assert rules.age_band(rules.age_on(birth, TODAY - timedelta(days=1))) == "le30"
    assert rules.age_band(rules.age_on(birth, TODAY)) == "31_35"


@pytest.mark.parametrize(
    ("band", "today", "expected"),
    [
        pytest.param("le30", TODAY, (date(1995, 11, 27), None), id="AGE-RANGE ≤30"),
        pytest.param("31_35", TODAY, (date(1990, 11, 27), date(1995, 11, 26)), id="AGE-RANGE 31–35 incl. birthday"),
        pytest.param("56_60", TODAY, (date(1965, 11, 27), date(1970, 11, 26)), id="AGE-RANGE 56–60"),
        pytest.param("ge61", TODAY, (None, date(1965, 11, 26)), id="AGE-RANGE ≥61"),
        pytest.param(
            "31_35", date(2027, 2, 28), (date(1991, 3, 1), date(1996, 2, 29)), id="AGE-RANGE leap-day births turn 31"
        ),
        pytest.param(
            "31_35", date(2028, 2, 29), (date(1992, 3, 1), date(1997, 2, 28)), id="AGE-RANGE today is 29 February"
        ),
    ],
)
def test_age_band_birth_range(band, today, expected):
    assert rules.age_band_birth_range(band, today) == expected


def test_age_band_birth_range_unknown_band():
    with pytest.raises(ValueError, match="年龄段"):
        rules.age_band_birth_range("30_35", TODAY)


@given(
    st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
)
def test_age_band_birth_range_matches_age_band(birth, today):
    """AGE-RANGE: a birth date is in a band's range exactly when its age on `today` falls in that band."""
    band = rules.age_band(rules.age_on(birth, today))
    for code, _ in rules.AGE_BANDS:
        earliest, latest = rules.age_band_birth_range(code, today)
        inside = (earliest is None or birth >= earliest) and (latest is None or birth <= latest)
        assert inside == (code == band), (code, earliest, latest)


@pytest.mark.parametrize(
    ("joined_on", "expected"),
    [
        pytest.param(date(1921, 7, 1), "before_1949_10", id="JOIN-BAND 1921"),
        pytest.param(date(1949, 9, 30), "before_1949_10", id="JOIN-BAND 1949-09-30 建国前"),
        pytest.param(date(1949, 10, 1), "to_1978_12", id="JOIN-BAND 1949-10-01"),
        pytest.param(date(1978, 12, 31), "to_1978_12", id="JOIN-BAND 1978-12-31 三中全会前"),
        pytest.param(date(1979, 1, 1), "to_2012_11", id="JOIN-BAND 1979-01-01"),
        pytest.param(date(2012, 11, 8), "to_2012_11", id="JOIN-BAND 2012-11-08 counted to 2012-11 per §10.2"),
        pytest.param(date(2012, 11, 30), "to_2012_11", id="JOIN-BAND 2012-11-30 十八大前"),
        pytest.param(date(2012, 12, 1), "since_18th", id="JOIN-BAND 2012-12-01 十八大以来"),
        pytest.param(TODAY, "since_18th", id="JOIN-BAND today"),
    ],
)
def test_join_band(joined_on, expected):
    assert rules.join_band(joined_on) == expected
    earliest, latest = rules.join_band_range(expected)
    assert earliest is None or joined_on >= earliest
    assert latest is None or joined_on <= latest


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        pytest.param("before_1949_10", (None, date(1949, 9, 30)), id="JOIN-RANGE before 1949-10"),
        pytest.param("to_1978_12", (date(1949, 10, 1), date(1978, 12, 31)), id="JOIN-RANGE to 1978-12"),
        pytest.param("to_2012_11", (date(1979, 1, 1), date(2012, 11, 30)), id="JOIN-RANGE to 2012-11"),
        pytest.param("since_18th", (date(2012, 12, 1), None), id="JOIN-RANGE since 18th"),
    ],
)
def test_join_band_range(band, expected):
    assert rules.join_band_range(band) == expected


def test_join_band_range_unknown_band():
    with pytest.raises(ValueError, match="入党时间段"):
        rules.join_band_range("to_2012_10")


# --- Membership (§3) ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "joined_on", "violates"),
    [
        pytest.param(date(2000, 5, 10), date(2018, 5, 9), True, id="MEM-AGE day before 18th birthday"),
        pytest.param(date(2000, 5, 10), date(2018, 5, 10), False, id="MEM-AGE on 18th birthday"),
        pytest.param(date(2000, 5, 10), date(2030, 1, 1), False, id="MEM-AGE adult"),
        pytest.param(date(2000, 2, 29), date(2018, 2, 28), False, id="MEM-AGE leap-day birth, 28 Feb is the day"),
        pytest.param(date(2000, 2, 29), date(2018, 2, 27), True, id="MEM-AGE leap-day birth, 27 Feb"),
        pytest.param(date(2010, 1, 1), date(2026, 1, 1), True, id="MEM-AGE 16 years old"),
    ],
)
def test_join_age_violation(birth, joined_on, violates):
    message = rules.join_age_violation(birth, joined_on)
    if violates:
        assert message is not None
        assert message.startswith("MEM-AGE")
        assert "未满18周岁" in message
    else:
        assert message is None


@pytest.mark.parametrize(
    ("full_on", "today", "expected"),
    [
        pytest.param(None, TODAY, None, id="MEM-10 not yet converted"),
        pytest.param(date(2016, 11, 26), TODAY, 10, id="MEM-10 on the 10th anniversary"),
        pytest.param(date(2016, 11, 27), TODAY, 9, id="MEM-10 day before the anniversary"),
        pytest.param(date(2026, 11, 26), TODAY, 0, id="MEM-10 converted today"),
        pytest.param(date(2027, 1, 1), TODAY, 0, id="MEM-10 conversion date in the future"),
        pytest.param(date(1976, 2, 29), date(2026, 2, 28), 50, id="MEM-10 converted on 29 February"),
    ],
)
def test_party_standing_years(full_on, today, expected):
    assert rules.party_standing_years(full_on, today) == expected


@pytest.mark.parametrize(
    ("stage", "status", "expected"),
    [
        pytest.param("full", "normal", True, id="MEM-11 full member, normal"),
        pytest.param("probationary", "normal", False, id="MEM-11 probationary has no vote"),
        pytest.param("full", "suspended", False, id="MEM-11 suspended has no vote"),
        pytest.param("full", "exited", False, id="MEM-11 exited"),
        pytest.param("candidate", "normal", False, id="MEM-11 candidate"),
    ],
)
def test_is_voting_member(stage, status, expected):
    assert rules.is_voting_member(stage, status) is expected


@pytest.mark.parametrize(
    ("lost_on", "expected"),
    [
        pytest.param(date(2026, 1, 15), date(2026, 7, 15), id="MEM-06 lost + 6 months"),
        pytest.param(date(2026, 8, 31), date(2027, 2, 28), id="MEM-06 31 Aug clamps to 28 Feb"),
        pytest.param(date(2027, 8, 31), date(2028, 2, 29), id="MEM-06 31 Aug clamps to 29 Feb in a leap year"),
        pytest.param(date(2026, 12, 31), date(2027, 6, 30), id="MEM-06 31 Dec clamps to 30 Jun"),
    ],
)
def test_lost_contact_suspension_due(lost_on, expected):
    assert rules.lost_contact_suspension_due(lost_on) == expected


@pytest.mark.parametrize(
    ("suspended_on", "expected"),
    [
        pytest.param(date(2026, 3, 1), date(2028, 3, 1), id="MEM-06 suspended + 2 years"),
        pytest.param(date(2028, 2, 29), date(2030, 2, 28), id="MEM-06 29 Feb clamps to 28 Feb"),
    ],
)
def test_suspension_removal_due(suspended_on, expected):
    assert rules.suspension_removal_due(suspended_on) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(date(2026, 3, 31), 12, date(2027, 3, 31), id="MEM-04 one year"),
        pytest.param(date(2026, 8, 31), 6, date(2027, 2, 28), id="MEM-04 six months clamped"),
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="MEM-04 one month clamped"),
    ],
)
def test_correction_deadline(start, months, expected):
    assert rules.correction_deadline(start, months) == expected


def test_correction_deadline_defaults_to_one_year():
    assert rules.correction_deadline(date(2028, 2, 29)) == date(2029, 2, 28)


@pytest.mark.parametrize(
    "months",
    [pytest.param(13, id="MEM-04 13 months exceeds one year"), pytest.param(0, id="MEM-04 zero months")],
)
def test_correction_deadline_rejects(months):
    with pytest.raises(ValueError, match="限期改正"):
        rules.correction_deadline(date(2026, 1, 1), months)


@pytest.mark.parametrize(
    ("months_missing", "expected"),
    [
        pytest.param(0, None, id="MEM-12 none missing"),
        pytest.param(2, None, id="MEM-12 two months"),
        pytest.param(3, "remind", id="MEM-12 three months remind"),
        pytest.param(4, "remind", id="MEM-12 four months remind"),
        pytest.param(5, "warn", id="MEM-12 five months warn"),
        pytest.param(6, "lapse", id="MEM-01 six months lapse"),
        pytest.param(18, "lapse", id="REL-07 long overdue lapse"),
    ],
)
def test_lapse_warning_level(months_missing, expected):
    assert rules.lapse_warning_level(months_missing) == expected


def test_lapse_constants():
    assert (rules.LAPSE_REMIND_MONTHS, rules.LAPSE_WARN_MONTHS, rules.SELF_LAPSE_MONTHS) == (3, 5, 6)


@pytest.mark.parametrize(
    ("away_since", "today", "expected"),
    [
        pytest.param(date(2026, 5, 27), TODAY, False, id="REL-02 a day short of 6 months"),
        pytest.param(date(2026, 5, 26), TODAY, True, id="REL-02 exactly 6 months"),
        pytest.param(date(2025, 1, 1), TODAY, True, id="REL-02 long away"),
        pytest.param(date(2026, 8, 31), date(2027, 2, 27), False, id="REL-02 31 Aug, 27 Feb"),
        pytest.param(date(2026, 8, 31), date(2027, 2, 28), True, id="REL-02 31 Aug, clamped 28 Feb"),
    ],
)
def test_should_transfer(away_since, today, expected):
    assert rules.should_transfer(away_since, today) is expected


@pytest.mark.parametrize(
    ("exit_kind", "status", "expected"),
    [
        pytest.param(None, "suspended", True, id="MEM-08 suspended may be reinstated"),
        pytest.param(None, "normal", False, id="MEM-08 normal has nothing to reinstate"),
        pytest.param("lapse", "exited", False, id="MEM-08 自行脱党 not reinstated"),
        pytest.param("withdrawal", "exited", False, id="MEM-08 退党 not reinstated"),
        pytest.param("removal", "exited", False, id="MEM-08 除名 not reinstated"),
        pytest.param("persuaded", "exited", False, id="MEM-08 劝退 not reinstated"),
        pytest.param("expulsion", "exited", False, id="MEM-08 开除 not reinstated"),
        pytest.param("death", "exited", False, id="MEM-08 death"),
        pytest.param("lapse", "suspended", False, id="MEM-08 inconsistent record with an exit kind"),
    ],
)
def test_reinstatable(exit_kind, status, expected):
    assert rules.reinstatable(exit_kind, status) is expected


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        pytest.param("normal", "suspended", True, id="MEM-06 normal → suspended"),
        pytest.param("suspended", "normal", True, id="MEM-08 suspended → normal (恢复党籍)"),
        pytest.param("normal", "exited", True, id="MEM-05 normal → exited"),
        pytest.param("suspended", "exited", True, id="MEM-06 suspended → exited"),
        pytest.param("exited", "normal", False, id="MEM-08 exited → normal"),
        pytest.param("exited", "suspended", False, id="MEM-08 exited → suspended"),
        pytest.param("normal", "normal", False, id="STATUS same status"),
        pytest.param("exited", "exited", False, id="STATUS exited stays"),
        pytest.param("normal", "unknown", False, id="STATUS unknown target"),
    ],
)
def test_allowed_status_change(current, target, expected):
    assert rules.allowed_status_change(current, target) is expected


# --- Transfer letters (§7) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued_on", "months", "expected"),
    [
        pytest.param(date(2026, 1, 10), None, date(2026, 4, 10), id="REL-06 default 3 months"),
        pytest.param(date(2026, 11, 30), None, date(2027, 2, 28), id="REL-06 30 Nov clamps to 28 Feb"),
        pytest.param(date(2026, 1, 10), 6, date(2026, 7, 10), id="REL-06 6 months cross-province"),
        pytest.param(date(2026, 1, 10), 1, date(2026, 2, 10), id="REL-06 1 month"),
    ],
)
def test_letter_expires_on(issued_on, months, expected):
    if months is None:
        assert rules.letter_expires_on(issued_on) == expected
    else:
        assert rules.letter_expires_on(issued_on, months) == expected


def test_letter_expires_on_rejects_zero_months():
    with pytest.raises(ValueError, match="有效期"):
        rules.letter_expires_on(date(2026, 1, 10), 0)


@pytest.mark.parametrize(
    ("issued_on", "today", "months", "expected"),
    [
        pytest.param(date(2026, 1, 10), date(2026, 4, 10), 3, False, id="REL-06 on the expiry date"),
        pytest.param(date(2026, 1, 10), date(2026, 4, 11), 3, True, id="REL-06 day after expiry"),
        pytest.param(date(2026, 11, 30), date(2027, 2, 28), 3, False, id="REL-06 clamped expiry date"),
        pytest.param(date(2026, 11, 30), date(2027, 3, 1), 3, True, id="REL-06 after clamped expiry"),
        pytest.param(date(2026, 1, 10), date(2026, 4, 11), 6, False, id="REL-06 6-month validity"),
    ],
)
def test_transfer_overdue(issued_on, today, months, expected):
    assert rules.transfer_overdue(issued_on, today, months) is expected


def test_transfer_overdue_default_validity():
    assert rules.LETTER_VALIDITY_MONTHS == 3
    assert rules.transfer_overdue(date(2026, 1, 10), date(2026, 4, 11)) is True


@pytest.mark.parametrize(
    ("year", "seq", "expected"),
    [
        pytest.param(2026, 123, "2026-000123", id="REL-05 serial"),
        pytest.param(2026, 1, "2026-000001", id="REL-05 first serial"),
        pytest.param(2027, 999999, "2027-999999", id="REL-05 last serial"),
    ],
)
def test_letter_serial(year, seq, expected):
    assert rules.letter_serial(year, seq) == expected


@pytest.mark.parametrize(
    ("year", "seq"),
    [
        pytest.param(2026, 0, id="REL-05 serial 0"),
        pytest.param(2026, 1_000_000, id="REL-05 serial of 7 digits"),
        pytest.param(26, 1, id="REL-05 two-digit year"),
    ],
)
def test_letter_serial_rejects(year, seq):
    with pytest.raises(ValueError, match="介绍信"):
        rules.letter_serial(year, seq)
