"""Pure rules of the statistics module: red/amber/green thresholds (standard library only).

The thresholds are local practice (rules.md §0, status P): these are defaults, overridable per jurisdiction
(an org and its subtree) with the `Threshold` table. A threshold has a direction: for "higher" indicators
(rates) a value at or above `green` is green, below `red` is red, amber between; for "lower" ones (shares
of problems) at or below `green` is green, above `red` is red.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HIGHER, LOWER = "higher", "lower"
GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(frozen=True)
class Band:
    direction: str
    green: Decimal
    red: Decimal


DEFAULT_THRESHOLDS: dict[str, tuple[str, Band]] = {
    # LIFE-01…08 completion of the required meetings last quarter (P: local target)
    "orglife.completion_rate": ("组织生活完成率（%）", Band(HIGHER, Decimal("90"), Decimal("75"))),
    # DUES-15/16 monthly payment (P: local target)
    "dues.collection_rate": ("党费交纳率（%）", Band(HIGHER, Decimal("95"), Decimal("85"))),
    # ORG-01/05/06/07/09/11: share of 基层党组织 with at least one structure warning
    "orgs.warning_share": ("存在组织设置提示的党组织占比（%）", Band(LOWER, Decimal("5"), Decimal("15"))),
}


def rag(value: Decimal | int | None, band: Band) -> str | None:
    """The colour of `value` under `band`; None when there is no value (—, 未接入 are never coloured)."""
    if value is None:
        return None
    value = Decimal(value)
    if band.direction == HIGHER:
        if value >= band.green:
            return GREEN
        return RED if value < band.red else AMBER
    if value <= band.green:
        return GREEN
    return RED if value > band.red else AMBER


def band_error(direction: str, green: Decimal, red: Decimal) -> str | None:
    """Why a threshold pair is invalid (Chinese), or None."""
    if direction not in (HIGHER, LOWER):
        return "方向无效"
    for v in (green, red):
        if v < 0 or v > 100:
            return "阈值应在0至100之间"
    if direction == HIGHER and red > green:
        return "“红色”阈值不能高于“绿色”阈值（数值越高越好）"
    if direction == LOWER and red < green:
        return "“红色”阈值不能低于“绿色”阈值（数值越低越好）"
    return None


def share(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with two decimals; None (shown —) when whole is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))
