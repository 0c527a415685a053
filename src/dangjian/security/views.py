"""Second-factor pages (enrolment, verification, own settings), the security administrator's reset,
and security alerts. Thin: the work is in `actions`."""

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict
from dangjian.security import actions
from dangjian.security.forms import CodeForm
from dangjian.security.models import SecurityAlert


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def verify(request):
    """Second step of login."""
    device = actions.confirmed_device(request.user)
    if device is None:
        return redirect("security:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.verify(request.user, form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[actions.VERIFIED_SESSION_KEY] = True
            return redirect(_next(request))
        form.add_error("code", "验证码不正确或已使用；连续错误 5 次将暂时锁定。")
    status = 400 if form.errors else 200
    return render(request, "security/verify.html", {"form": form, "next": _next(request)}, status=status)


def enrol(request):
    """Set up an authenticator: QR code and key, confirm with the first code, recovery codes shown once."""
    if actions.confirmed_device(request.user) is not None:
        return redirect("security:account")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.confirm_enrolment(request.user, form.cleaned_data["code"], actor=request.user)
        except RuleViolation as exc:
            form.add_error("code", str(exc))
        else:
            request.session.cycle_key()
            request.session[actions.VERIFIED_SESSION_KEY] = True
            return render(request, "security/recovery_codes.html", {"codes": codes, "next": _next(request)})
    from dangjian.security.models import TwoFactorDevice

    device = TwoFactorDevice.objects.filter(user=request.user, confirmed_at__isnull=True).first()
    if device is None or request.method == "GET":
        device = actions.start_enrolment(request.user)
    uri = actions.provisioning_uri(device)
    context = {
        "form": form,
        "qr": segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff"),
        "secret": actions.secret_b32(device),
        "sm3": device.algorithm == "sm3",
        "secret_hex": actions._seed(device).hex() if device.algorithm == "sm3" else "",
        "next": _next(request),
    }
    return render(request, "security/enrol.html", context, status=400 if form.errors else 200)


def account(request):
    """The user's own security settings: 2FA state, new recovery codes, log out everywhere."""
    device = actions.confirmed_device(request.user)
    codes = None
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "recovery":
                codes = actions.regenerate_recovery_codes(request.user, actor=request.user)
            elif op == "logout_all":
                actions.end_all_sessions(request.user, actor=request.user)
                logout(request)
                messages.info(request, "已在所有设备上退出登录。")
                return redirect("accounts:login")
        except RuleViolation as exc:
            messages.error(request, str(exc))
    unused = request.user.recovery_codes.filter(used_at__isnull=True).count() if device else 0
    context = {"device": device, "codes": codes, "unused": unused, "required": actions.needs_two_factor(request.user)}
    return render(request, "security/account.html", context)


@require_POST
def reset(request, pk):
    """The security administrator resets a user's second factor (audited)."""
    if not has_permission(request.user, "accounts.reset_2fa"):
        raise PermissionDenied
    user_model = get_user_model()
    account_user = get_object_or_404(restrict(user_model.objects.all(), request.user, "view"), pk=pk)
    try:
        actions.reset_two_factor(account_user, actor=request.user)
    except (RuleViolation, OutOfScope) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已重置该账号的双因素认证，其下次登录时须重新绑定。")
    return redirect("accounts:user_detail", pk=account_user.pk)


def alerts(request):
    if not has_permission(request.user, "security.view_alert"):
        raise PermissionDenied
    if request.method == "POST":
        alert = get_object_or_404(SecurityAlert, pk=request.POST.get("alert"), resolved_at__isnull=True)
        actions.resolve_alert(alert, actor=request.user)
        messages.success(request, "告警已标记为已处理。")
        return redirect("security:alerts")
    return render(request, "security/alerts.html", {"alerts": SecurityAlert.objects.all()[:200]})


def server_error(request):
    """handler500 (FLT-02): a database that went away while a middleware (session, login) used it is answered
    with the Chinese 503 like a failure inside a view; anything else is the ordinary 500 page."""
    import sys

    from django.db import InterfaceError, OperationalError

    from dangjian.core.views import error_500
    from dangjian.security.middleware import database_unavailable

    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return error_500(request)
