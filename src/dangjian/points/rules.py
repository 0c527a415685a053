"""Member point-scoring (党员积分制) rules of rules.md §6 as pure functions and shipped templates.

All of §6's scoring is local practice (status P): nothing here is national law, every figure is a default
that a jurisdiction edits in its own catalogue. The four published patterns are the templates below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
STEP = Decimal("0.01")

# Sources an item may be fed by. "manual" and "volunteer" are entered with evidence and approved by the
# branch; the others are accrued from records of other modules (orglife, dues, training via the hook).
SOURCES = ("attendance", "absence", "dues_on_time", "dues_late", "volunteer", "training", "manual")
AUTOMATIC = ("attendance", "absence", "dues_on_time", "dues_late", "training")
EXCLUSION_REASONS = ("elderly", "bedridden", "mobile")
ELDERLY_AGE = 70  # §6 exclusions (P): elderly members, by branch decision
DEFAULT_STAR_BANDS = ((Decimal("90"), 5), (Decimal("80"), 4), (Decimal("70"), 3), (Decimal("60"), 2), (ZERO, 1))


def capped(total: Decimal, cap: Decimal | None) -> Decimal:
    """§6 "capped per year": the sum of one item in a period, limited to ±cap (None: no cap)."""
    if cap is None:
        return total
    cap = abs(cap)
    return max(-cap, min(cap, total))


def score(
    base: Decimal,
    item_totals: Iterable[tuple[Decimal, Decimal | None]],
    *,
    vetoed: bool = False,
    floor: Decimal | None = ZERO,
    ceiling: Decimal | None = None,
) -> Decimal:
    """§6 patterns (a)–(d): base score plus each item's capped total, kept within floor/ceiling; a veto item
    (纪委 notice, mass incident, crime, serious breach of public morality, cult) makes the score 0."""
    if vetoed:
        return ZERO.quantize(STEP)
    total = Decimal(base) + sum((capped(Decimal(t), c) for t, c in item_totals), ZERO)
    if floor is not None:
        total = max(Decimal(floor), total)
    if ceiling is not None:
        total = min(Decimal(ceiling), total)
    return total.quantize(STEP, rounding=ROUND_HALF_UP)


def star_for(value: Decimal, bands: Iterable[tuple[Decimal, int]] = DEFAULT_STAR_BANDS) -> int:
    """Star band (党员星级) of a score: the stars of the highest band whose lower bound the score reaches;
    0 when below every band. Bands are configurable per rule set."""
    best = 0
    for lower, stars in sorted(((Decimal(lo), int(s)) for lo, s in bands), key=lambda b: b[0]):
        if Decimal(value) >= lower:
            best = stars
    return best


def bands_problem(bands: Iterable) -> str | None:
    """What is wrong with a star-band table ([[lower, stars], …]), or None."""
    try:
        rows = [(Decimal(str(lo)), int(s)) for lo, s in bands]
    except (TypeError, ValueError, ArithmeticError):
        return "星级区间格式不正确，应为“下限分数:星级”的列表"
    if not rows:
        return "至少设置一个星级区间"
    lowers = [lo for lo, _ in rows]
    if len(set(lowers)) != len(lowers):
        return "星级区间的下限分数不能重复"
    if any(s < 0 or s > 5 for _, s in rows):
        return "星级应在0至5之间"
    return None


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def exclusion_problem(reason: str, birth: date | None, year: int, elderly_age: int = ELDERLY_AGE) -> str | None:
    """§6 exclusions (P): elderly (≥70 during the year), bedridden or long-term mobile members may be left
    out of scoring by branch decision. Returns what is wrong, or None."""
    if reason not in EXCLUSION_REASONS:
        return f"未知的免于积分情形：{reason}"
    if reason == "elderly" and (birth is None or age_on(birth, date(year, 12, 31)) < elderly_age):
        return f"年满{elderly_age}周岁的老党员方可因年老免于积分"
    return None


def period_of(day: date, yearly_reset: bool) -> str:
    """The scoring period a dated entry falls in: its year (yearly reset, pattern (a)) or "all"."""
    return str(day.year) if yearly_reset else "all"


def pick_item(items: Iterable[Mapping], source: str, meeting_kind: str = "") -> Mapping | None:
    """The catalogue item an automatic event counts under: for meetings the item of that meeting kind, else
    the item of the source with no kind (any meeting). None when the catalogue has no such item."""
    fallback = None
    for item in items:
        if item["source"] != source:
            continue
        kind = item.get("meeting_kind") or ""
        if kind and kind == meeting_kind:
            return item
        if not kind and fallback is None:
            fallback = item
    return fallback


# --- shipped templates: rules.md §6 published patterns (all P; copied into a jurisdiction's catalogue) ----

_COMMON_ITEMS = [
    # code, label, source, meeting_kind, points, cap per year, veto
    ("attend_meeting", "参加“三会一课”等组织生活", "attendance", "", "1", "20", False),
    ("attend_theme_day", "参加主题党日", "attendance", "theme_day", "1", "12", False),
    ("attend_life_meeting", "参加组织生活会、民主评议", "attendance", "life_meeting", "2", "4", False),
    ("absent", "无故缺席组织生活", "absence", "", "-2", None, False),
    ("dues_on_time", "按时交纳党费", "dues_on_time", "", "0.5", "6", False),
    ("dues_late", "未按时交纳党费（每月）", "dues_late", "", "-2", None, False),
    ("volunteer", "参加志愿服务", "volunteer", "", "2", "10", False),
    ("training_hour", "参加集中学习培训（每学时）", "training", "", "0.25", "8", False),
    ("commendation", "受到表彰奖励", "manual", "", "5", "10", False),
    ("commitment_kept", "公开承诺并践诺", "manual", "", "2", "4", False),
    ("commitment_broken", "未作承诺或承诺未兑现", "manual", "", "-3", None, False),
    ("pioneer_duty", "党员示范岗、责任区履职", "manual", "", "2", "8", False),
    ("refused_work", "拒不完成组织分配的任务", "manual", "", "-10", None, False),
    ("veto_discipline", "受到纪律处分或纪委通报", "manual", "", "0", None, True),
    ("veto_mass_incident", "参与群体性事件", "manual", "", "0", None, True),
    ("veto_crime", "违法犯罪", "manual", "", "0", None, True),
    ("veto_morality", "严重违反社会公德", "manual", "", "0", None, True),
    ("veto_cult", "参与邪教活动", "manual", "", "0", None, True),
]

TEMPLATES: dict[str, dict] = {
    "base60": {
        "name": "基础分60分、加减分、最低0分、每年清零（模式a）",
        "base": "60", "floor": "0", "ceiling": None, "yearly_reset": True, "extra": [],
    },
    "base70": {
        "name": "基础分70分（机关，模式b）",
        "base": "70", "floor": "0", "ceiling": None, "yearly_reset": True, "extra": [],
    },
    "daily80_appraisal20": {
        "name": "百分制：日常行为80分＋民主评议20分（模式c）",
        "base": "80", "floor": "0", "ceiling": "100", "yearly_reset": True,
        "extra": [("appraisal", "民主评议得分（按评议分的20%计）", "manual", "", "0.2", "20", False)],
    },
    "base70_appraisal20_contribution10": {
        "name": "百分制：基础70＋评议20＋贡献10（模式d）",
        "base": "70", "floor": "0", "ceiling": "100", "yearly_reset": True,
        "extra": [
            ("appraisal", "民主评议得分（按评议分的20%计）", "manual", "", "0.2", "20", False),
            ("contribution", "突出贡献", "manual", "", "5", "10", False),
        ],
    },
}  # fmt: skip


def template_items(code: str) -> list[dict]:
    """The items of a shipped template as plain dicts (KeyError for an unknown template)."""
    spec = TEMPLATES[code]
    rows = [*_COMMON_ITEMS, *spec["extra"]]
    return [
        {
            "code": c, "label": label, "source": source, "meeting_kind": kind, "points": Decimal(points),
            "cap": Decimal(cap) if cap is not None else None, "is_veto": veto, "order": i,
        }
        for i, (c, label, source, kind, points, cap, veto) in enumerate(rows)
    ]  # fmt: skip
