"""AC-03: accounts that are no longer used, no longer valid, or whose person left, lose their access.

- `disable_dormant` (the daily command `disable_dormant_accounts`): active staff accounts without activity for
  `DORMANT_DAYS` days (default 90; activity = the latest of last login, creation, re-enabling, last API-token
  use) and accounts past their expiry date are disabled through `actions.set_active` (which ends their
  sessions), one audit event each with the reason. Self-service accounts (linked to a roster member and holding
  no role but `member`) follow `DORMANT_MEMBER_DAYS` instead (default 0: not disabled for dormancy).
  Never disabled automatically: the last active system administrator and the last active security
  administrator (kept, with an audit event ``account.disable.kept`` and a line in the command's output), and
  break-glass accounts (they close themselves at their own expiry, `security.breakglass`).
- A member who leaves (出党, death, or a transfer to an org outside the system) has their linked account
  (`orglife.MemberAccount`) disabled; a member transferred inside the system takes the self-service `member`
  role along to the new org, and loses the roles held on orgs that covered the old org but not the new one
  (e.g. secretary of the branch left behind). Both run after the member change commits (domain events
  `members.member_left` / `members.member_placed`); the daily command repeats the departure check, so a
  missed event is caught within a day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangjian.accounts import actions, rules
from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.core import audit
from dangjian.core.models import Outcome

log = logging.getLogger(__name__)

SELF_SERVICE_ROLES = frozenset({"member"})
PROTECTED_DUTIES = {"system_admin": "system", "security_admin": "security"}
DUTY_LABEL = {"system": "系统管理员", "security": "安全管理员"}
LEFT_REASON = {"exit": "党员已出党", "transfer_out": "组织关系已转出本系统", "swept": "关联的党员已不在党员名册中"}


@dataclass
class Report:
    disabled: list[tuple[str, str]] = field(default_factory=list)  # (username, reason)
    kept: list[tuple[str, str]] = field(default_factory=list)


def _local_date(moment: datetime | None):
    return timezone.localdate(moment) if moment is not None else None


def _role_codes() -> dict[int, set[str]]:
    """Active accounts → role codes of their bindings that verify (AC-12)."""
    from dangjian.accounts import bindings

    rows = RoleAssignment.objects.filter(user__is_active=True).values_list(*bindings.FIELDS)
    out: dict[int, set[str]] = {}
    for row in bindings.verified(list(rows)):
        out.setdefault(row[1], set()).add(row[3])
    return out


def _linked_user_ids() -> set[int]:
    from dangjian.orglife.models import MemberAccount

    return set(MemberAccount.objects.values_list("user_id", flat=True))


def due(today=None) -> list[tuple[User, str]]:
    """Active accounts that AC-03 says must be disabled today, with the reason (break-glass accounts excluded)."""
    today = today or timezone.localdate()
    codes = _role_codes()
    linked = _linked_user_ids()
    staff_days = int(getattr(settings, "DORMANT_DAYS", rules.DORMANT_DAYS))
    member_days = int(getattr(settings, "DORMANT_MEMBER_DAYS", 0))
    users = (
        User.objects.filter(is_active=True, break_glass__isnull=True)
        .annotate(last_token=Max("api_tokens__last_used_at"))
        .order_by("pk")
    )
    out = []
    for user in users:
        self_service = user.pk in linked and codes.get(user.pk, set()) <= SELF_SERVICE_ROLES
        reason = rules.disable_reason(
            today=today,
            last_active=rules.last_activity(
                _local_date(user.last_login),
                _local_date(user.date_joined),
                _local_date(user.reactivated_at),
                _local_date(user.last_token),
            ),
            expires_on=user.expires_on,
            dormant_days=member_days if self_service else staff_days,
        )
        if reason:
            out.append((user, reason))
    return out


def _protected_duty(user: User, codes: dict[int, set[str]]) -> tuple[str, int] | None:
    """(duty, other active holders) when the account holds a protected administrator duty."""
    for code, duty in PROTECTED_DUTIES.items():
        if code in codes.get(user.pk, set()):
            others = sum(1 for pk, held in codes.items() if pk != user.pk and code in held)
            return duty, others
    return None


def kept(user: User, codes: dict[int, set[str]] | None = None) -> bool:
    """Whether AC-03 keeps this account although it is due: the last active system or security administrator."""
    duty = _protected_duty(user, _role_codes() if codes is None else codes)
    return duty is not None and rules.kept_for_duty(*duty)


def disable(user: User, reason: str, *, codes: dict[int, set[str]] | None = None) -> bool:
    """Disable `user` for `reason` (AC-03) unless it is the last active system or security administrator;
    returns whether it was disabled. Either way one audit event says what happened and why."""
    codes = _role_codes() if codes is None else codes
    duty = _protected_duty(user, codes)
    if duty is not None and rules.kept_for_duty(*duty):
        with transaction.atomic():
            audit.record(
                "account.disable.kept",
                obj=user,
                outcome=Outcome.DENIED,
                after={
                    "reason": reason,
                    "kept": "最后一个启用的" + ("系统管理员" if duty[0] == "system" else "安全管理员"),
                },
            )
        return False
    actions.set_active(user, False, actor=None, reason=f"AC-03 自动停用：{reason}")
    codes.pop(user.pk, None)
    return True


def disable_dormant(today=None, *, dry_run: bool = False) -> Report:
    """The daily job: dormant and expired accounts, then accounts of members who left (AC-03)."""
    result = Report()
    candidates = due(today) + [(u, LEFT_REASON["swept"]) for u in left_accounts()]
    seen = set()
    codes = _role_codes()
    for user, reason in candidates:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if dry_run:
            result.disabled.append((user.get_username(), reason))
        elif disable(user, reason, codes=codes):
            result.disabled.append((user.get_username(), reason))
        else:
            result.kept.append((user.get_username(), reason))
    if not dry_run:
        result_moved = follow_members()
        if result_moved:
            log.info("AC-03: %d self-service role(s) moved to the member's current org", result_moved)
    return result


# ------------------------------------------------------------------------- members who leave or move


def _account_of(member_id: int) -> User | None:
    from dangjian.orglife.models import MemberAccount

    link = MemberAccount.objects.select_related("user").filter(member_id=member_id).first()
    return link.user if link else None


def left_accounts() -> list[User]:
    """Active accounts linked to a member who is no longer on the roster (exited or transferred out)."""
    from dangjian.members.choices import MemberStatus
    from dangjian.orglife.models import MemberAccount

    ids = MemberAccount.objects.filter(member__status=MemberStatus.EXITED).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True, break_glass__isnull=True).order_by("pk"))


def on_member_left(member_id: int, how: str, **_payload) -> None:
    """Domain event `members.member_left`: the member's account is disabled (AC-03)."""
    user = _account_of(member_id)
    if user is not None and user.is_active:
        disable(user, LEFT_REASON.get(how, LEFT_REASON["swept"]))


def _covers(org_path: str, path: str) -> bool:
    return path.startswith(org_path)


def on_member_placed(member_id: int, from_org_id: int, to_org_id: int, **_payload) -> None:
    """Domain event `members.member_placed` (a transfer inside the system): the account's scope follows the
    member. Business roles on orgs that covered the old org but not the new one are revoked; the self-service
    `member` role among them is granted again on the new org. Administrator duties are not touched."""
    from dangjian.orgs.models import Org

    user = _account_of(member_id)
    if user is None or from_org_id == to_org_id:
        return
    orgs = Org.objects.in_bulk([from_org_id, to_org_id])
    old, new = orgs.get(from_org_id), orgs.get(to_org_id)
    if old is None or new is None:
        return
    reason = f"组织关系由「{old.name}」转至「{new.name}」"
    held = RoleAssignment.objects.filter(user=user, separation="").select_related("role", "org")
    follow = False
    for assignment in held:
        if _covers(assignment.org.path, old.path) and not _covers(assignment.org.path, new.path):
            follow = follow or assignment.role.code in SELF_SERVICE_ROLES
            actions.revoke_role(assignment, actor=None, reason=reason)
    if follow and not RoleAssignment.objects.filter(user=user, role__code="member", org=new).exists():
        actions.assign_role(user, Role.objects.get(code="member"), new, actor=None, reason=reason)


def follow_members() -> int:
    """Daily repair: a linked account whose `member` role does not cover the member's current org gets it there."""
    from django.db.models import Prefetch

    from dangjian.members.choices import MemberStatus
    from dangjian.orglife.models import MemberAccount

    moved = 0
    member_roles = RoleAssignment.objects.filter(role__code="member").select_related("org", "role")
    links = (
        MemberAccount.objects.select_related("user", "member__org")
        .filter(user__is_active=True, user__assignments__role__code="member")
        .exclude(member__status=MemberStatus.EXITED)
        .distinct()
        .prefetch_related(Prefetch("user__assignments", queryset=member_roles, to_attr="member_roles"))
    )
    for link in links:
        member_org = link.member.org
        roles = link.user.member_roles
        if member_org is None or any(_covers(a.org.path, member_org.path) for a in roles):
            continue
        for assignment in roles:
            actions.revoke_role(assignment, actor=None, reason="党员所在党组织已变化")
        actions.assign_role(link.user, roles[0].role, member_org, actor=None, reason="党员所在党组织已变化")
        moved += 1
    return moved
