"""Break-glass access (AC-02): the only way round the normal account process, itself audited.

In this platform `is_superuser` grants nothing (every permission comes from a role assignment through
`core.scope`), so an emergency does not create a superuser: `dangjian break_glass --reason …` opens a
temporary account holding one administrator role (default the security administrator, who can reset a
lost second factor, unlock and grant roles) on the root org, with a one-time password, the second
factor required at first login, and an expiry (default 2 hours). Opening, expiry and closing are audited
with the reason; while one is open `dangjian check --deploy` fails.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import RuleViolation
from dangjian.security.models import BreakGlass

ROLES = ("security_admin", "system_admin")
SESSION_KEY = "break_glass_until"


def open_account(*, reason: str, hours: float = 2, role_code: str = "security_admin", operator: str = ""):
    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role
    from dangjian.orgs.models import Org

    reason = reason.strip()
    if len(reason) < 4:
        raise RuleViolation("AC-02", "必须写明启用应急账号的原因。")
    if role_code not in ROLES:
        raise RuleViolation("AC-02", "应急账号只能持有安全管理员或系统管理员角色。")
    root = Org.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        raise RuleViolation("AC-02", "组织树为空，请改用 bootstrap_admin。")
    now = timezone.now()
    username = f"breakglass-{now:%Y%m%d%H%M%S}"
    with transaction.atomic():
        user, password = account_actions.create_user(username, actor=None, display_name="应急账号")
        account_actions.assign_role(user, Role.objects.get(code=role_code), root, actor=None)
        entry = BreakGlass.objects.create(
            user=user, role_code=role_code, reason=reason[:500], expires_at=now + timedelta(hours=hours)
        )
        audit.record(
            "account.break_glass.open",
            obj=user,
            username=operator[:150],
            after={"reason": reason[:200], "role": role_code, "expires_at": entry.expires_at, "operator": operator},
        )
    return user, password, entry


def close(entry: BreakGlass, *, why: str) -> None:
    from dangjian.accounts.actions import end_sessions
    from dangjian.accounts.models import RoleAssignment

    with transaction.atomic():
        user = entry.user
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        RoleAssignment.objects.filter(user=user).delete()
        end_sessions(user)
        BreakGlass.objects.filter(pk=entry.pk).update(ended_at=timezone.now())
        audit.record("account.break_glass.close", obj=user, after={"why": why})


def close_expired(now=None) -> int:
    now = now or timezone.now()
    expired = list(BreakGlass.objects.filter(ended_at__isnull=True, expires_at__lte=now).select_related("user"))
    for entry in expired:
        close(entry, why="到期")
    return len(expired)


def open_entries():
    return BreakGlass.objects.filter(ended_at__isnull=True, expires_at__gt=timezone.now())
