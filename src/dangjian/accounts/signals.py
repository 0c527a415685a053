"""Audit events for logins, failed logins, lockouts and logouts (AU: 身份鉴别 events)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.models import Outcome


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    from dangjian.accounts.queries import is_admin_duty_holder

    if request is not None and hasattr(request, "session"):
        request.session["login_at"] = timezone.now().timestamp()
        request.session["admin_duty"] = is_admin_duty_holder(user)
    with transaction.atomic():
        audit.record("auth.login", actor=user, obj=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            audit.record("auth.logout", actor=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    with transaction.atomic():
        audit.record(
            "auth.login_failed",
            username=username,
            object_type="accounts.user",
            object_repr=username,
            outcome=Outcome.FAILURE,
        )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    with transaction.atomic():
        audit.record(
            "auth.locked_out",
            username=str(username or "")[:150],
            object_type="accounts.user",
            object_repr=str(username or ""),
            outcome=Outcome.DENIED,
            after={"ip_address": ip_address},
        )


@receiver(post_migrate)
def on_post_migrate(sender, using="default", **kwargs):
    """Keep the built-in roles equal to `roles.BUILTIN_ROLES` after every migrate (and test flush), so an
    app that grants a new permission to a built-in role needs no data migration of its own."""
    if sender.label != "accounts":
        return
    from dangjian.accounts.models import Role
    from dangjian.accounts.roles import sync_builtin_roles

    sync_builtin_roles(Role, using)
