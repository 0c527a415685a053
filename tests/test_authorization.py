"""Generated authorization matrix for every org view (AZ-02): without permission 403, in scope
200/302, out of scope 404 — and the refused requests change nothing."""

import pytest
from django.urls import reverse

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Org, OrgEdge


def _create_payload(orgs):
    return {
        "name": "矩阵新建党支部",
        "kind": "branch",
        "sector": "rural",
        "code": "MX1",
        "established_on": "2026-01-01",
        "sort_order": 0,
    }


def _edit_payload(org):
    return {
        "name": org.name + "改",
        "kind": org.kind,
        "sector": org.sector,
        "code": org.code,
        "established_on": "2000-01-01",
        "sort_order": 0,
        "version": org.version,
    }


# (url name, method, target key in scope, target key out of scope, payload builder)
VIEWS = [
    ("orgs:detail", "get", "village2", "village3", None),
    ("orgs:children", "get", "town", "town2", None),
    ("orgs:create", "get", "town", "town2", None),
    ("orgs:create", "post", "town", "town2", lambda orgs, org: _create_payload(orgs)),
    ("orgs:edit", "get", "village2", "village3", None),
    ("orgs:edit", "post", "village2", "village3", lambda orgs, org: _edit_payload(org)),
    ("orgs:move", "get", "village2", "village3", None),
    (
        "orgs:move",
        "post",
        "village2",
        "village3",
        lambda orgs, org: {
            "new_parent": orgs["general"].pk if org.kind == "branch" else orgs["town"].pk,
            "version": org.version,
        },
    ),
    ("orgs:dissolve", "get", "village2", "village3", None),
    (
        "orgs:dissolve",
        "post",
        "village2",
        "village3",
        lambda orgs, org: {"on": "2026-07-01", "reason": "合并", "version": org.version},
    ),
    ("orgs:term_create", "get", "village2", "village3", None),
    (
        "orgs:term_create",
        "post",
        "village2",
        "village3",
        lambda orgs, org: {"elected_on": "2026-01-01", "has_committee": "on"},
    ),
    ("orgs:officer_create", "get", "village2", "village3", None),
    (
        "orgs:officer_create",
        "post",
        "village2",
        "village3",
        lambda orgs, org: {"role": "secretary", "name": "张三", "starts_on": "2026-01-01"},
    ),
]


@pytest.fixture
def town_admin(orgs, personas):
    """An organization-department role limited to 东山镇: every org permission, one subtree."""
    user, _ = account_actions.create_user("town_admin", actor=None, password="Town#Admin2026")
    account_actions.assign_role(user, Role.objects.get(code="org_admin"), orgs["town"], actor=None)
    return user


def state():
    return (
        list(Org.objects.order_by("pk").values_list("pk", "name", "parent_id", "path", "dissolved_on", "version")),
        OrgEdge.objects.count(),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def call(client, name, method, org, payload):
    url = reverse(name, args=[org.pk])
    return client.post(url, payload or {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(
    ("name", "method", "inside", "outside", "payload"), VIEWS, ids=[f"{v[0]}-{v[1]}" for v in VIEWS]
)
def test_without_permission_403_and_nothing_changes(client, orgs, nobody, name, method, inside, outside, payload):
    client.force_login(nobody)
    before = state()
    org = orgs[inside]
    response = call(client, name, method, org, payload(orgs, org) if payload else None)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    ("name", "method", "inside", "outside", "payload"), VIEWS, ids=[f"{v[0]}-{v[1]}" for v in VIEWS]
)
def test_in_scope_succeeds(client, orgs, town_admin, name, method, inside, outside, payload):
    client.force_login(town_admin)
    org = orgs[inside]
    response = call(client, name, method, org, payload(orgs, org) if payload else None)
    assert response.status_code == (302 if method == "post" else 200), response.content.decode()[:2000]


@pytest.mark.parametrize(
    ("name", "method", "inside", "outside", "payload"), VIEWS, ids=[f"{v[0]}-{v[1]}" for v in VIEWS]
)
def test_out_of_scope_404_and_nothing_changes(client, orgs, town_admin, name, method, inside, outside, payload):
    client.force_login(town_admin)
    before = state()
    org = orgs[outside]
    response = call(client, name, method, org, payload(orgs, org) if payload else None)
    assert response.status_code == 404
    assert state() == before


def test_every_org_view_is_in_the_matrix():
    from dangjian.orgs import urls

    covered = {name for name, *_ in VIEWS}
    pk_views = {f"orgs:{p.name}" for p in urls.urlpatterns if "pk" in p.pattern.regex.groupindex}
    assert pk_views == covered


# ------------------------------------------------------------------ members

MEMBER_VIEWS = [
    ("members:detail", "get", "village2", "village3", None),
    ("members:detail_tab", "get", "village2", "village3", None),
    ("members:edit", "get", "village2", "village3", None),
    (
        "members:edit",
        "post",
        "village2",
        "village3",
        lambda m: {
            "name": m.name,
            "ethnicity": "汉族",
            "stage": m.stage,
            "joined_on": m.joined_on,
            "full_on": m.full_on or "",
            "version": m.version,
        },
    ),
    ("members:status", "get", "village2", "village3", None),
    (
        "members:status",
        "post",
        "village2",
        "village3",
        lambda m: {"target": "suspended", "on": "2026-01-01", "grounds": "x", "version": m.version},
    ),
    ("members:lost_contact", "get", "village2", "village3", None),
    ("members:lost_contact", "post", "village2", "village3", lambda m: {"on": "2026-01-01", "reason": "1"}),
    ("members:reveal", "post", "village2", "village3", None),
]


def member_state():
    from dangjian.members.models import Member, StatusChange

    return (
        list(
            Member.objects.order_by("pk").values_list(
                "pk", "name", "status", "version", "is_lost_contact", "phone_cipher"
            )
        ),
        StatusChange.objects.count(),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def member_url(name, member):
    extra = {"members:reveal": ["phone"], "members:detail_tab": ["log"]}.get(name, [])
    return reverse(name, args=[member.pk, *extra])


def _member_in(people, key):
    return {"village2": people["wang"], "village3": people["zhao"]}[key]


@pytest.mark.parametrize(
    ("name", "method", "inside", "outside", "payload"), MEMBER_VIEWS, ids=[f"{v[0]}-{v[1]}" for v in MEMBER_VIEWS]
)
def test_members_without_permission_403(client, people, nobody, name, method, inside, outside, payload):
    client.force_login(nobody)
    before = member_state()
    member = _member_in(people, inside)
    url = member_url(name, member)
    response = client.post(url, payload(member) if payload else {}) if method == "post" else client.get(url)
    assert response.status_code == 403
    assert member_state() == before


@pytest.mark.parametrize(
    ("name", "method", "inside", "outside", "payload"), MEMBER_VIEWS, ids=[f"{v[0]}-{v[1]}" for v in MEMBER_VIEWS]
)
def test_members_in_scope_succeeds(client, people, town_admin, name, method, inside, outside, payload):
    client.force_login(town_admin)
    member = _member_in(people, inside)
    url = member_url(name, member)
    response = client.post(url, payload(member) if payload else {}) if method == "post" else client.get(url)
    expected = 200 if method == "get" or name == "members:reveal" else 302
    assert response.status_code == expected, response.content.decode()[-2000:]


@pytest.mark.parametrize(
    ("name", "method", "inside", "outside", "payload"), MEMBER_VIEWS, ids=[f"{v[0]}-{v[1]}" for v in MEMBER_VIEWS]
)
def test_members_out_of_scope_404(client, people, town_admin, name, method, inside, outside, payload):
    client.force_login(town_admin)
    before = member_state()
    member = _member_in(people, outside)
    url = member_url(name, member)
    response = client.post(url, payload(member) if payload else {}) if method == "post" else client.get(url)
    assert response.status_code == 404
    assert member_state() == before


def test_every_member_view_is_in_the_matrix():
    from dangjian.members import urls

    covered = {name for name, *_ in MEMBER_VIEWS}
    pk_views = {
        f"members:{p.name}"
        for p in urls.urlpatterns
        if "pk" in p.pattern.regex.groupindex and p.callback.__module__ == "dangjian.members.views"
    }
    assert pk_views == covered


# ------------------------------------------------------------------ member archive records

RECORD_VIEWS = [
    ("members:record_add", "get", {"kind": "reward"}, None),
    ("members:record_add", "post", {"kind": "family"}, {"relation": "配偶", "name": "某某"}),
    ("members:document_add", "get", {}, None),
]


@pytest.mark.parametrize(
    ("name", "method", "kwargs", "payload"), RECORD_VIEWS, ids=[f"{v[0]}-{v[1]}" for v in RECORD_VIEWS]
)
def test_records_matrix(client, people, nobody, town_admin, name, method, kwargs, payload):
    def call(user, member):
        client.force_login(user)
        url = reverse(name, kwargs={"pk": member.pk, **kwargs})
        return client.post(url, payload or {}) if method == "post" else client.get(url)

    before = member_state()
    assert call(nobody, people["wang"]).status_code == 403
    assert call(town_admin, people["zhao"]).status_code == 404
    assert member_state() == before
    assert call(town_admin, people["wang"]).status_code == (302 if method == "post" else 200)
