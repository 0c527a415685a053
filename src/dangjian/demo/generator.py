"""Deterministic synthetic organization trees: a county, a city, a province.

The same seed gives the same tree, names and codes every time. A county has the shape of a real
one: 34 党(工)委 (towns, townships, streets and county-level system committees), 51 党总支 and
1,296 党支部 under the county committee. A city is several counties plus city-level committees
(≈8,600 orgs); a province is a dozen cities (≈100,000 orgs). The roster issue adds members to the
same generator: the specs carry everything it needs (kind, sector, a size hint).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

COUNTY_COMMITTEES = 34
COUNTY_GENERAL_BRANCHES = 51
COUNTY_BRANCHES = 1296

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
PLACE_FIRST = (
    "青山河石桃柳杨松梅兰竹荷枫榆槐杏李枣桑双新永安长丰太平和福兴隆宝金银龙凤鹤鹿马牛白黑红黄东西南北上下前后大小高古"
)
PLACE_SECOND = "山河湖溪泉岭坡坪峪沟湾塘坝桥林园庄营堡寨店集铺岗洼滩源川洲"
VILLAGE_SUFFIX = ["村", "村", "村", "庄村", "家村", "寨村", "营村", "屯村"]
COUNTY_NAMES = ["青川", "安丰", "临溪", "平阳", "永和", "清水", "宁远", "凤台", "石门", "兴隆", "长乐", "云岭"]
CITY_NAMES = ["江城", "河阳", "云州", "安平", "临江", "东原", "北川", "南岭", "西宁", "泰和", "宝庆", "盛京"]
PROVINCE_NAME = "东岳"

COUNTY_SYSTEM_COMMITTEES = [
    ("县直机关工作委员会", "working_committee", "government"),
    ("县委教育工作委员会", "working_committee", "school"),
    ("县卫生健康局党委", "committee", "public_institution"),
    ("县国有资产监督管理局党委", "committee", "state_enterprise"),
    ("县非公有制经济组织和社会组织综合委员会", "committee", "private_enterprise"),
    ("县公安局党委", "committee", "government"),
    ("县交通运输局党委", "committee", "government"),
    ("县住房和城乡建设局党委", "committee", "government"),
    ("县农业农村局党委", "committee", "government"),
    ("县市场监督管理局党委", "committee", "government"),
    ("县城市建设投资集团有限公司党委", "committee", "state_enterprise"),
    ("县经济开发区党工委", "working_committee", "other"),
]
COUNTY_DEPARTMENTS = [
    "县委办公室",
    "县人大常委会办公室",
    "县政府办公室",
    "县政协办公室",
    "县纪委监委机关",
    "县委组织部",
    "县委宣传部",
    "县委统战部",
    "县委政法委",
    "县发展和改革局",
    "县财政局",
    "县人力资源和社会保障局",
    "县自然资源局",
    "县生态环境局",
    "县水利局",
    "县商务局",
    "县文化广电和旅游局",
    "县应急管理局",
    "县审计局",
    "县统计局",
    "县医疗保障局",
    "县司法局",
    "县民政局",
    "县退役军人事务局",
    "县林业局",
    "县乡村振兴局",
    "县信访局",
    "县档案馆",
    "县总工会",
    "团县委",
    "县妇联",
    "县科协",
    "县残联",
    "县税务局",
    "县气象局",
    "县供销社",
    "县融媒体中心",
    "县行政审批服务局",
    "县人民法院",
    "县人民检察院",
]
INDUSTRIES = [
    "机械制造",
    "建材",
    "食品",
    "纺织",
    "电子科技",
    "农业发展",
    "物流",
    "新能源",
    "包装",
    "生物科技",
    "建筑工程",
    "商贸",
]
HOSPITALS = ["人民医院", "中医医院", "妇幼保健院", "疾病预防控制中心", "第二人民医院"]
SOCIAL_ORGS = [
    "个体劳动者协会",
    "物流行业协会",
    "律师协会",
    "餐饮行业协会",
    "家政服务协会",
    "快递行业协会",
    "民办教育协会",
    "社会工作服务中心",
    "志愿服务联合会",
    "老年人协会",
    "建筑业协会",
    "电子商务协会",
]


@dataclass
class Spec:
    key: str
    parent_key: str | None
    name: str
    kind: str
    sector: str
    code: str
    established_on: date
    short_name: str = ""
    unit_name: str = ""
    unit_category: str = ""
    sort_order: int = 0
    size_hint: int = 0  # expected members, for the roster generator

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "parent_key": self.parent_key,
            "name": self.name,
            "kind": self.kind,
            "sector": self.sector,
            "code": self.code,
            "established_on": self.established_on,
            "short_name": self.short_name,
            "unit_name": self.unit_name,
            "unit_category": self.unit_category,
            "sort_order": self.sort_order,
        }


@dataclass
class Tree:
    specs: list[Spec] = field(default_factory=list)
    _codes: int = 0

    def add(self, parent: Spec | None, name: str, kind: str, sector: str, rng: random.Random, **extra) -> Spec:
        self._codes += 1
        key = f"n{self._codes}"
        established = date(rng.randint(1950, 2018), rng.randint(1, 12), rng.randint(1, 28))
        if parent is not None and established < parent.established_on:
            established = parent.established_on
        spec = Spec(
            key=key,
            parent_key=parent.key if parent else None,
            name=name,
            kind=kind,
            sector=sector,
            code=f"{extra.pop('code_prefix', 'DJ')}{self._codes:09d}",
            established_on=established,
            sort_order=self._codes,
            **extra,
        )
        self.specs.append(spec)
        return spec


class Names:
    """Unique, plausible names drawn from a seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def place(self) -> str:
        for _ in range(1000):
            name = self.rng.choice(PLACE_FIRST) + self.rng.choice(PLACE_SECOND)
            if name not in self.used:
                self.used.add(name)
                return name
        # The two-character space is large but finite: fall back to three characters.
        name = self.rng.choice(PLACE_FIRST) + self.rng.choice(PLACE_FIRST) + self.rng.choice(PLACE_SECOND)
        self.used.add(name)
        return name

    def village(self) -> str:
        for _ in range(1000):
            suffix = self.rng.choice(VILLAGE_SUFFIX)
            base = self.rng.choice(SURNAMES) if suffix in ("庄村", "家村", "寨村", "营村", "屯村") else self.place()
            name = base + suffix
            if name not in self.used:
                self.used.add(name)
                return name
        return self.place() + "村"


def _distribute(total: int, weights: list[int]) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def build_county(
    tree: Tree, parent: Spec | None, county: str, rng: random.Random, *, root_kind: str = "local_committee"
) -> Spec:
    """One county: 34 committees, 51 general branches and 1,296 branches under the county committee."""
    names = Names(rng)
    root = tree.add(parent, f"中共{county}县委员会", root_kind, "government", rng, short_name=f"{county}县委")
    committees: list[Spec] = []
    # 22 towns, townships and streets + 12 county-level system committees = 34.
    for i in range(22):
        place = names.place()
        if i < 14:
            committees.append(
                tree.add(root, f"中共{place}镇委员会", "committee", "rural", rng, short_name=f"{place}镇党委")
            )
        elif i < 18:
            committees.append(
                tree.add(root, f"中共{place}乡委员会", "committee", "rural", rng, short_name=f"{place}乡党委")
            )
        else:
            committees.append(
                tree.add(
                    root,
                    f"中共{place}街道工作委员会",
                    "working_committee",
                    "community",
                    rng,
                    short_name=f"{place}街道党工委",
                )
            )
    for name, kind, sector in COUNTY_SYSTEM_COMMITTEES:
        committees.append(tree.add(root, f"中共{county}{name}", kind, sector, rng, short_name=name))
    assert len(committees) == COUNTY_COMMITTEES

    # General branches: large villages and communities, schools, hospitals, organs.
    gb_weights = [2] * 18 + [2] * 4 + [4, 5, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1]
    general_branches: list[Spec] = []
    for committee, n in zip(committees, _distribute(COUNTY_GENERAL_BRANCHES, gb_weights), strict=True):
        for j in range(n):
            if committee.sector == "rural":
                label, sector = names.village() + "党总支部委员会", "rural"
            elif committee.sector == "community":
                label, sector = names.place() + "社区党总支部委员会", "community"
            elif committee.sector == "school":
                label, sector = f"{county}县第{_cn(j + 1)}中学党总支部委员会", "school"
            elif committee.sector == "public_institution":
                label, sector = (
                    f"{county}县{HOSPITALS[j % len(HOSPITALS)]}党总支部委员会",
                    "public_institution",
                )
            else:
                label, sector = (
                    f"{committee.short_name.removesuffix('党委').removesuffix('党工委')}第{_cn(j + 1)}党总支部委员会",
                    committee.sector,
                )
            general_branches.append(tree.add(committee, label, "general_branch", sector, rng, size_hint=60))

    # Branches: 3–5 under each general branch, the rest under the committees by weight.
    branch_total = COUNTY_BRANCHES
    under_gb = [3 + (i % 3) for i in range(len(general_branches))]
    remaining = branch_total - sum(under_gb)
    committee_weights = [24] * 14 + [20] * 4 + [14] * 4 + [60, 40, 14, 16, 40, 8, 6, 6, 10, 6, 8, 10]
    per_committee = _distribute(remaining, committee_weights)
    for gb, n in zip(general_branches, under_gb, strict=True):
        for j in range(n):
            tree.add(gb, f"第{_cn(j + 1)}党支部", "branch", gb.sector, rng, size_hint=rng.randint(12, 30))
    for committee, n in zip(committees, per_committee, strict=True):
        for j in range(n):
            name, kind, sector, hint = _branch_name(committee, j, county, names, rng)
            tree.add(committee, name, kind, sector, rng, size_hint=hint)
    return root


def _branch_name(committee: Spec, j: int, county: str, names: Names, rng: random.Random) -> tuple[str, str, str, int]:
    s = committee.sector
    if s == "rural":
        if j % 9 == 8:
            return f"{names.place()}社区党支部", "branch", "community", rng.randint(15, 40)
        if j % 13 == 12:
            return (
                f"{names.place()}{rng.choice(INDUSTRIES)}有限公司党支部",
                "branch",
                "private_enterprise",
                rng.randint(3, 9),
            )
        if j == 16:
            return f"{committee.short_name.removesuffix('党委')}机关党支部", "branch", "government", rng.randint(15, 35)
        return (
            f"{names.village()}党支部",
            "branch",
            "rural",
            rng.choice([rng.randint(8, 20), rng.randint(20, 45), rng.randint(3, 6)]),
        )
    if s == "community":
        return f"{names.place()}社区党支部", "branch", "community", rng.randint(15, 60)
    if s == "government":
        dept = COUNTY_DEPARTMENTS[j % len(COUNTY_DEPARTMENTS)]
        suffix = "机关党支部" if j < len(COUNTY_DEPARTMENTS) else f"第{_cn(j // len(COUNTY_DEPARTMENTS) + 1)}党支部"
        base = (
            f"{county}{dept}"
            if committee.short_name.startswith("县直")
            else f"{committee.short_name.removesuffix('党委')}{names.place()}"
        )
        return base + suffix, "branch", "government", rng.randint(8, 35)
    if s == "school":
        kinds = ["中心小学", "初级中学", "小学", "幼儿园", "职业中学"]
        return f"{county}县{names.place()}{kinds[j % len(kinds)]}党支部", "branch", "school", rng.randint(5, 30)
    if s == "public_institution":
        kinds = ["镇卫生院", "社区卫生服务中心", "乡卫生院"]
        return f"{names.place()}{kinds[j % len(kinds)]}党支部", "branch", "public_institution", rng.randint(4, 20)
    if s == "state_enterprise":
        return (
            f"{county}县{names.place()}{rng.choice(INDUSTRIES)}有限公司党支部",
            "branch",
            "state_enterprise",
            rng.randint(6, 40),
        )
    if s == "private_enterprise":
        if j % 5 == 4:
            return (
                f"{names.place()}{SOCIAL_ORGS[j % len(SOCIAL_ORGS)]}党支部",
                "branch",
                "social_org",
                rng.randint(3, 8),
            )
        if j % 7 == 6:
            return f"{names.place()}片区非公企业联合党支部", "joint_branch", "private_enterprise", rng.randint(4, 12)
        return (
            f"{names.place()}{rng.choice(INDUSTRIES)}有限公司党支部",
            "branch",
            "private_enterprise",
            rng.randint(3, 25),
        )
    return f"{names.place()}{rng.choice(INDUSTRIES)}有限公司党支部", "branch", "private_enterprise", rng.randint(3, 20)


_CN_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def build(size: str = "county", seed: int = 20260511) -> Tree:
    """The whole synthetic tree for `size` (county, city or province)."""
    rng = random.Random(seed)
    tree = Tree()
    if size == "county":
        build_county(tree, None, COUNTY_NAMES[0], rng)
    elif size == "city":
        build_city(tree, None, CITY_NAMES[0], rng, counties=6)
    elif size == "province":
        province = tree.add(
            None,
            f"中共{PROVINCE_NAME}省委员会",
            "local_committee",
            "government",
            rng,
            short_name=f"{PROVINCE_NAME}省委",
        )
        for i in range(12):
            build_city(tree, province, CITY_NAMES[i], rng, counties=6)
    else:
        raise ValueError(f"unknown demo size {size!r}")
    return tree


def build_city(tree: Tree, parent: Spec | None, city: str, rng: random.Random, *, counties: int) -> Spec:
    root = tree.add(parent, f"中共{city}市委员会", "local_committee", "government", rng, short_name=f"{city}市委")
    names = Names(rng)
    for i in range(counties):
        build_county(tree, root, f"{city[0]}{COUNTY_NAMES[i][1]}" if i else COUNTY_NAMES[i % len(COUNTY_NAMES)], rng)
    # City-level system committees with their branches (≈ 340 orgs).
    for name, kind, sector in COUNTY_SYSTEM_COMMITTEES[:8]:
        committee = tree.add(root, f"中共{city}{name.replace('县', '市')}", kind, sector, rng)
        for j in range(40):
            tree.add(
                committee,
                f"{city}市{names.place()}{['机关', '中心', '分局', '所'][j % 4]}党支部",
                "branch",
                sector,
                rng,
                size_hint=rng.randint(8, 30),
            )
    return root
