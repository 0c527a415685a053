"""Deterministic synthetic party members for the demo trees (rules.md §10.1, §10.2, §10.3).

`generate_members(tree, seed=…, today=…)` yields one plain dict per person placed in the branches
(kind "branch" or "joint_branch") of a `generator.Tree`. The same seed, tree and day give the same rows.

The shares follow the 2024 national bulletin (§10.1), adjusted by the sector of each branch: a village
branch is older, less schooled and mostly 农牧渔民; an organ branch is 党政机关工作人员 with degrees; a school
branch is teachers. Every row is internally consistent: the 公民身份号码 carries the birth date and the sex
(17th digit odd = male) and a valid check character, 入党 at 18 or later and not before 1940, 转正 one year
after 入党 and not after `today`, retired people are 55 or older, students 30 or younger, suspensions
follow a loss of contact of more than six months (MEM-06).

About 3% of the rows are people on the way in (申请入党人, 入党积极分子, 发展对象): they are extra rows
on top of the members, so that a branch's member count (and `total`) counts party members only.

Pure standard library plus `members.choices`; no ORM, no clock (`today` is an argument). Tables are
precomputed and each row costs a few dozen draws of one `random.Random(seed)`.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from datetime import date
from itertools import accumulate

from dangjian.demo.generator import SURNAMES, Spec, Tree
from dangjian.members.choices import Education, LostReason, MemberStatus, Occupation, Sex, Stage

COUNTY_TOTAL = 46_645
CITY_TOTAL = 195_000
PROVINCE_TOTAL = 3_000_000
_TOTALS = {"county": COUNTY_TOTAL, "city": CITY_TOTAL, "province": PROVINCE_TOTAL}

MEMBER_KINDS = ("branch", "joint_branch")
MIN_BRANCH_MEMBERS = 3
NON_MEMBER_RATE = 0.031  # extra applicant/activist/candidate rows per member (≈3% of all rows)
PROBATIONARY_RATE = 0.021  # 当年发展党员 213.1万 / 10027.1万 (§10.1)
MINORITY_RATE = 0.077  # §10.1 少数民族 7.7%
NEW_MINORITY_RATE = 0.105  # §10.1 当年发展党员中少数民族 10.5% (2023)
SUSPENDED_LOST_RATE = 0.0022  # lost contact >6 months, 停止党籍 (MEM-06)
SUSPENDED_ABROAD_RATE = 0.0008  # settled abroad, 停止党籍 (MEM-07)
LOST_RATE = 0.0018  # lost contact, still 正常 (search under way)
EARLIEST_JOIN = date(1940, 1, 1)


def target_total(size: str) -> int:
    """The number of party members the demo database of `size` ("county", "city", "province") must hold."""
    try:
        return _TOTALS[size]
    except KeyError:
        raise ValueError(f"unknown demo size {size!r}") from None


# --- sizes -----------------------------------------------------------------------------------------------


def branch_sizes(tree: Tree, total: int | None = None) -> dict[str, int]:
    """Members per branch (Spec.key → count): the size hints, or the hints scaled so that they sum to `total`
    exactly (largest remainder, ties to the earlier branch), every branch keeping at least 3 members."""
    branches = [s for s in tree.specs if s.kind in MEMBER_KINDS]
    hints = [max(s.size_hint, MIN_BRANCH_MEMBERS) for s in branches]
    if total is None:
        return {s.key: h for s, h in zip(branches, hints, strict=True)}
    if not branches:
        if total:
            raise ValueError("the tree has no branch to place members in")
        return {}
    if total < MIN_BRANCH_MEMBERS * len(branches):
        raise ValueError(f"{total} members cannot give {len(branches)} branches {MIN_BRANCH_MEMBERS} each")
    floor_at = set()  # branches held at the minimum because their share would fall below it
    while True:
        free = [i for i in range(len(branches)) if i not in floor_at]
        rest = total - MIN_BRANCH_MEMBERS * len(floor_at)
        weight = sum(hints[i] for i in free)
        low = [i for i in free if rest * hints[i] < MIN_BRANCH_MEMBERS * weight]
        if not low:
            break
        floor_at.update(low)
    sizes = [MIN_BRANCH_MEMBERS] * len(branches)
    for i in free:
        sizes[i] = rest * hints[i] // weight
    short = rest - sum(sizes[i] for i in free)
    for i in sorted(free, key=lambda i: (-(rest * hints[i] % weight), i))[:short]:
        sizes[i] += 1
    return {s.key: n for s, n in zip(branches, sizes, strict=True)}


# --- distributions ----------------------------------------------------------------------------------------

# Age bands of §10.2 (≤30, 31–35, …, ≥61); the national 2024 shares are 12.2 10.7 11.4 9.7 9.0 9.4 8.6 28.9 (%).
# Per sector: villages and communities are old, organs and schools young, private firms younger still.
AGE_BAND_WEIGHTS = {
    "rural": (6, 6, 7, 8, 9, 11, 12, 41),
    "community": (9, 8, 8, 8, 7, 8, 9, 43),
    "government": (15, 15, 16, 13, 11, 10, 8, 12),
    "school": (18, 17, 16, 13, 11, 10, 7, 8),
    "public_institution": (18, 17, 16, 13, 11, 10, 7, 8),
    "state_enterprise": (15, 14, 14, 13, 12, 11, 9, 12),
    "private_enterprise": (22, 20, 18, 14, 10, 7, 5, 4),
    "social_org": (15, 15, 15, 13, 12, 10, 8, 12),
    "other": (20, 18, 16, 14, 12, 10, 6, 4),
}
AGE_BANDS = ((18, 30), (31, 35), (36, 40), (41, 45), (46, 50), (51, 55), (56, 60), (61, 102))
MAX_AGE = 102


def _age_in_band_weight(age: int) -> float:
    """Relative density of an age inside its band (few full members under 22, a thinning tail after 70)."""
    if age < 20:
        return 0.0  # a full member joined at 18 or later and has been a member for a year
    if age < 23:
        return (0.35, 0.6, 0.85)[age - 20]
    if age <= 69:
        return 1.0
    for limit, w in ((74, 0.9), (79, 0.7), (84, 0.45), (89, 0.25), (94, 0.1), (99, 0.03)):
        if age <= limit:
            return w
    return 0.004


# Ages of people admitted within the last year (≤35: 83.7%, §10.1) and of those on the way in.
PROBATIONARY_AGE_WEIGHTS = ((19, 25, 45), (26, 35, 38), (36, 45, 10), (46, 60, 7))
NON_MEMBER_AGE_WEIGHTS = ((18, 25, 45), (26, 35, 40), (36, 45, 11), (46, 55, 4))

# 工作岗位 codes; the occupation and education tables have one row per age class: ≤30, 31–54, 55–60, ≥61.
W, F, P, M, O, S, X, R = (  # noqa: E741 - one letter per 工作岗位 keeps the tables readable
    Occupation.WORKER.value,
    Occupation.FARMER.value,
    Occupation.PROFESSIONAL.value,
    Occupation.MANAGER.value,
    Occupation.OFFICIAL.value,
    Occupation.STUDENT.value,
    Occupation.OTHER.value,
    Occupation.RETIRED.value,
)

# 工作岗位 by sector and age class (weights). Retired only from 55, students only up to 30.
OCCUPATION_WEIGHTS: dict[str, tuple[dict[str, float], ...]] = {
    "rural": (
        {F: 45, S: 6, W: 16, X: 22, M: 5, P: 5, O: 1},
        {F: 70, W: 8, X: 12, M: 5, P: 3, O: 2},
        {F: 80, W: 3, X: 8, M: 3, R: 6},
        {F: 68, R: 28, X: 4},
    ),
    "community": (
        {X: 30, W: 20, P: 20, M: 15, S: 8, O: 7},
        {X: 30, W: 20, P: 18, M: 17, O: 8, F: 7},
        {R: 45, X: 25, W: 10, M: 10, P: 7, O: 3},
        {R: 90, X: 6, F: 4},
    ),
    "government": (
        {O: 85, W: 5, P: 10},
        {O: 85, W: 7, P: 8},
        {O: 75, W: 5, P: 5, R: 15},
        {R: 97, O: 3},
    ),
    "school": (
        {P: 88, M: 4, W: 3, S: 5},
        {P: 85, M: 10, W: 5},
        {P: 70, M: 10, W: 5, R: 15},
        {R: 95, P: 5},
    ),
    "public_institution": (
        {P: 85, M: 7, W: 8},
        {P: 78, M: 14, W: 8},
        {P: 65, M: 12, W: 5, R: 18},
        {R: 94, P: 6},
    ),
    "state_enterprise": (
        {W: 40, P: 35, M: 25},
        {W: 35, P: 30, M: 35},
        {W: 30, P: 20, M: 30, R: 20},
        {R: 92, M: 5, X: 3},
    ),
    "private_enterprise": (
        {W: 35, P: 25, M: 25, X: 15},
        {W: 30, P: 20, M: 35, X: 15},
        {W: 25, P: 10, M: 40, X: 20, R: 5},
        {M: 40, X: 30, R: 30},
    ),
    "social_org": (
        {X: 40, P: 30, M: 30},
        {X: 40, P: 25, M: 35},
        {X: 40, P: 10, M: 30, R: 20},
        {R: 50, X: 30, M: 20},
    ),
    "other": (
        {W: 30, P: 25, M: 20, O: 10, X: 15},
        {W: 25, P: 20, M: 30, O: 10, X: 15},
        {W: 20, P: 10, M: 35, O: 10, X: 15, R: 10},
        {M: 30, X: 20, R: 50},
    ),
}

EDUCATIONS = (
    Education.DOCTORATE.value,
    Education.MASTER.value,
    Education.BACHELOR.value,
    Education.JUNIOR_COLLEGE.value,
    Education.SECONDARY_VOCATIONAL.value,
    Education.HIGH_SCHOOL.value,
    Education.JUNIOR_HIGH_OR_BELOW.value,
)
COLLEGE = frozenset(EDUCATIONS[:4])

# 学历 weights in EDUCATIONS order (博士, 硕士, 本科, 专科, 中专, 高中, 初中及以下) by occupation, one row per
# age class (≤30, 31–54, 55–60, ≥61).
EDUCATION_WEIGHTS = {
    F: (
        (0, 0, 18, 36, 12, 20, 14),
        (0, 0, 8, 24, 12, 30, 26),
        (0, 0, 3, 12, 10, 30, 45),
        (0, 0, 1, 7, 7, 26, 59),
    ),
    W: (
        (0, 0, 12, 35, 20, 25, 8),
        (0, 0, 10, 28, 20, 27, 15),
        (0, 0, 4, 15, 18, 35, 28),
        (0, 0, 2, 10, 15, 35, 38),
    ),
    P: (
        (0.5, 14, 60, 22, 3, 0.5, 0),
        (0.5, 8, 60, 27, 3, 1, 0.5),
        (0.3, 4, 45, 35, 10, 5, 0.7),
        (0.3, 4, 45, 35, 10, 5, 0.7),
    ),
    M: (
        (0, 6, 50, 30, 6, 6, 2),
        (0, 5, 40, 32, 8, 10, 5),
        (0, 3, 30, 30, 12, 15, 10),
        (0, 3, 30, 30, 12, 15, 10),
    ),
    O: (
        (0.3, 15, 72, 12, 0.5, 0.2, 0),
        (0.3, 10, 62, 24, 2, 1.5, 0.2),
        (0.2, 5, 45, 38, 6, 5, 0.8),
        (0.2, 5, 45, 38, 6, 5, 0.8),
    ),
    S: ((2, 15, 60, 23, 0, 0, 0),) * 4,
    X: (
        (0, 2, 30, 33, 12, 15, 8),
        (0, 1, 18, 30, 13, 23, 15),
        (0, 0, 6, 15, 12, 32, 35),
        (0, 0, 6, 15, 12, 32, 35),
    ),
}
# Retired people: cadres, teachers, doctors and state-enterprise staff; town residents; villagers. Those
# over 75 studied before the expansion of schooling.
RETIRED_GROUP = {"government": 0, "school": 0, "public_institution": 0, "state_enterprise": 0, "community": 1}
RETIRED_EDUCATION = (
    ((0.3, 4, 38, 35, 10, 8, 4.7), (0, 1, 20, 27, 18, 18, 16)),
    ((0.2, 1.5, 22, 30, 13, 18, 15.3), (0, 0.5, 8, 16, 14, 26, 35.5)),
    ((0, 0.5, 10, 20, 14, 26, 29.5), (0, 0, 3, 8, 9, 24, 56)),
)
VERY_OLD = 76

# 女 share by sector (2024: 30.9% overall), scaled by age class: the young are more often women.
FEMALE_BASE = {
    "rural": 0.235,
    "community": 0.34,
    "government": 0.30,
    "school": 0.58,
    "public_institution": 0.60,
    "state_enterprise": 0.28,
    "private_enterprise": 0.32,
    "social_org": 0.45,
    "other": 0.30,
}
FEMALE_AGE_FACTOR = (1.3, 1.05, 0.95, 0.85)
FEMALE_NEW = 0.46  # §10.1 当年发展党员 女 45.9%

# Join age (years) of full members, truncated per person to [18, age − 1].
_JOIN_AGE_WEIGHTS = (
    [3, 4, 6, 7, 7, 7, 6.5, 6, 5.5, 5, 4.5, 4, 3.6]  # 18…30
    + [2.8, 2.5, 2.2, 2.0, 1.8]  # 31…35
    + [1.6, 1.4, 1.3, 1.2, 1.1]  # 36…40
    + [1.0, 0.9, 0.8, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4]  # 41…50
    + [0.4, 0.35, 0.3, 0.25, 0.2, 0.18, 0.15, 0.12, 0.1, 0.1]  # 51…60
    + [0.05] * 10  # 61…70
)
JOIN_AGE_CUM = list(accumulate(_JOIN_AGE_WEIGHTS))
MAX_JOIN_AGE = 18 + len(_JOIN_AGE_WEIGHTS) - 1
OLDEST, OLDEST_MAX_JOIN_AGE = 90, 28

# 少数民族: a northern/eastern-province mix (回族, 满族, 蒙古族 first).
MINORITY_WEIGHTS = {
    "回族": 30,
    "满族": 25,
    "蒙古族": 12,
    "壮族": 5,
    "土家族": 5,
    "朝鲜族": 4,
    "苗族": 4,
    "彝族": 3,
    "锡伯族": 2,
    "藏族": 2,
    "维吾尔族": 2,
    "侗族": 2,
    "瑶族": 1.5,
    "白族": 1.5,
    "布依族": 1,
}

# 流动党员 probability (members only; never the newly admitted): villages send people out to work.
MOBILE_RATE = {"rural_working": 0.1, "rural_other": 0.015, "working": 0.018, "retired": 0.002}
MOBILE_DESTINATIONS = {
    "广东省深圳市宝安区": 8,
    "广东省广州市白云区": 6,
    "广东省东莞市长安镇": 5,
    "广东省佛山市顺德区": 3,
    "浙江省杭州市余杭区": 5,
    "浙江省宁波市鄞州区": 4,
    "浙江省义乌市": 3,
    "江苏省苏州市昆山市": 6,
    "江苏省南京市江宁区": 4,
    "江苏省无锡市新吴区": 3,
    "上海市浦东新区": 7,
    "上海市闵行区": 4,
    "北京市朝阳区": 5,
    "北京市大兴区": 3,
    "天津市滨海新区": 4,
    "福建省厦门市湖里区": 2,
    "山东省青岛市黄岛区": 6,
    "山东省济南市历城区": 5,
    "山东省烟台市芝罘区": 2,
    "河北省雄安新区": 2,
    "四川省成都市高新区": 2,
    "新疆维吾尔自治区乌鲁木齐市": 1,
}

_LOST_YOUNG = {"1": 40, "3": 20, "4": 10, "6": 15, "5": 5, "2": 3, "7": 7}
_LOST_OLDER = {"1": 45, "2": 10, "4": 10, "6": 20, "5": 5, "7": 10}
assert {c for c, _ in LostReason.choices} >= set(_LOST_YOUNG) | set(_LOST_OLDER)

# Non-member stages (申请入党人 : 入党积极分子 : 发展对象).
NON_MEMBER_STAGES = {Stage.APPLICANT.value: 45, Stage.ACTIVIST.value: 38, Stage.CANDIDATE.value: 17}

# --- names ------------------------------------------------------------------------------------------------

# Given-name characters by sex and generation (born before 1970, 1970–1989, from 1990).
_GIVEN = {
    (Sex.MALE.value, 0): "建国建华建军国庆国强志强志刚德胜德明文斌永刚永胜福生长林树林振华卫东红军保国玉林学文海涛",
    (Sex.MALE.value, 1): "伟强磊军勇涛明超刚杰斌鹏飞波辉东亮峰海宁浩剑锋俊凯斌晓东立新建平金龙",
    (Sex.MALE.value, 2): "浩然子轩宇航俊杰梓豪一鸣博文天宇思远嘉豪昊天泽宇子涵晨阳皓轩明哲",
    (Sex.FEMALE.value, 0): "秀英桂英秀兰桂兰淑珍玉兰凤英桂芳秀珍玉梅素芬金凤翠花美玲淑英春花",
    (Sex.FEMALE.value, 1): "芳娜敏静丽艳娟霞平红燕玲丹萍莉婷慧洁雪梅海燕小红丽娟春梅晓燕",
    (Sex.FEMALE.value, 2): "欣怡梓涵雨桐诗涵子萱思琪佳怡梦瑶一诺可馨雨婷佳琪心怡紫涵晓彤",
}
_GIVEN_CHARS = {key: tuple(text) for key, text in _GIVEN.items()}


# --- job titles (职务/岗位说明) ----------------------------------------------------------------------------

_TITLES: dict[tuple[str, str], tuple[str, ...]] = {
    (F, "rural"): ("村民", "村民", "种植户", "养殖户", "果农", "菜农", "农民", "家庭农场主", "合作社社员"),
    (F, ""): ("农民", "种植户", "养殖户"),
    (W, ""): ("操作工", "电工", "焊工", "司机", "保安", "厨师", "维修工", "装配工", "质检员", "仓管员"),
    (W, "government"): ("工勤人员", "驾驶员", "后勤服务人员"),
    (W, "school"): ("后勤人员", "校医", "门卫"),
    (W, "rural"): ("务工", "建筑工人", "电工", "司机"),
    (P, ""): ("工程师", "技术员", "会计", "助理工程师", "设计师"),
    (P, "school"): ("教师", "教师", "教师", "班主任", "教研组长", "幼儿教师"),
    (P, "public_institution"): ("医生", "护士", "主治医师", "护士长", "药剂师", "检验师", "公共卫生医师"),
    (P, "government"): ("技术员", "会计", "档案员", "统计员"),
    (P, "rural"): ("乡村医生", "乡村教师", "农技员", "兽医"),
    (P, "community"): ("社区工作者", "教师", "医生", "会计"),
    (M, ""): ("总经理", "部门经理", "办公室主任", "财务主管", "人事主管", "车间主任", "项目经理", "会计"),
    (M, "rural"): ("合作社理事长", "家庭农场主", "个体工商户", "村会计"),
    (M, "school"): ("校长", "副校长", "教导主任", "办公室主任"),
    (M, "public_institution"): ("院长", "副院长", "科室主任", "办公室主任"),
    (O, ""): ("科员", "一级科员", "四级主任科员", "科长", "副科长", "副局长", "办事员", "二级主任科员"),
    (O, "rural"): ("乡镇干部", "大学生村官"),
    (S, ""): ("在读学生", "大学生", "研究生"),
    (X, ""): ("个体经营", "自由职业", "务工人员", "快递员", "网约车司机", "社区网格员", "销售员", "家政服务员"),
    (R, ""): ("退休",),
}
_SECRETARY = {
    "rural": ("村党支部书记", "村党支部书记、村委会主任", "村党支部书记、村委会主任"),
    "community": ("社区党支部书记、居委会主任", "社区党支部书记"),
    "government": ("科长", "副局长", "办公室主任"),
    "school": ("校长", "副校长"),
    "public_institution": ("院长", "副院长"),
    "state_enterprise": ("总经理", "副总经理", "党群工作部部长"),
    "private_enterprise": ("总经理", "办公室主任", "人事主管"),
    "social_org": ("会长", "秘书长"),
    "other": ("办公室主任", "部门经理"),
}
_RURAL_CADRES = ("村委会副主任", "村委会委员", "村会计", "村妇联主席", "村务监督委员会主任")


def _titles(occupation: str, sector: str) -> tuple[str, ...]:
    return _TITLES.get((occupation, sector)) or _TITLES[(occupation, "")]


# --- identity numbers and phones -------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_check(first17: str) -> str:
    """GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


_SEQ = [f"{n:03d}" for n in range(1000)]
# Province, prefecture-level and out-of-province birthplace codes. Own counties get 37PP21…, the
# prefecture-level orgs 37PP02; people born outside the province keep codes that no county here uses.
_PROVINCE_CODE = "37"
_PREFECTURES = ("13", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "14", "15", "16", "17")
_ELSEWHERE = ("410102", "410303", "130104", "320106", "340103", "220102", "210102", "230103", "120101", "110105")
ELSEWHERE_RATE = 0.06

_MOBILE_PREFIXES = (
    "139", "138", "137", "136", "135", "134", "150", "151", "152", "157", "158", "159", "182", "183", "187",
    "188", "178", "130", "131", "132", "155", "156", "185", "186", "176", "133", "153", "180", "181", "189",
    "177", "199", "191", "166", "198", "173",
)  # fmt: skip
_PHONE_SPACE = 10**8
_PHONE_STEP = 73_939_133  # coprime with 10: n ↦ (n·step + offset) mod 10⁸ is a bijection


def _add_years(d: date, years: int) -> date:
    """Calendar years, 29 February clamped to the 28th (rules.md §0)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


# --- org context ------------------------------------------------------------------------------------------


class _Place:
    """Where a branch is: its county (region code, name), its town or street, its village or community, and
    the villages of its town and the communities of its county for members' home addresses."""

    __slots__ = ("communities", "community", "county", "region", "town", "village", "villages")

    def __init__(self, region: str, county: str, town: str, village: str, community: str):
        self.region = region
        self.county = county
        self.town = town
        self.village = village
        self.community = community
        self.villages: list[str] = []
        self.communities: list[tuple[str, str]] = []


def _strip(name: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


_TOWN_SUFFIXES = (("镇委员会", "镇"), ("乡委员会", "乡"), ("街道工作委员会", "街道"))


def _town_of(spec: Spec) -> str:
    """ "中共青山镇委员会" → "青山镇"; "中共桃源街道工作委员会" → "桃源街道"; otherwise ""."""
    name = spec.name.removeprefix("中共")
    for suffix, kind in _TOWN_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + kind
    return ""


def _local_unit(name: str) -> tuple[str, str]:
    """(village, community) named by an org name such as "石河村党支部" or "桃源社区党总支部委员会"."""
    base = _strip(name, "党总支部委员会", "党支部")
    if base.endswith("社区"):
        return "", base
    if base.endswith("村"):
        return base, ""
    return "", ""


def _places(tree: Tree) -> dict[str, _Place]:
    """Place context of every branch. Counties get region codes 37PP21, 37PP22, … in tree order (PP: the
    prefecture of their city); branches outside any county get their city's 37PP02."""
    by_key = {s.key: s for s in tree.specs}
    counties: dict[str, tuple[str, str]] = {}  # county spec key → (region, county name)
    cities: dict[str | None, list] = {}  # city spec key (None: no city) → [prefecture, counties so far]

    def city(key: str | None) -> list:
        if key not in cities:
            cities[key] = [_PREFECTURES[len(cities) % len(_PREFECTURES)], 0]
        return cities[key]

    places: dict[str, _Place] = {}
    for spec in tree.specs:
        if spec.kind not in MEMBER_KINDS:
            continue
        town = village = community = ""
        county_spec = city_spec = None
        node: Spec | None = spec
        while node is not None:
            town = town or _town_of(node)
            if not (village or community) and node.kind in (*MEMBER_KINDS, "general_branch"):
                village, community = _local_unit(node.name)
            if node.kind == "local_committee":
                if node.name.endswith("县委员会") and county_spec is None:
                    county_spec = node
                elif node.name.endswith("市委员会") and city_spec is None:
                    city_spec = node
            node = by_key.get(node.parent_key) if node.parent_key else None
        entry = city(city_spec.key if city_spec else None)
        if county_spec is not None:
            if county_spec.key not in counties:
                name = _strip(county_spec.name.removeprefix("中共"), "委员会")
                counties[county_spec.key] = (f"{_PROVINCE_CODE}{entry[0]}{21 + entry[1] % 79:02d}", name)
                entry[1] += 1
            region, county_name = counties[county_spec.key]
        else:
            region = f"{_PROVINCE_CODE}{entry[0]}02"
            county_name = _strip(city_spec.name.removeprefix("中共"), "委员会") if city_spec else ""
        places[spec.key] = _Place(region, county_name, town, village, community)

    # Home addresses away from the workplace: the villages of the same town, the communities of the same
    # county (or, for city-level units, of the city's counties).
    communities: dict[str, list[tuple[str, str]]] = {}
    villages: dict[tuple[str, str], list[str]] = {}
    for place in places.values():
        if place.community:
            communities.setdefault(place.region, []).append((place.town or "城关街道", place.community))
        if place.village and place.town:
            villages.setdefault((place.region, place.town), []).append(place.village)
    by_prefecture: dict[str, list[tuple[str, str]]] = {}
    for region, pool in communities.items():
        by_prefecture.setdefault(region[:4], []).extend(pool)
    fallback = [("城关街道", "城关社区"), ("城关街道", "新华社区"), ("城关街道", "人民路社区")]
    for place in places.values():
        place.communities = communities.get(place.region) or by_prefecture.get(place.region[:4]) or fallback
        place.villages = villages.get((place.region, place.town), [])
    return places


# --- per-sector tables ------------------------------------------------------------------------------------


def _cum(weights) -> list[float]:
    return list(accumulate(weights))


class _Profile:
    """Precomputed cumulative weights for one sector."""

    def __init__(self, sector: str):
        key = sector if sector in AGE_BAND_WEIGHTS else "other"
        self.sector = key
        ages, weights = [], []
        for (low, high), band_weight in zip(AGE_BANDS, AGE_BAND_WEIGHTS[key], strict=True):
            inside = [_age_in_band_weight(a) for a in range(low, high + 1)]
            total = sum(inside)
            for age, w in zip(range(low, high + 1), inside, strict=True):
                if w:
                    ages.append(age)
                    weights.append(band_weight * w / total)
        self.ages, self.age_cum = ages, _cum(weights)
        self.occupations = []
        for table in OCCUPATION_WEIGHTS[key]:
            self.occupations.append((tuple(table), _cum(table.values())))
        base = FEMALE_BASE[key]
        self.female = tuple(min(base * f, 0.8) for f in FEMALE_AGE_FACTOR)
        self.female_new = min(max(FEMALE_NEW, base * 1.3), 0.8)
        self.retired_group = RETIRED_GROUP.get(key, 2)
        self.rural = key == "rural"
        self.secretary = _SECRETARY[key]


def _ranged(spec: tuple[tuple[int, int, float], ...]) -> tuple[list[int], list[float]]:
    ages, weights = [], []
    for low, high, w in spec:
        for age in range(low, high + 1):
            ages.append(age)
            weights.append(w / (high - low + 1))
    return ages, _cum(weights)


# --- the generator ----------------------------------------------------------------------------------------


def generate_members(tree: Tree, *, seed: int, today: date, total: int | None = None) -> Iterator[dict]:
    """One dict per person in the branches of `tree`, deterministic for (`tree`, `seed`, `today`, `total`).

    Branch member counts are the `Spec.size_hint`s, or, given `total`, the hints scaled to sum to `total`
    exactly (≥3 per branch, see `branch_sizes`). Party members (stage "full"/"probationary") come first
    in each branch, then ≈3% extra people on the way in ("applicant", "activist", "candidate")."""
    rng = random.Random(seed)
    rnd = rng.random
    sizes = branch_sizes(tree, total)
    places = _places(tree)
    today_ord = today.toordinal()
    earliest_join = EARLIEST_JOIN.toordinal()
    last_full_join = today_ord - 366  # 转正 one year later, on or before today

    # Birth dates by age in full years on `today`: the latest birth date for an age and the span of days.
    age_latest: list[int] = []
    age_span: list[int] = []
    for age in range(MAX_AGE + 2):
        latest = _add_years(today, -age).toordinal()
        if _add_years(date.fromordinal(latest + 1), age) <= today:  # born 29 February, today 28 February
            latest += 1
        age_latest.append(latest)
    for age in range(MAX_AGE + 1):
        age_span.append(age_latest[age] - age_latest[age + 1])

    birth_cache: dict[int, tuple[date, str, int]] = {}  # ordinal → (date, "YYYYMMDD", 18th birthday ordinal)

    def birth_info(ordinal: int) -> tuple[date, str, int]:
        info = birth_cache.get(ordinal)
        if info is None:
            born = date.fromordinal(ordinal)
            info = birth_cache[ordinal] = (born, f"{born:%Y%m%d}", _add_years(born, 18).toordinal())
        return info

    last_branch_of_region: dict[str, str] = {}
    for key, place in places.items():
        if key in sizes:
            last_branch_of_region[place.region] = key
    used_by_region: dict[str, set[int]] = {}
    used_elsewhere: set[tuple[str, int]] = set()

    profiles: dict[str, _Profile] = {}
    prob_ages, prob_cum = _ranged(PROBATIONARY_AGE_WEIGHTS)
    non_ages, non_cum = _ranged(NON_MEMBER_AGE_WEIGHTS)
    non_stages, non_stage_cum = tuple(NON_MEMBER_STAGES), _cum(NON_MEMBER_STAGES.values())
    minorities, minority_cum = tuple(MINORITY_WEIGHTS), _cum(MINORITY_WEIGHTS.values())
    destinations, destination_cum = tuple(MOBILE_DESTINATIONS), _cum(MOBILE_DESTINATIONS.values())
    lost_young, lost_young_cum = tuple(_LOST_YOUNG), _cum(_LOST_YOUNG.values())
    lost_older, lost_older_cum = tuple(_LOST_OLDER), _cum(_LOST_OLDER.values())
    edu_cum = {(occ, cls): _cum(table[cls]) for occ, table in EDUCATION_WEIGHTS.items() for cls in range(4)}
    retired_cum = [[_cum(row) for row in group] for group in RETIRED_EDUCATION]
    surnames = SURNAMES
    given = _GIVEN_CHARS
    title_cache: dict[tuple[str, str], tuple[str, ...]] = {}
    male, female = Sex.MALE.value, Sex.FEMALE.value
    full, probationary = Stage.FULL.value, Stage.PROBATIONARY.value
    normal, suspended = MemberStatus.NORMAL.value, MemberStatus.SUSPENDED.value
    abroad = LostReason.ABROAD.value
    phone_offset = rng.randrange(_PHONE_SPACE)
    prefixes = _MOBILE_PREFIXES
    row_number = 0

    def pick(population, cum):
        return population[bisect(cum, rnd() * cum[-1])]

    for spec in tree.specs:
        members = sizes.get(spec.key)
        if members is None:
            continue
        profile = profiles.get(spec.sector)
        if profile is None:
            profile = profiles[spec.sector] = _Profile(spec.sector)
        place = places[spec.key]
        region = place.region
        used = used_by_region.setdefault(region, set())
        extra = int(members * NON_MEMBER_RATE + rnd())
        for index in range(members + extra):
            # Stage and age.
            if index >= members:
                stage = pick(non_stages, non_stage_cum)
                age = pick(non_ages, non_cum)
            elif rnd() < PROBATIONARY_RATE:
                stage = probationary
                age = pick(prob_ages, prob_cum)
            else:
                stage = full
                age = pick(profile.ages, profile.age_cum)
            is_new = stage != full
            birth_ord = age_latest[age] - int(rnd() * age_span[age])
            born, ymd, adult_ord = birth_info(birth_ord)
            cls = 0 if age <= 30 else 1 if age <= 54 else 2 if age <= 60 else 3  # age class

            occupations, occ_cum = profile.occupations[cls]
            occupation = pick(occupations, occ_cum)
            if occupation == R:
                cum = retired_cum[profile.retired_group][age >= VERY_OLD]
            else:
                cum = edu_cum[(occupation, cls)]
            education = EDUCATIONS[bisect(cum, rnd() * cum[-1])]

            sex = female if rnd() < (profile.female_new if is_new else profile.female[cls]) else male
            if rnd() < (NEW_MINORITY_RATE if is_new else MINORITY_RATE):
                ethnicity = pick(minorities, minority_cum)
            else:
                ethnicity = "汉族"
            chars = given[(sex, 0 if born.year < 1970 else 1 if born.year < 1990 else 2)]
            name = surnames[int(rnd() * len(surnames))] + chars[int(rnd() * len(chars))]
            if rnd() < 0.6:
                name += chars[int(rnd() * len(chars))]

            # 公民身份号码: own county mostly, unique within the run.
            if rnd() < ELSEWHERE_RATE:
                id_region = _ELSEWHERE[int(rnd() * len(_ELSEWHERE))]
                seen, seen_key = used_elsewhere, id_region
            else:
                id_region, seen, seen_key = region, used, None
            while True:
                seq = 2 * int(rnd() * 500) + 1 if sex == male else 2 * int(rnd() * 499) + 2
                key = birth_ord * 1000 + seq
                if seen_key is not None:
                    key = (seen_key, key)
                if key not in seen:
                    seen.add(key)
                    break
            first17 = id_region + ymd + _SEQ[seq]
            id_number = first17 + _id_check(first17)

            # 入党 and 转正.
            joined_on = full_on = None
            if stage == full:
                # The oldest joined young (the war years and the early 1950s).
                limit = min(age - 1, MAX_JOIN_AGE if age < OLDEST else OLDEST_MAX_JOIN_AGE) - 18
                join_age = 18 + bisect(JOIN_AGE_CUM, rnd() * JOIN_AGE_CUM[limit])
                join_ord = birth_ord + int(join_age * 365.2425) + int(rnd() * 365)
                join_ord = max(join_ord, adult_ord, earliest_join)
                join_ord = min(join_ord, last_full_join)
                joined_on = date.fromordinal(join_ord)
                full_on = _add_years(joined_on, 1)
            elif stage == probationary:
                join_ord = today_ord - int(rnd() * 365)
                joined_on = date.fromordinal(join_ord)

            # 党籍状态, 失联, 流动 (full members only).
            status, lost, lost_on, lost_reason = normal, False, None, ""
            mobile, destination, mobile_since = False, "", None
            if stage == full:
                r = rnd()
                if r < SUSPENDED_LOST_RATE:
                    status, lost = suspended, True
                    lost_ord = today_ord - 213 - int(rnd() * 690)  # 7 to 30 months ago
                elif r < SUSPENDED_LOST_RATE + SUSPENDED_ABROAD_RATE:
                    status = suspended
                elif r < SUSPENDED_LOST_RATE + SUSPENDED_ABROAD_RATE + LOST_RATE:
                    lost = True
                    lost_ord = today_ord - 15 - int(rnd() * 225)
                if lost:
                    lost_on = date.fromordinal(max(lost_ord, join_ord + 30))
                    lost_reason = pick(lost_young, lost_young_cum) if age <= 35 else pick(lost_older, lost_older_cum)
                    if lost_reason == abroad and status != suspended:
                        lost_reason = pick(lost_older, lost_older_cum)
                elif status == normal:
                    if occupation == R:
                        rate = MOBILE_RATE["retired"]
                    elif profile.rural:
                        rate = MOBILE_RATE["rural_working" if age <= 55 else "rural_other"]
                    else:
                        rate = MOBILE_RATE["working"]
                    if rnd() < rate:
                        mobile = True
                        destination = pick(destinations, destination_cum)
                        since_low = max(join_ord, today_ord - 3650, adult_ord)
                        since_high = today_ord - 183
                        mobile_since = date.fromordinal(since_low + int(rnd() * (since_high - since_low + 1)))

            # 职务/岗位说明.
            if index == 0 and stage == full and 28 <= age <= 62 and occupation not in (R, S):
                job_title = profile.secretary[int(rnd() * len(profile.secretary))]
            elif profile.rural and 1 <= index <= 3 and stage == full and occupation == F and age <= 65:
                job_title = _RURAL_CADRES[int(rnd() * len(_RURAL_CADRES))]
            else:
                titles = title_cache.get((occupation, profile.sector))
                if titles is None:
                    titles = title_cache[(occupation, profile.sector)] = _titles(occupation, profile.sector)
                job_title = titles[int(rnd() * len(titles))]

            # 家庭住址.
            address = _address(place, profile, occupation, rnd)

            suffix = (row_number * _PHONE_STEP + phone_offset) % _PHONE_SPACE
            phone = f"{prefixes[int(rnd() * len(prefixes))]}{suffix:08d}"
            row_number += 1

            yield {
                "org_key": spec.key,
                "name": name,
                "sex": sex,
                "ethnicity": ethnicity,
                "birth_date": born,
                "id_number": id_number,
                "education": education,
                "occupation": occupation,
                "stage": stage,
                "joined_on": joined_on,
                "full_on": full_on,
                "phone": phone,
                "address": address,
                "job_title": job_title,
                "status": status,
                "is_lost_contact": lost,
                "lost_contact_on": lost_on,
                "lost_reason": lost_reason,
                "is_mobile": mobile,
                "mobile_destination": destination,
                "mobile_since": mobile_since,
            }
        if last_branch_of_region[region] == spec.key:
            del used_by_region[region]  # no later branch uses this county's code: free its memory


def _address(place: _Place, profile: _Profile, occupation: str, rnd) -> str:
    """家庭住址: "XX县XX镇XX村X组N号" in villages, "XX县XX街道XX社区N号楼N单元N室" in towns."""
    if place.town and (
        (profile.rural and place.village) or (occupation == F and place.villages and not place.community)
    ):
        village = place.village or place.villages[int(rnd() * len(place.villages))]
        return f"{place.county}{place.town}{village}{1 + int(rnd() * 12)}组{1 + int(rnd() * 80)}号"
    if place.community and place.town:
        town, community = place.town, place.community
    else:
        town, community = place.communities[int(rnd() * len(place.communities))]
    building, unit = 1 + int(rnd() * 28), 1 + int(rnd() * 4)
    room = (1 + int(rnd() * 18)) * 100 + 1 + int(rnd() * 4)
    return f"{place.county}{town}{community}{building}号楼{unit}单元{room}室"
