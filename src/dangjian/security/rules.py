"""Pure security rules: second factor, rate-limit windows, file retention, exports and data-subject requests.

Standard library and `core.dates` only; the caller passes settings and times in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dangjian.core.dates import add_years

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


# Deletion requests (PIPL Art 47): what a member may have deleted. The Party keeps the rest of the record by
# duty (Constitution and Party regulations; PIPL Art 13(1)(3), Art 47 last paragraph): name, ID number, sex,
# ethnicity, birth date, education, stage and dates, organisation, status changes, transfers, rewards and
# punishments, archive documents, attendance, dues and points.
DELETABLE_PARTS = {"phone": "联系电话", "address": "家庭住址", "family": "家庭成员信息"}
KEPT_BY_DUTY = (
    "姓名、公民身份号码、性别、民族、出生日期、学历、入党和转正日期、组织关系、党籍变更、转接、奖惩、档案材料、"
    "组织生活、党费和积分记录"
)
REQUEST_VERBS = {"correction": "更正", "deletion": "删除", "restriction": "限制处理"}


def request_problem(*, kind: str, item: str, proposed: str, explanation: str, parts) -> str:
    """PRV-06: what is missing from a member's request ("" when it may be submitted).

    A correction names the item and the value it should be; a deletion names at least one deletable part and
    a reason; a restriction gives a reason."""
    if kind == "correction":
        if not item.strip() or not proposed.strip():
            return "请写明需更正的信息和应更正为的内容。"
        return ""
    if kind == "deletion":
        if not parts:
            return "请选择要删除的信息。"
        unknown = [p for p in parts if p not in DELETABLE_PARTS]
        if unknown:
            return f"以下信息党组织须依规保存，不能申请删除：{'、'.join(unknown)}。"
    elif kind != "restriction":
        return "未知的申请事项。"
    if not explanation.strip():
        return f"请说明申请{REQUEST_VERBS[kind]}的理由。"
    return ""


def request_refusal(*, kind: str, status: str, accept: bool, reasons: str) -> str:
    """Any answer: once only; a refusal gives its reasons (PIPL Art 50) — e.g. a lawful basis to keep the data."""
    if status != "open":
        return "该申请已答复。"
    if not accept and not reasons.strip():
        return f"不予{REQUEST_VERBS.get(kind, '办理')}时必须说明理由。"
    return ""


def lift_problem(*, lifted: bool, reason: str) -> str:
    """A restriction is lifted once, with its reason (the member's consent, or a lawful need that arose)."""
    if lifted:
        return "该限制处理已解除。"
    if not reason.strip():
        return "解除限制处理时必须说明理由。"
    return ""


# ---------------------------------------------------------------- PRV-07: retention for people who left


def retention_expired(*, left_on: date | None, today: date, years: int) -> bool:
    """PRV-07: the personal data of someone who left is kept `years` full years after leaving, then anonymized.

    `years` <= 0 switches anonymization off; a person without a leaving date is never due."""
    if left_on is None or years <= 0:
        return False
    return today >= add_years(left_on, years)  # 29 February → 28 February
