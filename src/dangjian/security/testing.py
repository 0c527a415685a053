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

    PostgreSQL: the triggers of the two audit tables are disabled (``ALTER TABLE … DISABLE TRIGGER USER``, which
    the tables' owner may do — the role the tests and migrations run as, never the application's role after
    `harden_database`) and enabled again afterwards; SQLite: the triggers are dropped and created again."""
    connection = connections[using]
    if connection.vendor == "postgresql":

        def switch(state: str) -> None:
            with connection.cursor() as cursor:
                # ALTER TABLE refuses a table with deferred foreign-key checks pending in this transaction
                # (the test's own inserts): run them now, then defer again as Django's constraints are.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in (audit_guard.EVENT_TABLE, audit_guard.HEAD_TABLE):
                    cursor.execute(f"ALTER TABLE {table} {state} TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        switch("DISABLE")
        try:
            yield
        finally:
            switch("ENABLE")
    else:
        audit_guard.remove(connection)
        try:
            yield
        finally:
            audit_guard.install(connection)
