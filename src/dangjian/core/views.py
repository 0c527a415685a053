"""Base views: every view that shows organization data gets its queryset through `restrict`.

`ScopedMixin` refuses to run without a `queryset`, answers 403 when the user holds the needed
permission nowhere and 404 when the object lies outside their scope (existence never leaks), and
turns domain errors into form errors or messages. Also: the home page and the error pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views import View

from dangjian.core.scope import has_permission, permission_code, restrict


class ScopedMixin:
    """Views declare `queryset` and `action` ("view", "change", "move"…); they never query around it."""

    queryset = None
    action = "view"

    def permission(self) -> str:
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare a queryset to restrict")
        return permission_code(self.queryset.model, self.action)

    def check_permission(self) -> None:
        if not has_permission(self.request.user, self.permission()):
            raise PermissionDenied

    def get_queryset(self):
        self.check_permission()
        return restrict(self.queryset.all(), self.request.user, self.action)

    def get_object(self, **lookup):
        return get_object_or_404(self.get_queryset(), **lookup)


class ScopedView(ScopedMixin, View):
    pass


def home(request):
    from dangjian.core.nav import home_context

    return render(request, "core/home.html", home_context(request))


def error_403(request, exception=None):
    return render(
        request, "core/error.html", {"code": 403, "title": "没有权限", "detail": "您没有执行此操作的权限。"}, status=403
    )


def error_404(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"code": 404, "title": "页面不存在", "detail": "您访问的页面不存在，或不在您的管辖范围内。"},
        status=404,
    )


def error_500(request):
    return render(
        request,
        "core/error.html",
        {"code": 500, "title": "系统出错", "detail": "系统暂时无法处理您的请求，请稍后再试。"},
        status=500,
    )


def error_400(request, exception=None):
    return render(
        request, "core/error.html", {"code": 400, "title": "请求有误", "detail": "请求无法处理。"}, status=400
    )


def flash_error(request, exc) -> None:
    """Show a domain error (RuleViolation, ConcurrentEdit, OutOfScope) as a toast."""
    messages.error(request, str(exc))
