"""Pure security rules: second factor, rate-limit windows, file retention, exports and data-subject requests.

Standard library only; the caller passes settings and times in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

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


# ---------------------------------------------------------------- PRV-04: exports of personal data

PURPOSE_MIN_LENGTH = 4


def export_refusal(*, rows: int, max_rows: int, purpose: str) -> str:
    """PRV-04: why an export of personal data may not go ahead ("" when it may).

    A stated purpose of at least `PURPOSE_MIN_LENGTH` characters; at most `max_rows` rows (0 = no cap)."""
    if len(purpose.strip()) < PURPOSE_MIN_LENGTH:
        return f"请填写导出用途（不少于{PURPOSE_MIN_LENGTH}个字）。"
    if max_rows and rows > max_rows:
        return f"一次最多导出 {max_rows} 人，当前条件下有 {rows} 人。请按党组织或其他条件缩小范围后分批导出。"
    return ""


def approval_refusal(*, requester_id: int, approver_id: int, approver_covers: bool, status: str) -> str:
    """PRV-04 four-eyes: another account, holding the approval right over the request's whole scope."""
    if status != "pending":
        return "该申请已处理，不能再次审批。"
    if requester_id == approver_id:
        return "不能审批本人提出的导出申请，须由另一名有审批权限的人员审批。"
    if not approver_covers:
        return "您的审批权限不覆盖该申请的范围。"
    return ""


def approval_expired(decided_at: datetime, now: datetime, ttl_hours: float) -> bool:
    """An approved export must be downloaded within the link lifetime after the approval."""
    return now - decided_at > timedelta(hours=ttl_hours)


# ---------------------------------------------------------------- PRV-06: data-subject requests

CORRECTION_REPLY_DAYS = 30


def correction_due(submitted_on: date, reply_days: int = CORRECTION_REPLY_DAYS) -> date:
    """PRV-06: a correction request is answered within 30 days (GB/T 35273-2020 8.7) of its submission."""
    return submitted_on + timedelta(days=reply_days)


def correction_refusal(*, status: str, accept: bool, reasons: str) -> str:
    """A refusal must give its reasons (PIPL Art 50); an answered request is not answered again."""
    if status != "open":
        return "该申请已答复。"
    if not accept and not reasons.strip():
        return "不予更正时必须说明理由。"
    return ""


# ---------------------------------------------------------------- PRV-07: retention for people who left


def retention_expired(*, left_on: date | None, today: date, years: int) -> bool:
    """PRV-07: the personal data of someone who left is kept `years` full years after leaving, then anonymized.

    `years` <= 0 switches anonymization off; a person without a leaving date is never due."""
    if left_on is None or years <= 0:
        return False
    try:
        limit = left_on.replace(year=left_on.year + years)
    except ValueError:  # 29 February → 28 February
        limit = left_on.replace(year=left_on.year + years, day=28)
    return today >= limit
