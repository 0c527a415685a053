"""core.sql.Precompiled and the three statements of every request that use it (session, user, grants): the same
rows as the ORM's queries they replace, always read live (a role change or a deactivation counts at the next
request), and the same number of statements per page."""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.backends import ModelBackend
from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.queries import assignment_paths_by_permission
from dangjian.core.scope import grants
from dangjian.core.sessions import SessionStore
from dangjian.core.sql import Precompiled
from dangjian.orgs.models import Org


def _orm_paths(user) -> dict[str, list[str]]:
    """The ORM query the grants were read with before (session 4)."""
    result = defaultdict(list)
    rows = RoleAssignment.objects.filter(user=user, org__dissolved_on__isnull=True).values_list(
        "role__permissions", "org__path"
    )
    for permissions, path in rows:
        for perm in permissions or []:
            result[perm].append(path)
    return dict(result)


def test_grants_equal_the_orm_query_for_every_persona(personas, nobody):
    for user in [*personas.values(), nobody]:
        assert assignment_paths_by_permission(user) == _orm_paths(user), user.username


def test_a_revoked_role_counts_at_the_next_request(personas):
    from dangjian.accounts import actions

    user = User.objects.get(pk=personas["village_secretary"].pk)
    assert grants(user)
    for assignment in RoleAssignment.objects.filter(user=user):
        actions.revoke_role(assignment, actor=None)
    fresh = User.objects.get(pk=user.pk)  # the next request's user object
    assert grants(fresh) == {}
    assert assignment_paths_by_permission(fresh) == _orm_paths(fresh) == {}


def test_a_dissolved_org_grants_nothing(personas):
    user = personas["village_secretary"]
    org = RoleAssignment.objects.filter(user=user).first().org
    Org.objects.filter(pk=org.pk).update(dissolved_on=timezone.localdate())
    assert assignment_paths_by_permission(user) == _orm_paths(user)
    assert org.path not in {p for paths in assignment_paths_by_permission(user).values() for p in paths}


def test_user_backend_returns_the_same_user_as_djangos(personas, nobody):
    for user in [*personas.values(), nobody]:
        ours, theirs = ModelBackend().get_user(user.pk), DjangoModelBackend().get_user(user.pk)
        assert ours == theirs
        assert ours._state.db == theirs._state.db
        assert not ours._state.adding
        for field in User._meta.concrete_fields:
            assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.name
    assert ModelBackend().get_user(str(nobody.pk)) == nobody  # as stored in a session
    assert ModelBackend().get_user(10**9) is None
    assert ModelBackend().get_user("not a number") is None


def test_a_deactivated_user_is_refused_at_the_next_request(client_as, personas):
    client = client_as("village_secretary")
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=personas["village_secretary"].pk).update(is_active=False)
    assert ModelBackend().get_user(personas["village_secretary"].pk) is None
    assert client.get(reverse("home")).status_code == 302  # back to the login page


def test_session_load_equals_djangos_and_drops_expired_rows(client_as):
    client = client_as("village_secretary")
    key = client.session.session_key
    assert SessionStore(key).load() == DjangoSessionStore(key).load() != {}
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None
    missing = SessionStore("x" * 32)
    assert missing.load() == {}
    assert missing.session_key is None


def test_pages_make_the_same_statements_as_before(client_as):
    """Session, user and grants are still one statement each, read on every request."""
    client = client_as("town_secretary")
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "django_session"' in s for s in sql) == 1
    assert sum('FROM "accounts_user"' in s for s in sql) == 1
    assert sum('FROM "accounts_roleassignment"' in s for s in sql) == 1


def test_markers_must_reach_the_sql_exactly_once(db):
    with pytest.raises(ValueError, match="appears 0 times"):
        Precompiled(lambda pk: User.objects.filter(pk=1), 123_456).rows(1)
    with pytest.raises(ValueError, match="plain model queryset"):
        Precompiled(lambda pk: RoleAssignment.objects.select_related("org").filter(pk=pk), 123_456).rows(1)
