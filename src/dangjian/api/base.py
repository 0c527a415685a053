"""Base viewsets: the queryset always goes through `restrict`; no permission anywhere → 403,
object outside the scope → 404. API views are exempt from LoginRequiredMiddleware because DRF
authenticates them itself (token or session) and answers 401/403."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from dangjian.core.scope import has_permission, permission_code, restrict

# DRF action → permission verb. An action missing here cannot run: it is a 405/403, never unscoped.
ACTION_VERBS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


class ScopedViewSetMixin:
    queryset = None
    action_verbs: dict[str, str] = {}

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False
        return view

    def verb(self) -> str:
        verbs = {**ACTION_VERBS, **self.action_verbs}
        if self.action not in verbs:
            raise PermissionDenied("不支持的操作。")
        return verbs[self.action]

    def get_queryset(self):
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare a queryset to restrict")
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        verb = self.verb()
        if not has_permission(self.request.user, permission_code(self.queryset.model, verb)):
            raise PermissionDenied("您没有执行此操作的权限。")
        return restrict(self.queryset.all(), self.request.user, verb)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    pass
