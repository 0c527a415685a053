"""Member roster rules (rules.md §3, §7, §10.2, §10.3) as pure functions on plain values.

Identity data (公民身份号码 per GB 11643-1999, 联系电话) is validated and masked here; statistical bands
(§10.2) are computed here, with the inverse date ranges the queries filter on; membership, lost-contact,
correction, lapse and transfer deadlines (MEM-01…13, REL-01…11) are dates computed with the pure helpers
of `core.dates` (calendar months, clamped to the month's last day, rules.md §0).

Coded values are the stable string values of `members.choices` (Sex "male"/"female", Stage "full", …),
written out so that this module imports no Django. Nothing here touches the database or the clock:
`today` is always an argument.
"""

from __future__ import annotations

import operator
import re
from datetime import date, timedelta

from dangjian.core.dates import add_months, add_years

# --- 公民身份号码 (GB 11643-1999) --------------------------------------------------------------------

ID_LENGTH = 18
LEGACY_ID_LENGTH = 15
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
ID_MIN_BIRTH_YEAR = 1900

MALE, FEMALE = "male", "female"  # Sex values
SEX_LABELS = {MALE: "男", FEMALE: "女"}

# Full-width ASCII forms (U+FF01…U+FF5E: digits, letters, "（", "－", "＋") → ASCII; every kind of space is dropped.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SPACES = re.compile(r"\s+")  # str patterns match Unicode whitespace, including U+3000 and U+00A0


def _to_half_width(raw: str) -> str:
    return _SPACES.sub("", raw.translate(_FULL_WIDTH))


def normalize_id_number(raw: str) -> str:
    """GB 11643-1999 input form: drop spaces (full-width too), full-width digits and letters to ASCII,
    a lower-case check character x to X. Does not validate (see `validate_id_number`)."""
    return _to_half_width(raw).upper()


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 ISO 7064 MOD 11-2: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 → "10X98765432"."""
    if len(first17) != ID_LENGTH - 1 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"公民身份号码本体码应为17位数字：{first17!r}")
    total = sum(map(operator.mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def _id_birth(number: str) -> date:
    text = number[6:14]
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValueError(f"公民身份号码中的出生日期（第7至14位：{text}）不是有效日期") from None
    if born.year < ID_MIN_BIRTH_YEAR:
        raise ValueError(f"公民身份号码中的出生日期（第7至14位：{text}）早于{ID_MIN_BIRTH_YEAR}年")
    return born


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """GB 11643-1999 (§10.3 item 3): the normalized 18-character number, or ValueError naming the problem:
    length (15-digit legacy numbers are refused), non-digits, a birth date in positions 7–14 that is not a
    real date or is before 1900 (or after `today`, when given), a wrong check character."""
    number = normalize_id_number(raw)
    if len(number) == LEGACY_ID_LENGTH and number.isascii() and number.isdigit():
        raise ValueError("公民身份号码应为18位，不再接受15位旧号码，请填写18位号码")
    if len(number) != ID_LENGTH:
        raise ValueError(f"公民身份号码应为18位（现为{len(number)}位）")
    body, check = number[:17], number[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        raise ValueError("公民身份号码前17位应为数字，末位应为数字或X")
    born = _id_birth(number)
    if today is not None and born > today:
        raise ValueError(f"公民身份号码中的出生日期（{born:%Y年%m月%d日}）晚于今天")
    if id_check_digit(body) != check:
        raise ValueError("公民身份号码校验位错误")
    return number


def id_birth_date(number: str) -> date:
    """GB 11643-1999 (§10.3 item 6): the birth date in positions 7–14 of a valid number (ValueError otherwise)."""
    return _id_birth(validate_id_number(number))


def id_sex(number: str) -> str:
    """GB 11643-1999 (§10.3 item 4): the 17th digit is odd for men, even for women → "male" / "female"."""
    return MALE if int(validate_id_number(number)[16]) % 2 else FEMALE


def id_consistency_errors(number: str, birth_date: date | None, sex: str | None) -> list[str]:
    """§10.3 items 3, 4, 6: messages for a record whose 出生日期 or 性别 disagree with its 公民身份号码.

    An invalid number gives its validation message alone; a `None` birth date or sex is not checked."""
    try:
        normalized = validate_id_number(number)
    except ValueError as exc:
        return [str(exc)]
    errors = []
    born = _id_birth(normalized)  # validated just above: no second validation per field
    if birth_date is not None and birth_date != born:
        errors.append(f"出生日期（{birth_date:%Y年%m月%d日}）与公民身份号码不一致，号码中为{born:%Y年%m月%d日}")
    coded = MALE if int(normalized[16]) % 2 else FEMALE
    if sex is not None and sex != coded:
        errors.append(f"性别（{SEX_LABELS.get(sex, sex)}）与公民身份号码不一致，号码中为{SEX_LABELS[coded]}")
    return errors


def synthetic_id_number(region: str, birth: date, seq: int, sex: str) -> str:
    """GB 11643-1999: a valid number for demo data and tests. `region` gives positions 1–6, `birth` 7–14,
    `seq` (0–99) 15–16; the 17th digit is odd for "male", even for "female" (varied with `seq`)."""
    if len(region) != 6 or not region.isascii() or not region.isdigit():
        raise ValueError(f"地址码应为6位数字：{region!r}")
    if not 0 <= seq <= 99:
        raise ValueError(f"顺序号应在0至99之间：{seq}")
    if sex not in SEX_LABELS:
        raise ValueError(f"性别代码无效：{sex!r}")
    if birth.year < ID_MIN_BIRTH_YEAR:
        raise ValueError(f"出生日期早于{ID_MIN_BIRTH_YEAR}年：{birth}")
    sex_digit = (seq % 5) * 2 + (1 if sex == MALE else 0)
    body = f"{region}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return body + id_check_digit(body)


# --- Masking (security.md PRV-03) ------------------------------------------------------------------------

MASK_CHAR = "*"
ID_MASK_HEAD, ID_MASK_TAIL = 4, 4
PHONE_MASK_HEAD, PHONE_MASK_TAIL = 3, 4
TEXT_MASK_KEEP = 6
TEXT_MASK_SUFFIX = "****"


def _mask_middle(value: str, head: int, tail: int) -> str:
    """Keep at most `head` / `tail` characters, and never more than a quarter of the value at either end."""
    quarter = len(value) // 4
    head, tail = min(head, quarter), min(tail, quarter)
    return value[:head] + MASK_CHAR * (len(value) - head - tail) + value[len(value) - tail :]


def mask_id_number(value: str, *, head: int = ID_MASK_HEAD, tail: int = ID_MASK_TAIL) -> str:
    """PRV-03: "410105199001011234" → "4101**********1234". The length is kept; a shorter value keeps at most
    its first and last quarter, so no more than 8 characters are ever shown. Not validated."""
    return _mask_middle(_to_half_width(value).upper(), head, tail)


def mask_phone(value: str) -> str:
    """PRV-03: mobile "13812345678" → "138****5678"; landline "0371-12345678" → "0371-****5678" (area code and
    the last 4 digits kept, an extension hidden). A value that is not a phone number is masked like an ID."""
    if not value:
        return ""
    try:
        phone = normalize_phone(value)
    except ValueError:
        return _mask_middle(_to_half_width(value), PHONE_MASK_HEAD, PHONE_MASK_TAIL)
    if "-" not in phone:
        return (
            phone[:PHONE_MASK_HEAD]
            + MASK_CHAR * (len(phone) - PHONE_MASK_HEAD - PHONE_MASK_TAIL)
            + phone[-PHONE_MASK_TAIL:]
        )
    area, local, *extension = phone.split("-")
    masked = f"{area}-{MASK_CHAR * (len(local) - PHONE_MASK_TAIL)}{local[-PHONE_MASK_TAIL:]}"
    return masked + "".join(f"-{MASK_CHAR * len(part)}" for part in extension)


def mask_text(value: str) -> str:
    """PRV-03 (家庭住址 to about district level): the first 6 characters, then "****". A value of 12 characters or
    fewer keeps only its first half, so that the whole is never shown."""
    value = value.strip()
    if not value:
        return ""
    return value[: min(TEXT_MASK_KEEP, len(value) // 2)] + TEXT_MASK_SUFFIX


# --- 联系电话 (§10.3 item 12) -------------------------------------------------------------------------------

PHONE_ERROR = "联系电话格式不正确"
_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
# 010 and 02x are the 3-digit area codes; every other area code has 4 digits. Local numbers have 7 or 8 digits
# and never start with 0 (nor, in reality, with 1; but "0371-12345678" is the customary example, so 1 is let
# through). Extensions follow "-", "转", "ext" or "#".
_LANDLINE = re.compile(
    r"\(?(0(?:10|2\d|[3-9]\d{2}))\)?-?([1-9]\d{6,7})(?:(?:-|转|EXT\.?|#|X)(\d{1,6}))?",
)


def normalize_phone(raw: str) -> str:
    """§10.3 item 12 (手机 + 固定电话): a mainland mobile number ("13812345678", "+86"/"86"/"0086" prefix
    allowed) → 11 digits; a landline with area code ("0371-1234567", "(010)12345678", extension after "-",
    "转", "ext" or "#") → "0371-1234567" or "010-12345678-123". Anything else → ValueError("联系电话格式不正确")."""
    text = _to_half_width(raw).upper()
    compact = text.replace("-", "")
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(text)
    if not landline:
        raise ValueError(PHONE_ERROR)
    area, local, extension = landline.groups()
    return f"{area}-{local}" + (f"-{extension}" if extension else "")


# --- Statistical bands (§10.2) --------------------------------------------------------------------------

# 年龄段: (code, label) pairs usable as choices, and each band's inclusive age limits.
AGE_BANDS: tuple[tuple[str, str], ...] = (
    ("le30", "30岁及以下"),
    ("31_35", "31至35岁"),
    ("36_40", "36至40岁"),
    ("41_45", "41至45岁"),
    ("46_50", "46至50岁"),
    ("51_55", "51至55岁"),
    ("56_60", "56至60岁"),
    ("ge61", "61岁及以上"),
)
AGE_BAND_LIMITS: dict[str, tuple[int | None, int | None]] = {
    "le30": (None, 30),
    "31_35": (31, 35),
    "36_40": (36, 40),
    "41_45": (41, 45),
    "46_50": (46, 50),
    "51_55": (51, 55),
    "56_60": (56, 60),
    "ge61": (61, None),
}

# 入党时间段: (code, label) pairs and each band's inclusive date range.
JOIN_BANDS: tuple[tuple[str, str], ...] = (
    ("before_1949_10", "1949年9月及以前（新中国成立前）"),
    ("to_1978_12", "1949年10月至1978年12月（党的十一届三中全会前）"),
    ("to_2012_11", "1979年1月至2012年11月（党的十八大前）"),
    ("since_18th", "2012年12月以来（党的十八大以来）"),
)
JOIN_BAND_RANGES: dict[str, tuple[date | None, date | None]] = {
    "before_1949_10": (None, date(1949, 9, 30)),
    "to_1978_12": (date(1949, 10, 1), date(1978, 12, 31)),
    # §10.2 says "to 2012-11": whole months, through 2012-11-30, although the 18th Congress opened on
    # 2012-11-08. Members admitted 2012-11-08…30 are therefore counted as 十八大前.
    "to_2012_11": (date(1979, 1, 1), date(2012, 11, 30)),
    "since_18th": (date(2012, 12, 1), None),
}


def _full_years(start: date, day: date) -> int:
    """Whole years from `start` to `day`; an anniversary on 29 February falls on the 28th (rules.md §0)."""
    years = day.year - start.year
    return years - 1 if add_years(start, years) > day else years


def age_on(birth: date, day: date) -> int:
    """§10.2 年龄段: age in full years (周岁) on `day`. Someone born on 29 February turns a year older on
    28 February in common years (the §0 clamping convention)."""
    return _full_years(birth, day)


def age_band(age: int) -> str:
    """§10.2: the 年龄段 code of an age; bands include both limits (≤30, 31–35, …, ≥61)."""
    for code, (low, high) in AGE_BAND_LIMITS.items():
        if (low is None or age >= low) and (high is None or age <= high):
            return code
    raise AssertionError(age)  # pragma: no cover - the bands cover every integer


def _latest_birth_for_age(age: int, today: date) -> date:
    """The last birth date at which someone is at least `age` full years old on `today`."""
    birth = add_years(today, -age)
    # After a clamped 29 February the next day can still qualify (born 2024-02-29 is 3 on 2027-02-28).
    while add_years(birth + timedelta(days=1), age) <= today:
        birth += timedelta(days=1)
    return birth


def age_band_birth_range(band: str, today: date) -> tuple[date | None, date | None]:
    """§10.2: the inclusive range of birth dates whose age on `today` is in `band` (None = open end), so that
    `age_band(age_on(birth, today)) == band` exactly when the birth date lies in the range."""
    try:
        low, high = AGE_BAND_LIMITS[band]
    except KeyError:
        raise ValueError(f"年龄段代码无效：{band!r}") from None
    earliest = None if high is None else _latest_birth_for_age(high + 1, today) + timedelta(days=1)
    latest = None if low is None else _latest_birth_for_age(low, today)
    return earliest, latest


def join_band(joined_on: date) -> str:
    """§10.2 入党时间段 of a 入党时间 (see `JOIN_BAND_RANGES` for the 2012-11 boundary)."""
    for code, (start, end) in JOIN_BAND_RANGES.items():
        if (start is None or joined_on >= start) and (end is None or joined_on <= end):
            return code
    raise AssertionError(joined_on)  # pragma: no cover - the bands cover every date


def join_band_range(band: str) -> tuple[date | None, date | None]:
    """§10.2: the inclusive range of 入党时间 in `band` (None = open end)."""
    try:
        return JOIN_BAND_RANGES[band]
    except KeyError:
        raise ValueError(f"入党时间段代码无效：{band!r}") from None


# --- Membership (§3) ----------------------------------------------------------------------------------

MIN_JOIN_AGE = 18  # MEM-AGE: 党章 第一条 年满十八岁; recruitment checks it on the application (AGE_UNDER_18)
FULL, NORMAL, SUSPENDED, EXITED = "full", "normal", "suspended", "exited"  # Stage / MemberStatus values
LOST_CONTACT_SUSPENSION_MONTHS = 6  # MEM-06
SUSPENSION_REMOVAL_YEARS = 2  # MEM-06
CORRECTION_MAX_MONTHS = 12  # MEM-04
SELF_LAPSE_MONTHS = 6  # MEM-01, REL-07
LAPSE_REMIND_MONTHS = 3  # MEM-12 ladder (P): 2–3 months absent → criticism; dues reminders at 3 months
LAPSE_WARN_MONTHS = 5  # MEM-12 ladder (P): 4–5 months → consider handling; dues warning at 5 months
TRANSFER_AWAY_MONTHS = 6  # REL-02
STATUS_TRANSITIONS = frozenset(
    {
        (NORMAL, SUSPENDED),  # MEM-06, MEM-07 停止党籍
        (SUSPENDED, NORMAL),  # MEM-08 恢复党籍
        (NORMAL, EXITED),  # MEM-01…05 出党, or death
        (SUSPENDED, EXITED),  # MEM-06 two years suspended → 自行脱党, or death
    }
)


def join_age_violation(birth: date, joined_on: date) -> str | None:
    """MEM-AGE (党章 第一条): a message when 入党时间 is before the 18th birthday (29 February → 28th), else None."""
    if joined_on >= add_years(birth, MIN_JOIN_AGE):
        return None
    return (
        f"MEM-AGE：入党时未满{MIN_JOIN_AGE}周岁（出生日期{birth:%Y年%m月%d日}，"
        f"入党时间{joined_on:%Y年%m月%d日}，年满{MIN_JOIN_AGE}周岁之日为{add_years(birth, MIN_JOIN_AGE):%Y年%m月%d日}）"
    )


def party_standing_years(full_on: date | None, today: date) -> int | None:
    """MEM-10: 党龄 in full years, counted from the date of conversion to full membership (转为正式党员日期);
    None for a member not yet converted, 0 if the conversion date is after `today`."""
    if full_on is None:
        return None
    return max(0, _full_years(full_on, today))


def is_voting_member(stage: str, status: str) -> bool:
    """MEM-11 / ORG-14: only full members with normal status have 表决权、选举权和被选举权."""
    return stage == FULL and status == NORMAL


def lost_contact_suspension_due(lost_on: date) -> date:
    """MEM-06: lost contact for 6 months and still unreachable → 停止党籍 from this day (month-end clamped)."""
    return add_months(lost_on, LOST_CONTACT_SUSPENSION_MONTHS)


def suspension_removal_due(suspended_on: date) -> date:
    """MEM-06: suspended for 2 years and still unreachable → removed as 自行脱党 from this day."""
    return add_years(suspended_on, SUSPENSION_REMOVAL_YEARS)


def correction_deadline(start: date, months: int = CORRECTION_MAX_MONTHS) -> date:
    """MEM-03 / MEM-04: the end of a 限期改正 period of `months` (1–12: no more than one year)."""
    if not 1 <= months <= CORRECTION_MAX_MONTHS:
        raise ValueError(f"限期改正期限应为1至{CORRECTION_MAX_MONTHS}个月（不超过一年），现为{months}个月")
    return add_months(start, months)


def lapse_warning_level(months_missing: int) -> str | None:
    """MEM-01 / MEM-12 / REL-07: consecutive months without organizational life or dues → None,
    "remind" (≥3), "warn" (≥5) or "lapse" (≥6: to be handled as 自行脱党 by the 支部大会)."""
    if months_missing >= SELF_LAPSE_MONTHS:
        return "lapse"
    if months_missing >= LAPSE_WARN_MONTHS:
        return "warn"
    if months_missing >= LAPSE_REMIND_MONTHS:
        return "remind"
    return None


def should_transfer(away_since: date, today: date) -> bool:
    """REL-02 / REL-08: away at a relatively fixed place for 6 months or more (on or after the same day six
    calendar months later) → the organizational relationship should be transferred."""
    return today >= add_months(away_since, TRANSFER_AWAY_MONTHS)


def reinstatable(exit_kind: str | None, status: str) -> bool:
    """MEM-08: only a suspended member (停止党籍) can be reinstated; anyone who has left the Party (退党, 除名,
    自行脱党, 劝退, 开除, death) cannot, and may only re-join."""
    return exit_kind is None and status == SUSPENDED


def allowed_status_change(current: str, target: str) -> bool:
    """MEM-06/07 (normal → suspended), MEM-08 (suspended → normal), MEM-01…05 (normal or suspended → exited).
    Nothing leaves "exited"; a status does not change into itself."""
    return (current, target) in STATUS_TRANSITIONS


# --- Transfer letters (§7) ------------------------------------------------------------------------------

LETTER_VALIDITY_MONTHS = 3  # REL-06 (P/U): common maximum; some provinces allow 6 cross-province
LETTER_SERIAL_DIGITS = 6


def letter_expires_on(issued_on: date, months: int = LETTER_VALIDITY_MONTHS) -> date:
    """REL-05 / REL-06 (P): the last day on which a 党员组织关系介绍信 is valid (issue date + `months`)."""
    if months < 1:
        raise ValueError(f"介绍信有效期应至少1个月，现为{months}个月")
    return add_months(issued_on, months)


EARLIEST_LETTER_DATE = date(1921, 7, 1)  # no organizational relation is older than the Party


def letter_date_problem(issued_on: date, *, today: date, joined_on: date | None = None) -> str:
    """REL-05: what is wrong with a letter's issue date ("" if nothing): not after today, not before the member
    joined the Party (a relation that did not exist cannot be transferred), and never before 1921-07-01."""
    if issued_on > today:
        return "开具日期不能晚于今天"
    if joined_on is not None and issued_on < joined_on:
        return f"开具日期不能早于该党员加入党组织日期（{joined_on:%Y-%m-%d}）"
    if issued_on < EARLIEST_LETTER_DATE:
        return "开具日期不能早于1921年7月1日，请检查年份"
    return ""


def transfer_overdue(issued_on: date, today: date, months: int = LETTER_VALIDITY_MONTHS) -> bool:
    """REL-04 / REL-06 (P): the letter has not been received by its expiry date (overdue from the next day)."""
    return today > letter_expires_on(issued_on, months)


def letter_serial(year: int, seq: int) -> str:
    """REL-05 (P): the letter number, "2026-000123" (year, then the year's sequence number in 6 digits)."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"介绍信年度无效：{year}")
    if not 1 <= seq < 10**LETTER_SERIAL_DIGITS:
        raise ValueError(f"介绍信顺序号应在1至{10**LETTER_SERIAL_DIGITS - 1}之间：{seq}")
    return f"{year}-{seq:0{LETTER_SERIAL_DIGITS}d}"


# --- One member's facts together (used by the form, the API and the importer alike) --------------------

MEMBER_STAGES = ("probationary", "full")


def member_facts_problems(facts: dict, today: date) -> list[tuple[str, str, str]]:
    """Every problem with one member's facts as (field, rule id, Chinese message); empty when they hold.

    `facts` holds plain values: name, id_number (normalised), sex, birth_date, stage, joined_on,
    full_on, phone (normalised), is_mobile, mobile_destination. The identity number's own validity
    is checked by `validate_id_number` before this; here its agreement with the other facts is.
    """
    out: list[tuple[str, str, str]] = []
    if not (facts.get("name") or "").strip():
        out.append(("name", "MEM-DATA", "姓名不能为空"))
    birth, sex, number = facts.get("birth_date"), facts.get("sex"), facts.get("id_number")
    if not birth:
        out.append(("birth_date", "MEM-DATA", "出生日期不能为空"))
    elif birth > today:
        out.append(("birth_date", "MEM-DATA", "出生日期不能晚于今天"))
    if not sex:
        out.append(("sex", "MEM-DATA", "性别不能为空"))
    if number:
        out.extend(("id_number", "MEM-ID", message) for message in id_consistency_errors(number, birth, sex))
    stage = facts.get("stage") or FULL
    joined, full = facts.get("joined_on"), facts.get("full_on")
    if stage in MEMBER_STAGES and not joined:
        out.append(("joined_on", "MEM-09", "党员须填写加入党组织日期"))
    if joined:
        if birth:
            problem = join_age_violation(birth, joined)
            if problem:
                out.append(("joined_on", "MEM-AGE", problem))
        if joined > today:
            out.append(("joined_on", "MEM-DATA", "加入党组织日期不能晚于今天"))
    if stage == FULL and not full:
        out.append(("full_on", "MEM-10", "正式党员须填写转为正式党员日期"))
    if stage != FULL and full:
        out.append(("full_on", "MEM-10", "只有正式党员才有转为正式党员日期"))
    if full and joined and full < joined:
        out.append(("full_on", "MEM-10", "转为正式党员日期不能早于加入党组织日期"))
    if full and full > today:
        out.append(("full_on", "MEM-DATA", "转为正式党员日期不能晚于今天"))
    if facts.get("is_mobile") and not facts.get("mobile_destination"):
        out.append(("mobile_destination", "REL-08", "流动党员须填写外出流向"))
    return out
