"""Pure rules for accounts (standard library only; `today` is an argument).

AC-03: dormant and expired accounts are disabled automatically (GB/T 22239-2019 8.1.4.2c; 90 days [PRAC]).
"""

from __future__ import annotations

from datetime import date, timedelta

DORMANT_DAYS = 90  # settings.DORMANT_DAYS (DANGJIAN_DORMANT_DAYS); 0 switches the rule off
MAX_EXPIRY_YEARS = 10


def last_activity(*moments: date | None) -> date | None:
    """The latest of: last login, account creation, re-enabling, last use of an API token (local dates)."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def disable_reason(*, today: date, last_active: date | None, expires_on: date | None, dormant_days: int) -> str:
    """AC-03: why an active account must be disabled today ("" when it need not be).

    Expired: `expires_on` is the last day of use, so the account goes the day after. Dormant: no activity for
    `dormant_days` days or more (0: never dormant)."""
    if expires_on is not None and today > expires_on:
        return f"账号已过有效期（有效期至 {expires_on:%Y-%m-%d}）"
    if dormant_days and last_active is not None and (today - last_active).days >= dormant_days:
        return f"连续 {(today - last_active).days} 天未登录（超过 {dormant_days} 天自动停用）"
    return ""


def expiry_problem(expires_on: date | None, *, today: date) -> str:
    """AC-03: an expiry date the system administrator may set ("" when acceptable; blank means no expiry)."""
    if expires_on is None:
        return ""
    if expires_on < today:
        return "有效期不能早于今天"
    if expires_on > today + timedelta(days=366 * MAX_EXPIRY_YEARS):
        return f"有效期不能超过 {MAX_EXPIRY_YEARS} 年"
    return ""


def kept_for_duty(duty: str, other_active_holders: int) -> bool:
    """AC-03: the last active system or security administrator is never disabled automatically (nobody could
    then re-enable accounts or grant roles; the break-glass command remains the way back, see docs)."""
    return duty in ("system", "security") and other_active_holders == 0
