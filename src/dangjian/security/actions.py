"""Every write of the security app: second-factor enrolment and verification, the security
administrator's reset, "log out everywhere", alerts. Each write is audited in its transaction."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, crypto
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.models import Outcome
from dangjian.security import otp, rules
from dangjian.security.models import AlertKind, RecoveryCode, SecurityAlert, SessionIndex, TwoFactorDevice

RECOVERY_CODES = 10
VERIFIED_SESSION_KEY = "two_factor_verified"


def _aad(user_id) -> bytes:
    return f"security_twofactordevice|seed|{user_id}".encode()


def _seed(device: TwoFactorDevice) -> bytes:
    return bytes.fromhex(crypto.decrypt_field(device.seed, _aad(device.user_id)))


def _totp(device: TwoFactorDevice):
    """The code generator of this authenticator: the algorithm it was enrolled with (security.otp)."""
    return otp.generator(device.algorithm, _seed(device))


def secret_b32(device: TwoFactorDevice) -> str:
    return base64.b32encode(_seed(device)).decode().rstrip("=")


def provisioning_uri(device: TwoFactorDevice) -> str:
    from urllib.parse import quote

    issuer = quote(settings.SITE_NAME)
    label = quote(f"{settings.SITE_NAME}:{device.user.get_username()}")
    uri = f"otpauth://totp/{label}?secret={secret_b32(device)}&issuer={issuer}&digits=6&period=30"
    if device.algorithm == otp.SM3:
        uri += "&algorithm=SM3"  # GM/T 0021 tokens and apps; standard authenticator apps do not support it
    return uri


def current_code(device: TwoFactorDevice) -> str:
    """The code an authenticator shows now (tests and the demo)."""
    return f"{_totp(device).token():06d}"


def confirmed_device(user) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def needs_two_factor(user) -> bool:
    from dangjian.accounts.queries import role_codes

    if rules.demo_exempt(demo_mode=settings.DEMO_MODE, is_demo_account=user.is_demo):
        return False
    if user.is_superuser or hasattr(user, "break_glass"):
        return True
    return rules.two_factor_required(
        role_codes(user),
        enrolled=confirmed_device(user) is not None,
        required_roles=tuple(settings.TWO_FACTOR_REQUIRED_ROLES),
        required_for_all=settings.TWO_FACTOR_REQUIRED_FOR_ALL,
    )


def start_enrolment(user) -> TwoFactorDevice:
    """A fresh, not yet confirmed authenticator (replacing an unconfirmed one)."""
    if confirmed_device(user) is not None:
        raise RuleViolation("IA-08", "已启用双因素认证；如需更换认证器，请联系安全管理员重置。")
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        key = secrets.token_bytes(20)
        return TwoFactorDevice.objects.create(
            user=user, seed=crypto.encrypt_field(key.hex(), _aad(user.pk)), algorithm=settings.OTP_ALGORITHM
        )


def _issue_recovery_codes(user) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, digest=crypto.token_digest(c)) for c in codes])
    return codes


def confirm_enrolment(user, code: str, *, actor) -> list[str]:
    """Check the first code from the authenticator, enable it, and return the recovery codes (shown once)."""
    device = TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise RuleViolation("IA-08", "请先生成认证器密钥。")
    totp = _totp(device)
    if not _code_ok(code) or not totp.verify(int(code), tolerance=1):
        raise RuleViolation("IA-08", "动态验证码不正确，请核对手机时间后重试。", field="code")
    with transaction.atomic():
        device.confirmed_at = timezone.now()
        device.last_t = totp.t()
        device.save(update_fields=["confirmed_at", "last_t"])
        codes = _issue_recovery_codes(user)
        audit.record("account.2fa.enrol", actor=actor, obj=user)
    return codes


def _code_ok(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def verify(user, code: str) -> bool:
    """The second step of login: a TOTP code (each accepted once, ±1 step) or an unused recovery code.
    Five failures lock the second factor for LOCKOUT_MINUTES (IA-05, IA-08); all outcomes are audited."""
    code = (code or "").strip().replace(" ", "")
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            return False
        now = timezone.now()
        if device.locked_until and device.locked_until > now:
            audit.record("auth.2fa_failed", actor=user, obj=user, outcome=Outcome.DENIED, after={"locked": True})
            return False
        ok = False
        how = "totp"
        if _code_ok(code):
            totp = _totp(device)
            if totp.verify(int(code), tolerance=1, min_t=device.last_t + 1):
                device.last_t = totp.t()
                ok = True
        elif "-" in code:
            how = "recovery"
            used = RecoveryCode.objects.filter(
                user=user, digest=crypto.token_digest(code.lower()), used_at__isnull=True
            ).update(used_at=now)
            ok = used == 1
        if ok:
            device.failures = 0
            device.locked_until = None
            device.save(update_fields=["last_t", "failures", "locked_until"])
            audit.record("auth.2fa", actor=user, obj=user, after={"method": how})
            return True
        device.failures += 1
        if device.failures >= settings.LOGIN_FAILURE_LIMIT:
            device.locked_until = now + timedelta(minutes=settings.LOCKOUT_MINUTES)
            device.failures = 0
            audit.record("auth.2fa_locked", actor=user, obj=user, outcome=Outcome.DENIED)
        device.save(update_fields=["failures", "locked_until"])
        audit.record("auth.2fa_failed", actor=user, obj=user, outcome=Outcome.FAILURE)
    return False


def regenerate_recovery_codes(user, *, actor) -> list[str]:
    if confirmed_device(user) is None:
        raise RuleViolation("IA-08", "尚未启用双因素认证。")
    with transaction.atomic():
        codes = _issue_recovery_codes(user)
        audit.record("account.2fa.recovery_codes", actor=actor, obj=user)
    return codes


def reset_two_factor(user, *, actor) -> None:
    """The security administrator removes a lost authenticator; the user enrols again at next login
    and all of the user's sessions end (AC-06: only over accounts within the actor's scope)."""
    from dangjian.accounts.actions import end_sessions, may_manage

    if not may_manage(actor, user, "accounts.reset_2fa"):
        raise OutOfScope("不能管理超出您管辖范围的账号（AC-06）。")
    if actor is not None and actor.pk == user.pk:
        raise RuleViolation("AC-06", "不能重置自己的双因素认证")
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        end_sessions(user)
        audit.record("account.2fa.reset", actor=actor, obj=user)


def index_session(user, session_key: str) -> None:
    if session_key:
        SessionIndex.objects.update_or_create(session_key=session_key, defaults={"user": user})


def end_all_sessions(user, *, actor) -> int:
    """ "Log out everywhere": every server-side session of the account is deleted (IA-06)."""
    from dangjian.accounts.actions import end_sessions

    with transaction.atomic():
        ended = end_sessions(user)
        audit.record("auth.logout_everywhere", actor=actor, obj=user, after={"sessions": ended})
    return ended


def raise_alert(kind: str, message: str) -> SecurityAlert:
    """An alert for the security and audit administrators (shown as a to-do until resolved), audited."""
    with transaction.atomic():
        alert = SecurityAlert.objects.create(kind=kind, message=message[:500])
        audit.record(
            "security.alert", obj=alert, outcome=Outcome.FAILURE, after={"kind": kind, "message": message[:200]}
        )
    return alert


def resolve_alert(alert: SecurityAlert, *, actor) -> None:
    with transaction.atomic():
        SecurityAlert.objects.filter(pk=alert.pk).update(resolved_at=timezone.now())
        audit.record("security.alert.resolve", actor=actor, obj=alert)


def daily_audit_check():
    """AU-03: verify the chain; a break raises an alert (once per distinct break) and is returned."""
    broken = audit.verify()
    if broken is None:
        return None
    message = f"审计记录哈希链断裂：{broken}。请立即核查数据库访问记录并保全现场。"
    if not SecurityAlert.objects.filter(kind=AlertKind.AUDIT_CHAIN, message=message, resolved_at__isnull=True).exists():
        raise_alert(AlertKind.AUDIT_CHAIN, message)
    return broken
