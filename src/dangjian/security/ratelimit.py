"""Rate limits per account and per address (IP-06, REL-06): login, second factor, password change and
reset, search, export and the API. Fixed windows counted in the "ratelimit" cache, which is a file cache
in the data directory by default so that every worker process of `dangjian serve` shares the counts.

Over the limit a request gets 429 with a Chinese message and Retry-After; the first refusal of each
window is audited (not every one, so a flood cannot flood the audit trail).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from dangjian.core import audit, crypto
from dangjian.core.middleware import client_ip
from dangjian.core.models import Outcome
from dangjian.security import rules

LABELS = {
    "login": "登录",
    "otp": "动态验证码",
    "password": "修改或重置密码",
    "search": "查询",
    "export": "导出",
    "api": "接口调用",
}


@dataclass(frozen=True)
class Verdict:
    scope: str
    allowed: bool
    retry_after: int


def classify(request) -> str | None:
    """Which limit a request falls under, if any."""
    path = request.path
    if path.startswith("/api/"):
        return "api"
    try:
        name = resolve(path).view_name
    except Resolver404:
        return None
    if request.method == "POST":
        if name == "accounts:login":
            return "login"
        if name == "security:verify":
            return "otp"
        if name in ("accounts:password_change", "security:reset_2fa") or (
            name == "accounts:user_detail" and request.POST.get("op") == "reset"
        ):
            return "password"
    if "export" in name:
        return "export"
    if name.endswith(":search") or (request.method == "GET" and request.GET.get("q", "").strip()):
        return "search"
    return None


def _account(request, scope: str) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    if scope == "login":
        return "n" + crypto.token_digest(request.POST.get("username", "").strip().lower())[:32]
    auth = request.headers.get("Authorization", "")
    if auth:
        return "t" + crypto.token_digest(auth)[:32]
    return ""


def _count(key: str, window: int) -> int:
    cache = caches[settings.RATELIMIT_CACHE]
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        return 1


def check(request, scope: str, *, now: float | None = None) -> Verdict:
    limit, window = rules.parse_rate(settings.RATE_LIMITS[scope])
    now = time.time() if now is None else now
    start = rules.window_start(now, window)
    retry = int(start + window - now) + 1
    subjects = [f"a:{_account(request, scope)}"] if _account(request, scope) else []
    address = client_ip(request)
    if address:
        # The address limit is wider: many people may share one office NAT.
        subjects.append(f"ip:{address}")
    allowed = True
    for subject in subjects:
        factor = settings.RATE_LIMIT_ADDRESS_FACTOR if subject.startswith("ip:") else 1
        count = _count(f"rl:{scope}:{subject}:{start}", window)
        if count > limit * factor:
            allowed = False
            if count == limit * factor + 1:
                _audit_refusal(request, scope, subject)
    return Verdict(scope, allowed, retry)


def _audit_refusal(request, scope: str, subject: str) -> None:
    user = getattr(request, "user", None)
    with transaction.atomic():
        audit.record(
            "security.rate_limited",
            actor=user if user is not None and user.is_authenticated else None,
            object_type="security.ratelimit",
            object_repr=LABELS[scope],
            outcome=Outcome.DENIED,
            after={"scope": scope, "by": "address" if subject.startswith("ip:") else "account"},
        )


def refusal(request, verdict: Verdict) -> HttpResponse:
    message = f"{LABELS[verdict.scope]}过于频繁，请 {verdict.retry_after} 秒后再试。"
    if request.path.startswith("/api/") or request.headers.get("HX-Request"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        html = render_to_string("security/429.html", {"message": message, "SITE_NAME": settings.SITE_NAME})
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = classify(request) if settings.RATE_LIMITS_ENABLED else None
        if scope is not None:
            verdict = check(request, scope)
            if not verdict.allowed:
                return refusal(request, verdict)
        return self.get_response(request)
