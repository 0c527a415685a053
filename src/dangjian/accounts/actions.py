"""Changes to accounts: create, assign and revoke roles, passwords, API tokens.

AC-06: nobody grants a role they do not hold themselves on that subtree, and nobody manages an
account whose roles reach beyond their own scope. AC-07: one administrator duty per account.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.accounts import bindings, rules
from dangjian.accounts.models import ApiToken, PasswordHistory, Role, RoleAssignment, Separation, User
from dangjian.core import audit, crypto
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import forget_grants, scope_paths, user_may_act_on_path
from dangjian.core.tree import LABEL_WIDTH

PASSWORD_HISTORY = 5


def _in_scope_of(actor, perm: str, path: str) -> bool:
    return actor is None or user_may_act_on_path(actor, perm, path)


def create_user(
    username: str,
    *,
    actor,
    display_name: str = "",
    password: str | None = None,
    is_demo: bool = False,
    expires_on: date | None = None,
) -> tuple[User, str]:
    """Create an account with a one-time password (returned once) that must be changed at first login;
    `expires_on` is its last day of use (AC-03, optional)."""
    username = username.strip()
    if actor is not None and not scope_paths(actor, "accounts.manage_user"):
        raise OutOfScope("您没有管理账号的权限。")
    if not username:
        raise RuleViolation("IA-01", "账号名不能为空", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise RuleViolation("IA-01", f"账号名「{username}」已存在（不区分大小写）", field="username")
    problem = rules.expiry_problem(expires_on, today=timezone.localdate())
    if problem:
        raise RuleViolation("AC-03", problem, field="expires_on")
    one_time = password is None
    password = password or generate_password()
    with transaction.atomic():
        try:
            user = User.objects.create_user(username=username, password=password, display_name=display_name)
        except IntegrityError as exc:
            raise RuleViolation("IA-01", f"账号名「{username}」已存在", field="username") from exc
        user.must_change_password = one_time
        user.is_demo = is_demo
        user.password_changed_at = timezone.now()
        user.expires_on = expires_on
        user.save(update_fields=["must_change_password", "is_demo", "password_changed_at", "expires_on"])
        after = {"username": username, "display_name": display_name}
        if expires_on:
            after["expires_on"] = expires_on
        audit.record("account.create", actor=actor, obj=user, after=after)
    return user, password


def generate_password() -> str:
    """A CSPRNG password that satisfies the complexity rules (IA-04)."""
    while True:
        candidate = secrets.token_urlsafe(12) + "#7a"
        try:
            validate_password(candidate)
            return candidate
        except ValidationError:
            continue


def assign_role(user: User, role: Role, org, *, actor, reason: str = "") -> RoleAssignment:
    """Grant `role` on `org`'s subtree. Only a holder of accounts.assign_role over that org may (AC-06,
    AC-08: the security administrator); self-grants and mixed administrator duties are refused (AC-07)."""
    if not _in_scope_of(actor, "accounts.assign_role", org.path):
        raise OutOfScope("不能在您的管辖范围以外授予角色（AC-06）。")
    if actor is not None and actor.pk == user.pk:
        raise RuleViolation("AC-06", "不能给自己授予角色")
    if role.separation:
        held = set(RoleAssignment.objects.filter(user=user).exclude(separation="").values_list("separation", flat=True))
        if held:
            raise RuleViolation("AC-07", "三员（系统管理员、安全管理员、审计管理员）不得由同一账号兼任")
        if RoleAssignment.objects.filter(user=user).filter(separation="").exists():
            raise RuleViolation("AC-07", "三员账号不得同时持有业务角色")
    elif RoleAssignment.objects.filter(user=user).exclude(separation="").exists():
        raise RuleViolation("AC-07", "三员账号不得同时持有业务角色")
    with transaction.atomic():
        try:
            assignment = RoleAssignment.objects.create(
                user=user,
                role=role,
                org=org,
                separation=role.separation,
                granted_by=actor,
                mac=bindings.binding_mac(user.pk, role.pk, role.code, org.pk, role.separation),
            )
        except IntegrityError as exc:
            raise RuleViolation("AC-07", "该账号已持有此角色或已持有一个三员角色") from exc
        audit.record(
            "account.role.grant",
            actor=actor,
            obj=user,
            org_path=org.path,
            after={"role": role.code, "org_id": org.pk, **({"reason": reason} if reason else {})},
        )
    forget_grants(user)
    return assignment


def revoke_role(assignment: RoleAssignment, *, actor, reason: str = "") -> None:
    if not _in_scope_of(actor, "accounts.assign_role", assignment.org.path):
        raise OutOfScope()
    with transaction.atomic():
        audit.record(
            "account.role.revoke",
            actor=actor,
            obj=assignment.user,
            org_path=assignment.org.path,
            before={"role": assignment.role.code, "org_id": assignment.org_id},
            after={"reason": reason} if reason else None,
        )
        assignment.delete()
    forget_grants(assignment.user)


def change_password(user: User, new_password: str, *, actor) -> None:
    """Set a new password after validation and the reuse check (IA-02, IA-03)."""
    validate_password(new_password, user)
    if user.check_password(new_password):
        raise ValidationError("新密码不能与当前密码相同。")
    for old in PasswordHistory.objects.filter(user=user)[: PASSWORD_HISTORY - 1]:
        if _matches(old.password, new_password):
            raise ValidationError(f"新密码不能与最近 {PASSWORD_HISTORY} 次使用过的密码相同。")
    with transaction.atomic():
        PasswordHistory.objects.create(user=user, password=user.password)
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        keep = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[:PASSWORD_HISTORY])
        PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()
        audit.record("account.password.change", actor=actor, obj=user)


def _matches(encoded: str, raw: str) -> bool:
    from django.contrib.auth.hashers import check_password

    return check_password(raw, encoded)


def issue_token(user: User, *, name: str, actor) -> tuple[ApiToken, str]:
    """Create an API token; the clear token is returned once and only its digest is kept."""
    name = name.strip() or "API"
    raw = "dj_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:64], prefix=raw[:8], digest=crypto.token_digest(raw))
        audit.record("account.token.issue", actor=actor, obj=token, after={"name": token.name, "prefix": token.prefix})
    return token, raw


def revoke_token(token: ApiToken, *, actor) -> None:
    with transaction.atomic():
        audit.record(
            "account.token.revoke", actor=actor, obj=token, before={"name": token.name, "prefix": token.prefix}
        )
        token.delete()


def separation_label(code: str) -> str:
    return Separation(code).label if code else ""


def may_manage(actor, user: User, perm: str) -> bool:
    """AC-06: an account may be managed only by someone whose scope covers all of its assignments."""
    if actor is None:
        return True
    paths = scope_paths(actor, perm)
    if not paths:
        return False
    held = list(RoleAssignment.objects.filter(user=user).values_list("org__path", flat=True))
    if not held:
        return any(len(p) == LABEL_WIDTH for p in paths)
    return all(any(h.startswith(p) for p in paths) for h in held)


def set_active(user: User, active: bool, *, actor, reason: str = "") -> User:
    """Disable or re-enable an account; disabling ends all its sessions (IA-06). `reason` goes into the audit
    event (the automatic disabling of AC-03 names its rule). Re-enabling restarts the dormancy clock and is
    refused for an account past its expiry date (AC-03: set a new date first)."""
    if not may_manage(actor, user, "accounts.manage_user"):
        raise OutOfScope("不能管理超出您管辖范围的账号（AC-06）。")
    if actor is not None and actor.pk == user.pk:
        raise RuleViolation("AC-06", "不能停用自己的账号")
    now = timezone.now()
    if active and user.expires_on is not None and user.expires_on < timezone.localdate(now):
        raise RuleViolation("AC-03", "该账号已过有效期，请先修改有效期再启用。", field="expires_on")
    with transaction.atomic():
        changes = {"is_active": active, **({"reactivated_at": now} if active else {})}
        User.objects.filter(pk=user.pk).update(**changes)
        for field, value in changes.items():
            setattr(user, field, value)
        if not active:
            end_sessions(user)
        audit.record(
            "account.enable" if active else "account.disable",
            actor=actor,
            obj=user,
            after={"reason": reason} if reason else None,
        )
    return user


def set_expiry(user: User, expires_on: date | None, *, actor, expected: date | None) -> User:
    """AC-03: set or clear the account's last day of use (system administrator). `expected` is the date the
    form showed: if someone changed it meanwhile the change is refused (ConcurrentEdit)."""
    if not may_manage(actor, user, "accounts.manage_user"):
        raise OutOfScope("不能管理超出您管辖范围的账号（AC-06）。")
    problem = rules.expiry_problem(expires_on, today=timezone.localdate())
    if problem:
        raise RuleViolation("AC-03", problem, field="expires_on")
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk, expires_on=expected).update(expires_on=expires_on):
            raise ConcurrentEdit()
        audit.record(
            "account.expiry", actor=actor, obj=user, before={"expires_on": expected}, after={"expires_on": expires_on}
        )
        user.expires_on = expires_on
    return user


def reset_password(user: User, *, actor) -> str:
    """A new one-time password, shown once to the administrator; the user must change it (IA-04)."""
    if not may_manage(actor, user, "accounts.manage_user"):
        raise OutOfScope("不能管理超出您管辖范围的账号（AC-06）。")
    password = generate_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        end_sessions(user)
        audit.record("account.password.reset", actor=actor, obj=user)
    return password


def unlock(user: User, *, actor) -> None:
    """Lift a login lockout before it expires (IA-05: the security administrator)."""
    from axes.utils import reset

    if not may_manage(actor, user, "accounts.unlock_user"):
        raise OutOfScope("不能管理超出您管辖范围的账号（AC-06）。")
    with transaction.atomic():
        reset(username=user.get_username())
        audit.record("account.unlock", actor=actor, obj=user)


def end_sessions(user: User) -> int:
    """Delete every server-side session of the user ("log out everywhere"), found through the
    user→session index that every login and session-key change keeps (security.SessionIndex)."""
    from django.contrib.sessions.models import Session

    from dangjian.security.models import SessionIndex

    keys = list(SessionIndex.objects.filter(user=user).values_list("session_key", flat=True))
    ended, _ = Session.objects.filter(session_key__in=keys).delete()
    SessionIndex.objects.filter(user=user).delete()
    return ended
