"""Test helper: a full login through the real pages, password then second factor."""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connections
from django.urls import reverse

from dangjian.core import audit_guard
from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.security import actions
from dangjian.security.models import TwoFactorDevice


def login(client, username: str, password: str = DEMO_PASSWORD):
    """Log in through the login form, then enrol or verify the second factor when one is needed."""
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response
    user = get_user_model().objects.get(username=username)
    if not actions.needs_two_factor(user):
        return response
    if actions.confirmed_device(user) is None:
        client.get(reverse("security:enrol"))
        device = TwoFactorDevice.objects.get(user=user)
        response = client.post(reverse("security:enrol"), {"code": actions.current_code(device)})
        assert response.status_code == 200, response
    else:
        device = actions.confirmed_device(user)
        response = client.post(reverse("security:verify"), {"code": actions.current_code(device)})
        assert response.status_code == 302, response
    return response


@contextmanager
def audit_unguarded(using: str = "default"):
    """Tests only: lift the AU-03 triggers as the database superuser would, to tamper with or flush the trail.

    PostgreSQL: `session_replication_role = replica` (a superuser-only setting that skips ordinary triggers);
    SQLite: the triggers are dropped and created again afterwards."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
    else:
        audit_guard.remove(connection)
        try:
            yield
        finally:
            audit_guard.install(connection)
