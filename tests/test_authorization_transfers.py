"""Generated authorization matrix for the transfer and mobile-member pages (AZ-02): without permission 403,
in scope 200/302, out of scope 404 — and the refused requests change nothing. A letter is also refused to
the side of it that may not take the step (the sender cannot accept, the receiver cannot withdraw)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.core.models import AuditEvent
from dangjian.members import transfer_actions as ta
from dangjian.members.models import Member, MobileRecord, Placement, StatusChange, Transfer


def today():
    return timezone.localdate()


# What a URL's pk names, for a target inside the actor's scope (东山镇) and outside it (西河镇 / 县直机关).
def member_target(people, orgs, inside):
    return people["wang"] if inside else people["zhao"]


def sent_transfer(people, orgs, inside):
    """Sending side in scope (杨庄村 → 河湾村) or neither side (河湾村 → 县财政局机关)."""
    if inside:
        return ta.start_transfer(people["wang"], actor=None, to_org=orgs["village3"], reason="x")
    return ta.start_transfer(people["zhao"], actor=None, to_org=orgs["organ_branch"], reason="x")


def received_transfer(people, orgs, inside):
    """Receiving side in scope (河湾村 → 杨庄村) or neither side."""
    if inside:
        return ta.start_transfer(people["zhao"], actor=None, to_org=orgs["village2"], reason="x")
    return ta.start_transfer(people["zhao"], actor=None, to_org=orgs["organ_branch"], reason="x")


def external_transfer(people, orgs, inside):
    member = people["wang"] if inside else people["zhao"]
    return ta.start_transfer(member, actor=None, to_org_name="系统外某党委", reason="x")


def outflow_record(people, orgs, inside):
    member = people["wang"] if inside else people["zhao"]
    return ta.record_outflow(member, actor=None, province="广东省", since=today() - timedelta(days=10))


def version_of(target):
    return {"version": target.version}


# (url name, method, target builder, payload builder)
VIEWS = [
    ("members:transfer_detail", "get", sent_transfer, None),
    ("members:transfer_letter", "get", sent_transfer, None),
    ("members:transfer_start", "get", member_target, None),
    (
        "members:transfer_start",
        "post",
        member_target,
        lambda orgs, m: {
            "to_org_code": orgs["organ_branch"].code,
            "reason": "工作调动",
            "issued_on": today().isoformat(),
            "validity_months": 3,
        },
    ),
    ("members:transfer_accept", "get", received_transfer, None),
    (
        "members:transfer_accept",
        "post",
        received_transfer,
        lambda orgs, t: {"on": today().isoformat(), **version_of(t)},
    ),
    ("members:transfer_return", "get", received_transfer, None),
    ("members:transfer_return", "post", received_transfer, lambda orgs, t: {"reason": "不符合", **version_of(t)}),
    ("members:transfer_cancel", "get", sent_transfer, None),
    ("members:transfer_cancel", "post", sent_transfer, lambda orgs, t: version_of(t)),
    ("members:transfer_receipt", "get", external_transfer, None),
    (
        "members:transfer_receipt",
        "post",
        external_transfer,
        lambda orgs, t: {"on": today().isoformat(), **version_of(t)},
    ),
    ("members:mobile_outflow", "get", member_target, None),
    (
        "members:mobile_outflow",
        "post",
        member_target,
        lambda orgs, m: {"province": "广东省", "city": "深圳市", "since": today().isoformat()},
    ),
    ("members:mobile_end", "get", outflow_record, None),
    ("members:mobile_end", "post", outflow_record, lambda orgs, r: {"until": today().isoformat()}),
]
IDS = [f"{v[0]}-{v[1]}" for v in VIEWS]


@pytest.fixture
def town_admin(orgs, personas):
    """An organization-department role limited to 东山镇: every member permission, one subtree."""
    user, _ = account_actions.create_user("town_admin", actor=None, password="Town#Admin2026")
    account_actions.assign_role(user, Role.objects.get(code="org_admin"), orgs["town"], actor=None)
    return user


def state():
    return (
        list(Transfer.objects.order_by("pk").values_list("pk", "status", "version", "decided_on")),
        list(Member.objects.order_by("pk").values_list("pk", "org_id", "status", "version", "is_mobile")),
        list(Placement.objects.order_by("pk").values_list("pk", "org_id", "valid_to")),
        list(MobileRecord.objects.order_by("pk").values_list("pk", "until")),
        StatusChange.objects.count(),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def call(client, name, method, target, payload):
    url = reverse(name, args=[target.pk])
    return client.post(url, payload or {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_without_permission_403_and_nothing_changes(client, orgs, people, nobody, name, method, target, payload):
    client.force_login(nobody)
    obj = target(people, orgs, True)
    before = state()
    response = call(client, name, method, obj, payload(orgs, obj) if payload else None)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_in_scope_succeeds(client, orgs, people, town_admin, name, method, target, payload):
    client.force_login(town_admin)
    obj = target(people, orgs, True)
    response = call(client, name, method, obj, payload(orgs, obj) if payload else None)
    assert response.status_code == (302 if method == "post" else 200), response.content.decode()[-2000:]


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_out_of_scope_404_and_nothing_changes(client, orgs, people, town_admin, name, method, target, payload):
    client.force_login(town_admin)
    obj = target(people, orgs, False)
    before = state()
    response = call(client, name, method, obj, payload(orgs, obj) if payload else None)
    assert response.status_code == 404
    assert state() == before


WRONG_SIDE = [
    ("members:transfer_accept", sent_transfer, lambda orgs, t: {"on": today().isoformat(), **version_of(t)}),
    ("members:transfer_return", sent_transfer, lambda orgs, t: {"reason": "x", **version_of(t)}),
    ("members:transfer_cancel", received_transfer, lambda orgs, t: version_of(t)),
    ("members:transfer_receipt", sent_transfer, lambda orgs, t: {"on": today().isoformat(), **version_of(t)}),
]


@pytest.mark.parametrize(("name", "target", "payload"), WRONG_SIDE, ids=[w[0] for w in WRONG_SIDE])
def test_the_other_side_gets_404_and_nothing_changes(client, orgs, people, town_admin, name, target, payload):
    client.force_login(town_admin)
    obj = target(people, orgs, True)
    assert client.get(reverse("members:transfer_detail", args=[obj.pk])).status_code == 200  # it sees the letter
    before = state()
    assert client.get(reverse(name, args=[obj.pk])).status_code == 404
    assert client.post(reverse(name, args=[obj.pk]), payload(orgs, obj)).status_code == 404
    assert state() == before


def test_every_transfer_view_is_in_the_matrix():
    from dangjian.members import urls_transfers

    covered = {name for name, *_ in VIEWS}
    pk_views = {f"members:{p.name}" for p in urls_transfers.urlpatterns if "pk" in p.pattern.regex.groupindex}
    assert pk_views == covered
    # and every one of them is refused to an account without roles (403 above), for both methods it serves
    methods = {(name, method) for name, method, *_ in VIEWS}
    for name in pk_views:
        assert (name, "get") in methods


def test_lists_without_permission_403(client, nobody, orgs):
    client.force_login(nobody)
    for name in ("members:transfer_list", "members:mobile_list", "members:transfer_receive"):
        assert client.get(reverse(name)).status_code == 403
