"""Pure security rules: who needs a second factor, rate-limit windows, file retention.

Standard library only; the caller passes settings and times in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

ADMIN_ROLES = ("system_admin", "security_admin", "audit_admin", "org_admin")


def two_factor_required(
    role_codes: set[str], *, enrolled: bool, required_roles: tuple[str, ...], required_for_all: bool
) -> bool:
    """IA-08: a second factor is required for the administrator roles (configurable list), for everyone
    when `required_for_all`, and for anyone who has enrolled an authenticator of their own accord."""
    return enrolled or required_for_all or bool(role_codes & set(required_roles))


def demo_exempt(*, demo_mode: bool, is_demo_account: bool) -> bool:
    """Demo accounts skip the second factor in demo mode only; outside it they cannot log in at all."""
    return demo_mode and is_demo_account


def parse_rate(rate: str) -> tuple[int, int]:
    """IP-06: "5/m" → (5, 60). Units s, m, h, d; a number before the unit multiplies it ("10/15m")."""
    count, _, period = rate.partition("/")
    unit = period[-1:]
    span = int(period[:-1] or 1)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return int(count), span * seconds


def window_start(now_ts: float, seconds: int) -> int:
    """The fixed window a timestamp falls in."""
    return int(now_ts // seconds) * seconds


def expired_file(modified_at: datetime, now: datetime, ttl_hours: int) -> bool:
    """RI-02: a generated or uploaded file is deleted once older than the configured time."""
    return now - modified_at > timedelta(hours=ttl_hours)
