"""Session policy (IA-03, IA-06): idle and absolute limits, forced password change."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

PASSWORD_MAX_AGE_DAYS_DEFAULT = 90


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            login_at = request.session.get("login_at")
            if login_at and time.time() - float(login_at) > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                messages.info(request, "登录已超过最长有效时间，请重新登录。")
                return redirect(settings.LOGIN_URL)
            idle = (
                settings.SESSION_IDLE_SECONDS_ADMIN
                if request.session.get("admin_duty")
                else settings.SESSION_IDLE_SECONDS
            )
            request.session.set_expiry(idle)
            if self._must_change_password(user) and not self._exempt(request.path):
                return redirect("accounts:password_change")
        return self.get_response(request)

    @staticmethod
    def _must_change_password(user) -> bool:
        if user.must_change_password:
            return True
        max_age = getattr(settings, "PASSWORD_MAX_AGE_DAYS", PASSWORD_MAX_AGE_DAYS_DEFAULT)
        changed = user.password_changed_at
        return bool(max_age and changed and timezone.now() - changed > timedelta(days=max_age))

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = (
            reverse("accounts:password_change"),
            reverse("accounts:logout"),
            settings.STATIC_URL,
            reverse("security:verify"),
            reverse("security:enrol"),
        )
        return path.startswith(allowed) or path.startswith("/api/")
