"""Second factor on the session (IA-08): a password-only session reaches only the 2FA pages.

Placed after authentication and before the password-expiry check, so the order at login is password,
then second factor (or enrolment for administrators who have none yet), then a forced password change.
Requests authenticated by an API token carry no session and are not affected (tokens are issued only
from a verified session).
"""

import logging
import time
from urllib.parse import quote

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from dangjian.security import actions


def _allowed(path: str) -> bool:
    allowed = (
        reverse("security:verify"),
        reverse("security:enrol"),
        reverse("accounts:logout"),
        settings.STATIC_URL,
    )
    return path.startswith(allowed)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        until = session.get("break_glass_until") if session is not None else None
        if until and time.time() > until and user.is_authenticated:
            from django.contrib.auth import logout

            from dangjian.security import breakglass

            breakglass.close_expired()
            logout(request)
            return redirect(settings.LOGIN_URL)
        if (
            user is not None
            and user.is_authenticated
            and session is not None
            and not session.get(actions.VERIFIED_SESSION_KEY)
            and not _allowed(request.path)
            and actions.needs_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "请先完成双因素认证。"}, status=403)
            target = "security:verify" if actions.confirmed_device(user) else "security:enrol"
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        key_before = session.session_key if session is not None else None
        response = self.get_response(request)
        # The session key changes on password change (cycle_key): keep the index current.
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            key_after = session.session_key
            if key_after and key_after != key_before:
                actions.index_session(user, key_after)
        return response


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; pages shown to a logged-in user are never cached (RI-01)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


class DatabaseUnavailableMiddleware:
    """FLT-02 / REL-07: while the database is unreachable (or an SQLite write lock times out) a request gets
    a 503 page in Chinese, never a stack trace. Each change runs in one transaction, so nothing is left
    half-written; connections are health-checked (CONN_HEALTH_CHECKS), so the site recovers by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from dangjian.security import alerts

        try:
            return self.get_response(request)
        finally:
            alerts.flush()  # AU-05: alarms raised inside a rolled-back transaction are written now

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        from dangjian.core.audit import AuditUnavailable

        log = logging.getLogger(__name__)
        if isinstance(exception, AuditUnavailable):  # AU-05 / FLT-03: fail closed, in Chinese
            log.error("operation refused, audit unavailable: %s", exception)
            return service_unavailable(request, exception.message)
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("database unavailable: %s", exception)
        return database_unavailable(request)


def database_unavailable(request):
    """The 503 answer (Chinese page, or JSON for the API and htmx), rendered without touching the database."""
    return service_unavailable(
        request, "数据库暂时无法访问，您的操作没有保存。请稍后重试；如持续出现请联系系统管理员。"
    )


def service_unavailable(request, message: str):
    """A 503 with `message` (Chinese page, or JSON for the API and htmx), rendered without touching the database."""
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string

    if request.path.startswith("/api/") or request.headers.get("HX-Request"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        html = render_to_string("security/503.html", {"message": message, "SITE_NAME": settings.SITE_NAME})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = "10"
    return response
