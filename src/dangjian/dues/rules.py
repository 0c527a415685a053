"""Dues (党费) rules of rules.md §5 as pure functions on plain values.

`monthly_dues` is part of the conformance interface: its name, signature and behaviour are fixed by
rules.md ("Conformance interface"). Money is Decimal throughout, rounded to 0.01 yuan half up.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from dangjian.core.dates import add_months
from dangjian.members.rules import LAPSE_REMIND_MONTHS, lapse_warning_level

CENT = Decimal("0.01")

# DUES-03 (salaried; DUES-04 annual salary and DUES-05 self-employed use the same bands): upper bound
# of each band (inclusive: "3000元以下（含3000元）") and its rate on the whole base.
SALARIED_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("3000"), Decimal("0.005")),
    (Decimal("5000"), Decimal("0.01")),
    (Decimal("10000"), Decimal("0.015")),
    (None, Decimal("0.02")),
)
# DUES-06 (retired): ≤5000 → 0.5 %, above → 1 %.
RETIRED_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("5000"), Decimal("0.005")),
    (None, Decimal("0.01")),
)
FLAT_MINIMUM = Decimal("0.20")  # DUES-08: students, unemployed, relief
FARMER_MIN, FARMER_MAX = Decimal("0.20"), Decimal("1.00")  # DUES-07: 0.2–1 yuan a month
FARMER_DEFAULT = FARMER_MIN

BANDED = {"salaried": SALARIED_BANDS, "annual_salary": SALARIED_BANDS, "self_employed": SALARIED_BANDS,
          "retired": RETIRED_BANDS}  # fmt: skip
FLAT = {"student", "unemployed", "relief"}
CATEGORIES = frozenset({*BANDED, *FLAT, "farmer"})


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"计算基数 {value!r} 不是有效的金额") from exc


def rate_for(base: Decimal, bands) -> Decimal:
    """The rate of the band `base` falls in; every band includes its upper bound (rules.md §0)."""
    for upper, rate in bands:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("the last band is open")  # pragma: no cover


def monthly_dues(base: Decimal, category: str, *, farmer_amount: Decimal = FARMER_DEFAULT) -> Decimal:
    """DUES-03, 04, 05, 06, 07, 08: one member's monthly dues, rounded to 0.01 yuan half up.

    Salaried, annual-salary and self-employed members pay the DUES-03 rate of their band on the
    whole base; retired members the DUES-06 rate; students, the unemployed and relief recipients a
    flat 0.20 yuan; farmers a flat amount, 0.20 by default and configurable within 0.20–1.00.
    A negative base, an unknown category or a farmer amount outside its range raises ValueError.
    """
    amount = _decimal(base)
    if amount.is_nan() or amount < 0:
        raise ValueError(f"计算基数不能为负数：{base}")
    if category not in CATEGORIES:
        raise ValueError(f"未知的党费类别：{category!r}")
    if category in BANDED:
        return (amount * rate_for(amount, BANDED[category])).quantize(CENT, rounding=ROUND_HALF_UP)
    if category in FLAT:
        return FLAT_MINIMUM
    farmer = _decimal(farmer_amount)
    if not FARMER_MIN <= farmer <= FARMER_MAX:
        raise ValueError(f"农民党员党费应在0.20至1.00元之间：{farmer_amount}")
    return farmer.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Months, billing, arrears (DUES-11, 13, 14, 15, 16; MEM-01) -------------------------------------------

PROBATIONARY, FULL = "probationary", "full"  # members.choices.Stage values: the stages that pay dues
ARREARS_REMIND_MONTHS = LAPSE_REMIND_MONTHS  # DUES-16 / MEM-12 (P): the first reminder
ARREARS_MONTHS_ALLOWED = 6  # DUES-15: arrears are normally paid within 6 months
arrears_months_allowed = ARREARS_MONTHS_ALLOWED  # the name the dues brief uses
REMIT_UPWARD_THRESHOLD = Decimal("1000")  # DUES-14
RATE_STEP = Decimal("0.1")
ABSURD_BASE = Decimal("1000000")  # a monthly base above this is asked to be confirmed (likely a typing slip)


def month_start(d: date) -> date:
    """The first day of `d`'s month: bills, profiles and payments are kept per calendar month."""
    return d.replace(day=1)


def month_shift(month: date, months: int) -> date:
    """The first day of the month `months` calendar months after (or before) `month`."""
    return add_months(month_start(month), months)


def bill_months(joined_on: date | None, stage: str, month: date) -> bool:
    """DUES-11: whether a member owes dues for `month`.

    Probationary and full members pay from the month the 支部大会 accepted them as 预备党员 (`joined_on`,
    MEM-09), that month included; applicants, activists and candidates pay nothing. A full member whose
    acceptance date is not on record (old data) is billed; a probationary member without one is not,
    since the month billing starts cannot be known.
    """
    if stage not in (PROBATIONARY, FULL):
        return False
    if joined_on is None:
        return stage == FULL
    return month_start(joined_on) <= month_start(month)


def billing_ends(month: date) -> date:
    """DUES-11 as a bound for set-based queries: a probationary or full member accepted (`joined_on`) before
    this day, the first of the next month, owes dues for `month` (the same answer as `bill_months`)."""
    return month_shift(month, 1)


def profile_in_force(effective_froms: list[date], month: date) -> date | None:
    """DUES-13: the profile that applies to `month` is the latest one effective on or before it (a change
    applies from the month the new pay is first received; earlier months keep the old amount)."""
    candidates = [d for d in effective_froms if d <= month_start(month)]
    return max(candidates) if candidates else None


def arrears_warning(consecutive_unpaid_months: int) -> str | None:
    """DUES-16 / MEM-01 / MEM-12: consecutive months of unpaid dues → None, "remind" (≥3: criticism and a
    deadline to correct), "warn" (≥5) or "lapse" (≥6: the 支部大会 decides whether it is 自行脱党; the
    system never changes a member's status on its own)."""
    return lapse_warning_level(consecutive_unpaid_months)


def arrears_payment_allowed(months: int) -> bool:
    """DUES-15: with the branch's consent dues may be paid quarterly or in arrears, normally for no more
    than 6 months at once."""
    return 1 <= months <= ARREARS_MONTHS_ALLOWED


def remit_upward(amount: Decimal) -> bool:
    """DUES-14: a single voluntary payment of 1000 yuan or more is remitted in full to the Centre."""
    return _decimal(amount) >= REMIT_UPWARD_THRESHOLD


def collection_rate(due, paid) -> Decimal | None:
    """交纳率: `paid` as a percentage of `due` (counts or amounts), rounded half up to 0.1; None when
    nothing is due. Waived bills (DUES-10) are left out of both by the caller."""
    due_d, paid_d = _decimal(due), _decimal(paid)
    if due_d <= 0:
        return None
    return (paid_d * 100 / due_d).quantize(RATE_STEP, rounding=ROUND_HALF_UP)


# --- DUES-10 hardship, on-time payment, periods, DUES-18/19 ledger ------------------------------------------

HARDSHIP_FLOW = {  # DUES-10: application → branch decision → upper Party committee approval
    "applied": {"branch_agreed", "rejected"},
    "branch_agreed": {"approved", "rejected"},
    "approved": set(),
    "rejected": set(),
}
HARDSHIP_MAX_MONTHS = 12  # one application covers at most a year (P: renewed yearly in most counties)
PAYMENT_GRACE_DAYS = 0  # P: dues for month M count as on time when paid by the end of month M (+ grace)


def hardship_step_allowed(current: str, target: str) -> bool:
    """DUES-10: whether an application may move from `current` to `target` (no skipping the branch)."""
    return target in HARDSHIP_FLOW.get(current, set())


def hardship_amount(kind: str, billed: Decimal, reduced_to: Decimal) -> Decimal:
    """DUES-10: what a member with an approved reduction pays for one month: nothing when exempt, otherwise
    the approved amount (never more than billed). Raises ValueError for a negative amount or unknown kind."""
    reduced = _decimal(reduced_to)
    if kind == "exempt":
        return Decimal("0.00")
    if kind != "reduce":
        raise ValueError(f"未知的减免方式：{kind!r}")
    if reduced < 0:
        raise ValueError(f"减免后金额不能为负数：{reduced_to}")
    return min(reduced, _decimal(billed)).quantize(CENT, rounding=ROUND_HALF_UP)


def hardship_months_valid(first: date, last: date) -> bool:
    """DUES-10 (P): a run of 1 to HARDSHIP_MAX_MONTHS months, first ≤ last."""
    first, last = month_start(first), month_start(last)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    return 1 <= span <= HARDSHIP_MAX_MONTHS


def paid_on_time(month: date, paid_on: date, grace_days: int = PAYMENT_GRACE_DAYS) -> bool:
    """DUES-15: dues are paid monthly; the dues of `month` are on time when paid by the end of that month
    (plus `grace_days`, a local setting). Paying ahead within a quarter is on time too."""
    from datetime import timedelta

    return paid_on <= month_shift(month, 1) - timedelta(days=1) + timedelta(days=grace_days)


def period_bounds(period: str) -> tuple[date, date]:
    """ "2026-05" → May; "2026-Q2" → April…June; "2026" → the year: (first month, last month) as month starts.
    Raises ValueError with a Chinese message for anything else."""
    text = (period or "").strip().upper()
    try:
        if len(text) == 4:
            year = int(text)
            return date(year, 1, 1), date(year, 12, 1)
        if "-Q" in text:
            year_s, q_s = text.split("-Q")
            year, q = int(year_s), int(q_s)
            if not 1 <= q <= 4:
                raise ValueError
            return date(year, 3 * q - 2, 1), date(year, 3 * q, 1)
        year_s, month_s = text.split("-")
        first = date(int(year_s), int(month_s), 1)
        return first, first
    except (ValueError, TypeError):
        raise ValueError(f"期间格式不正确：{period!r}（应为 2026、2026-Q2 或 2026-05）") from None


def ledger_problem(kind: str, amount: Decimal, *, is_parent: bool, is_child: bool, category: str,
                   decision_reference: str) -> str | None:  # fmt: skip
    """DUES-18/19: what is wrong with a ledger line, or None. Money moves only one level up (remittance to the
    parent) or down (allocation to a direct child), never skipping a level; every use names a DUES-18
    category and the collective decision behind it; amounts are positive."""
    if _decimal(amount) <= 0:
        return "金额必须大于0"
    if kind == "remittance" and not is_parent:
        return "党费只能上缴直接上级党组织，不得越级"
    if kind == "allocation" and not is_child:
        return "党费只能下拨给直接下级党组织，不得越级"
    if kind == "usage":
        if not category:
            return "请选择党费使用范围（DUES-18）"
        if not decision_reference.strip():
            return "党费使用须经集体研究决定，请填写会议或文号"
    if kind not in ("remittance", "allocation", "usage"):
        return f"未知的台账类别：{kind}"
    return None


def base_needs_confirmation(base: Decimal) -> bool:
    """A monthly base above 1,000,000 yuan is almost always a slip (yearly pay, extra digits): ask first."""
    return _decimal(base) > ABSURD_BASE


AID_MAX_AMOUNT = Decimal("100000")  # P: one aid above this is almost certainly a typing slip


def aid_problem(
    kind: str, amount: Decimal, *, visitors: str, given: str, visited_on: date, today: date
) -> tuple[str, str] | None:
    """困难党员帮扶: (field, message) of what is wrong with one visit/aid record, or None. A visit may give
    nothing; cash needs an amount; goods and other aid say what was given. Amounts are Decimal yuan, never
    negative."""
    if kind not in ("visit", "cash", "goods", "other"):
        return "kind", f"未知的帮扶方式：{kind}"
    if not visitors.strip():
        return "visitors", "请填写走访人"
    if visited_on > today:
        return "visited_on", "走访/帮扶日期不能晚于今天"
    if amount < 0:
        return "amount", "金额不能为负数"
    if amount > AID_MAX_AMOUNT:
        return "amount", f"单次帮扶金额超过{AID_MAX_AMOUNT}元，请核实"
    if kind == "cash" and amount <= 0:
        return "amount", "现金补助请填写金额"
    if kind in ("goods", "other") and not given.strip():
        return "given", "请填写帮扶内容（送了什么、办了什么）"
    return None
