"""The synthetic roster generator (demo/members.py): pure, no database."""

from collections import Counter
from datetime import date, timedelta
from itertools import islice

import pytest

from dangjian.demo.generator import Spec, Tree, build
from dangjian.demo.members import (
    CITY_TOTAL,
    COUNTY_TOTAL,
    PROVINCE_TOTAL,
    branch_sizes,
    generate_members,
    target_total,
)
from dangjian.members.choices import ETHNICITIES, Education, LostReason, MemberStatus, Occupation, Sex, Stage

SEED = 20260511
TODAY = date(2026, 5, 11)
KEYS = {
    "org_key",
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "occupation",
    "stage",
    "joined_on",
    "full_on",
    "phone",
    "address",
    "job_title",
    "status",
    "is_lost_contact",
    "lost_contact_on",
    "lost_reason",
    "is_mobile",
    "mobile_destination",
    "mobile_since",
}
MEMBER_STAGES = {Stage.FULL.value, Stage.PROBATIONARY.value}
COLLEGE = {Education.DOCTORATE.value, Education.MASTER.value, Education.BACHELOR.value, Education.JUNIOR_COLLEGE.value}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def plus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    return years - 1 if plus_years(birth, years) > day else years


def age_band(age: int) -> int:
    """Index of the §10.2 band: ≤30, 31–35, …, 56–60, ≥61."""
    return 0 if age <= 30 else min(7, (age - 31) // 5 + 1)


@pytest.fixture(scope="module")
def county_tree():
    return build("county")


@pytest.fixture(scope="module")
def rows(county_tree):
    return list(generate_members(county_tree, seed=SEED, today=TODAY, total=COUNTY_TOTAL))


@pytest.fixture(scope="module")
def members(rows):
    return [r for r in rows if r["stage"] in MEMBER_STAGES]


def share(items, predicate) -> float:
    return sum(1 for item in items if predicate(item)) / len(items)


# --- sizes ------------------------------------------------------------------------------------------------


def test_target_totals():
    assert (COUNTY_TOTAL, CITY_TOTAL, PROVINCE_TOTAL) == (46_645, 195_000, 3_000_000)
    assert [target_total(s) for s in ("county", "city", "province")] == [COUNTY_TOTAL, CITY_TOTAL, PROVINCE_TOTAL]
    with pytest.raises(ValueError, match="unknown demo size"):
        target_total("planet")


def test_county_has_exactly_the_target_number_of_members(county_tree, members):
    assert len(members) == COUNTY_TOTAL
    assert sum(branch_sizes(county_tree, COUNTY_TOTAL).values()) == COUNTY_TOTAL


def test_every_branch_gets_at_least_three_members_and_only_branches_get_members(county_tree, members):
    kinds = {s.key: s.kind for s in county_tree.specs}
    per_org = Counter(r["org_key"] for r in members)
    branches = {s.key for s in county_tree.specs if s.kind in ("branch", "joint_branch")}
    assert set(per_org) == branches
    assert {kinds[key] for key in per_org} <= {"branch", "joint_branch"}
    assert min(per_org.values()) >= 3


def test_without_total_the_size_hints_are_used(county_tree):
    sizes = branch_sizes(county_tree)
    assert sizes == {s.key: s.size_hint for s in county_tree.specs if s.kind in ("branch", "joint_branch")}
    rows = generate_members(county_tree, seed=1, today=TODAY)
    assert Counter(r["org_key"] for r in rows if r["stage"] in MEMBER_STAGES) == Counter(sizes)


def _tree(hints: list[int]) -> Tree:
    specs = [Spec("root", None, "中共青川县委员会", "local_committee", "government", "DJ0", date(1950, 1, 1))]
    for i, hint in enumerate(hints):
        specs.append(
            Spec(f"b{i}", "root", f"第{i}党支部", "branch", "rural", f"DJ{i + 1}", date(1990, 1, 1), size_hint=hint)
        )
    return Tree(specs=specs)


@pytest.mark.parametrize("total", [12, 20, 57, 100, 1001])
def test_scaling_is_exact_proportional_and_keeps_the_minimum(total):
    tree = _tree([100, 3, 3, 7])
    sizes = branch_sizes(tree, total)
    assert sum(sizes.values()) == total
    assert min(sizes.values()) >= 3
    assert sizes["b0"] >= sizes["b3"] >= sizes["b1"] >= sizes["b2"] >= sizes["b1"] - 1  # ties go to the earlier
    if total >= 113:  # the smallest quota (total·3/113) is ≥ 3: every size is its quota rounded up or down
        for key, hint in (("b0", 100), ("b1", 3), ("b2", 3), ("b3", 7)):
            assert abs(sizes[key] - total * hint / 113) < 1


def test_scaling_holds_small_branches_at_the_minimum():
    assert branch_sizes(_tree([100, 3, 3, 7]), 20) == {"b0": 11, "b1": 3, "b2": 3, "b3": 3}


def test_scaling_refuses_an_impossible_total():
    with pytest.raises(ValueError, match="cannot give"):
        branch_sizes(_tree([5, 5, 5]), 8)


# --- determinism ------------------------------------------------------------------------------------------


def test_same_seed_same_rows_and_another_seed_other_rows(county_tree, rows):
    again = list(islice(generate_members(county_tree, seed=SEED, today=TODAY, total=COUNTY_TOTAL), 1000))
    assert again == rows[:1000]
    other = list(islice(generate_members(county_tree, seed=SEED + 1, today=TODAY, total=COUNTY_TOTAL), 1000))
    assert other != rows[:1000]


# --- row contents -----------------------------------------------------------------------------------------


def test_rows_have_exactly_the_documented_plain_values(rows):
    educations = {c for c, _ in Education.choices}
    occupations = {c for c, _ in Occupation.choices}
    for row in rows:
        assert set(row) == KEYS
        assert row["sex"] in {Sex.MALE.value, Sex.FEMALE.value}
        assert row["ethnicity"] in ETHNICITIES
        assert row["education"] in educations
        assert row["occupation"] in occupations
        assert row["status"] in {MemberStatus.NORMAL.value, MemberStatus.SUSPENDED.value}
        assert row["name"]
        assert row["job_title"]
        assert type(row["stage"]) is str
        assert type(row["occupation"]) is str


def test_id_numbers_are_valid_consistent_and_unique(rows):
    for row in rows:
        number = row["id_number"]
        assert len(number) == 18
        assert number[:17].isdigit()
        assert number[17] == check_digit(number[:17])
        assert number[6:14] == f"{row['birth_date']:%Y%m%d}"
        assert (int(number[16]) % 2 == 1) == (row["sex"] == Sex.MALE.value)
    assert len({r["id_number"] for r in rows}) == len(rows)


def test_phones_are_mobile_numbers_and_unique(rows):
    for row in rows:
        phone = row["phone"]
        assert len(phone) == 11
        assert phone.isdigit()
        assert phone[0] == "1"
        assert phone[1] in "3456789"
    assert len({r["phone"] for r in rows}) == len(rows)


def test_membership_dates_are_consistent(rows):
    for row in rows:
        birth, joined, full_on = row["birth_date"], row["joined_on"], row["full_on"]
        assert age_on(birth, TODAY) >= 18
        if row["stage"] == Stage.FULL.value:
            assert joined >= plus_years(birth, 18)  # at least 18 at joining
            assert joined >= date(1940, 1, 1)
            assert full_on == plus_years(joined, 1)
            assert full_on <= TODAY
        elif row["stage"] == Stage.PROBATIONARY.value:
            assert TODAY - timedelta(days=365) < joined <= TODAY
            assert joined >= plus_years(birth, 18)
            assert full_on is None
        else:
            assert joined is None
            assert full_on is None


def test_occupations_fit_ages(rows):
    for row in rows:
        age = age_on(row["birth_date"], TODAY)
        if row["occupation"] == Occupation.RETIRED.value:
            assert age >= 55
        if row["occupation"] == Occupation.STUDENT.value:
            assert age <= 30


def test_lost_contact_suspension_and_mobility_are_consistent(rows, members):
    for row in rows:
        if row["is_lost_contact"]:
            assert row["lost_contact_on"] is not None
            assert row["lost_reason"] in {c for c, _ in LostReason.choices}
            assert row["joined_on"] < row["lost_contact_on"] <= TODAY
            assert not row["is_mobile"]
        else:
            assert row["lost_contact_on"] is None
            assert row["lost_reason"] == ""
        if row["status"] == MemberStatus.SUSPENDED.value:
            assert row["stage"] == Stage.FULL.value
            if row["is_lost_contact"]:  # MEM-06: lost for six months or more before 停止党籍
                assert row["lost_contact_on"] <= TODAY - timedelta(days=183)
        if row["is_mobile"]:
            assert row["mobile_destination"]
            assert row["joined_on"] <= row["mobile_since"] <= TODAY
            assert row["status"] == MemberStatus.NORMAL.value
        else:
            assert row["mobile_destination"] == ""
            assert row["mobile_since"] is None
        if row["stage"] not in MEMBER_STAGES:
            assert not row["is_lost_contact"]
            assert not row["is_mobile"]
            assert row["status"] == MemberStatus.NORMAL.value
    assert 0.001 <= share(members, lambda r: r["status"] == MemberStatus.SUSPENDED.value) <= 0.006
    assert 0.002 <= share(members, lambda r: r["is_lost_contact"]) <= 0.007
    assert 0.015 <= share(members, lambda r: r["is_mobile"]) <= 0.05


# --- distributions (rules.md §10.1, 2024) -----------------------------------------------------------------


def test_national_shares_within_tolerance(members):
    assert 0.28 <= share(members, lambda r: r["sex"] == Sex.FEMALE.value) <= 0.34
    assert 0.06 <= share(members, lambda r: r["ethnicity"] != "汉族") <= 0.10
    assert 0.45 <= share(members, lambda r: r["education"] in COLLEGE) <= 0.70
    bands = Counter(age_band(age_on(r["birth_date"], TODAY)) for r in members)
    assert bands.most_common(1)[0][0] == 7  # ≥61 is the largest band
    assert all(bands[i] / len(members) >= 0.05 for i in range(8))


def test_join_time_bands(members):
    def band(joined: date) -> int:
        if joined <= date(1949, 9, 30):
            return 0
        if joined <= date(1978, 12, 31):
            return 1
        return 2 if joined <= date(2012, 11, 30) else 3

    counts = Counter(band(r["joined_on"]) for r in members)
    assert counts[0] / len(members) < 0.005  # 建国前: tiny
    assert 0.06 <= counts[1] / len(members) <= 0.2
    assert 0.45 <= counts[2] / len(members) <= 0.7
    assert 0.2 <= counts[3] / len(members) <= 0.4


def test_probationary_and_non_member_shares(rows, members):
    assert 0.01 <= share(members, lambda r: r["stage"] == Stage.PROBATIONARY.value) <= 0.04
    stages = Counter(r["stage"] for r in rows)
    for stage in (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE):
        assert stages[stage.value] > 0
    assert 0 < share(rows, lambda r: r["stage"] not in MEMBER_STAGES) < 0.05


def test_sector_shapes_education_occupation_and_mobility(county_tree, members):
    sector = {s.key: s.sector for s in county_tree.specs}
    by_sector: dict[str, list[dict]] = {}
    for row in members:
        by_sector.setdefault(sector[row["org_key"]], []).append(row)
    rural, government, school = by_sector["rural"], by_sector["government"], by_sector["school"]

    def college(rows):
        return share(rows, lambda r: r["education"] in COLLEGE)

    assert college(rural) < 0.4 < 0.8 < college(government)
    assert college(school) > 0.8
    assert share(rural, lambda r: r["occupation"] == Occupation.FARMER.value) > 0.5
    assert share(government, lambda r: r["occupation"] == Occupation.OFFICIAL.value) > 0.6
    assert share(school, lambda r: r["occupation"] == Occupation.PROFESSIONAL.value) > 0.6
    assert share(rural, lambda r: age_on(r["birth_date"], TODAY) >= 61) > share(
        government, lambda r: age_on(r["birth_date"], TODAY) >= 61
    )
    assert share(rural, lambda r: r["is_mobile"]) > share(government, lambda r: r["is_mobile"])


def test_addresses_are_in_the_county(county_tree, rows):
    county = "青川县"
    sector = {s.key: s.sector for s in county_tree.specs}
    for row in rows:
        assert row["address"].startswith(county)
        if sector[row["org_key"]] == "community":
            assert "社区" in row["address"]
            assert "号楼" in row["address"]
    rural = [r["address"] for r in rows if sector[r["org_key"]] == "rural"]
    assert share(rural, lambda a: "村" in a and "组" in a) > 0.9
