"""Generated authorization matrix for the recruitment pages and endpoints (AZ-02): without permission 403, in
scope 200/302 (API 200/201), out of scope 404 — and the refused requests change nothing."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.core.models import AuditEvent
from dangjian.recruitment import actions
from dangjian.recruitment.models import CaseImport, CaseStep, LocalOption, RecruitmentCase

DOCS = ["application_letter", "talk_record"]


def case_target(orgs, inside, awaiting=False):
    org = orgs["village2"] if inside else orgs["village3"]
    case = actions.start_new_applicant(
        org, actor=None, on=date(2026, 6, 1), documents=DOCS, name="测试申请人", sex="male", birth_date=date(2000, 1, 1)
    )
    if awaiting:
        case = actions.record_step(case, "talk", actor=None, on=date(2026, 6, 5), documents=DOCS)
        case = actions.record_step(case, "confirm_activist", actor=None, on=date(2026, 7, 1), recommended_by="members")
        case = actions.record_step(case, "file_activist", actor=None, on=date(2026, 7, 2))
    return case


def import_target(orgs, inside):
    org = orgs["village2"] if inside else orgs["village3"]
    return CaseImport.objects.create(digest="0" * 64, filename="cases.xlsx", stored_file="", org=org, state="committed")


def awaiting_target(orgs, inside):
    return case_target(orgs, inside, awaiting=True)


def member_target(orgs, inside):
    return case_target(orgs, inside).member


def talk_payload(case):
    return {"on": "2026-06-05", "version": case.version, "documents": ["talk_record"]}


def decide_payload(case):
    return {"approve": "1", "on": "2026-07-03", "version": case.version}


def transfer_payload(case):
    from dangjian.orgs.models import Org

    other = Org.objects.filter(kind="branch").exclude(pk=case.org_id).order_by("path").first()
    return {"to_org": other.pk, "on": "2026-06-05"}


# (url name, method, target builder, url args, payload builder)
VIEWS = [
    ("recruitment:case", "get", case_target, (), None),
    ("recruitment:member_tab", "get", member_target, (), None),
    ("recruitment:step", "get", case_target, ("talk",), None),
    ("recruitment:step", "post", case_target, ("talk",), talk_payload),
    ("recruitment:decide", "get", awaiting_target, (), None),
    ("recruitment:decide", "post", awaiting_target, (), decide_payload),
    ("recruitment:transfer", "get", case_target, (), None),
    ("recruitment:import_batch", "get", import_target, (), None),
    ("recruitment:import_report", "get", import_target, (), None),
    ("recruitment:import_commit", "post", import_target, (), None),
    ("recruitment:import_rollback", "post", import_target, (), None),
]
IDS = [f"{v[0]}-{v[1]}" for v in VIEWS]
LISTS = [
    "recruitment:board",
    "recruitment:start",
    "recruitment:queues",
    "recruitment:overview",
    "recruitment:options",
    "recruitment:import",
    "recruitment:import_template",
    "recruitment:quota",
]


def state():
    return (
        list(RecruitmentCase.objects.order_by("pk").values_list("pk", "state", "awaiting", "version", "org_id")),
        CaseStep.objects.count(),
        LocalOption.objects.count(),
        list(CaseImport.objects.order_by("pk").values_list("pk", "state")),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def call(client, name, method, target, args, payload):
    url = reverse(name, args=[target.pk, *args])
    return client.post(url, payload(target) if payload else {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "target", "args", "payload"), VIEWS, ids=IDS)
def test_without_permission_403_and_nothing_changes(client, orgs, nobody, name, method, target, args, payload):
    client.force_login(nobody)
    obj = target(orgs, True)
    before = state()
    assert call(client, name, method, obj, args, payload).status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "args", "payload"), VIEWS, ids=IDS)
def test_a_role_without_recruitment_permissions_gets_403(client_as, orgs, name, method, target, args, payload):
    client = client_as("security_admin")
    obj = target(orgs, True)
    before = state()
    assert call(client, name, method, obj, args, payload).status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "args", "payload"), VIEWS, ids=IDS)
def test_in_scope_succeeds(client_as, orgs, name, method, target, args, payload):
    client = client_as("town_secretary")
    obj = target(orgs, True)
    response = call(client, name, method, obj, args, payload)
    assert response.status_code == (302 if method == "post" else 200), response.content.decode()[-2000:]


@pytest.mark.parametrize(("name", "method", "target", "args", "payload"), VIEWS, ids=IDS)
def test_out_of_scope_404_and_nothing_changes(client_as, orgs, name, method, target, args, payload):
    client = client_as("town_secretary")
    obj = target(orgs, False)
    before = state()
    assert call(client, name, method, obj, args, payload).status_code == 404
    assert state() == before


def test_branch_secretary_cannot_decide_in_its_own_branch(client_as, orgs):
    case = actions.start_new_applicant(
        orgs["village"],
        actor=None,
        on=date(2026, 6, 1),
        documents=DOCS,
        name="甲",
        sex="male",
        birth_date=date(2000, 1, 1),
    )
    client = client_as("village_secretary")
    before = state()
    assert client.get(reverse("recruitment:queues")).status_code == 403
    assert client.post(reverse("recruitment:decide", args=[case.pk]), decide_payload(case)).status_code == 403
    assert state() == before


@pytest.mark.parametrize("name", LISTS)
def test_list_pages(client_as, client, orgs, nobody, name):
    client.force_login(nobody)
    assert client.get(reverse(name)).status_code == 403
    assert client_as("county_admin").get(reverse(name)).status_code == 200


def test_every_recruitment_view_is_in_the_matrix():
    from dangjian.recruitment import urls

    covered = {name for name, *_ in VIEWS} | set(LISTS)
    assert {f"recruitment:{p.name}" for p in urls.urlpatterns} == covered


# ------------------------------------------------------------------------------------------- API


def api(user):
    _token, raw = account_actions.issue_token(user, name="test", actor=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


API = [
    ("get", "", case_target, None),
    ("post", "step/", case_target, lambda c: {"event": "talk", **talk_payload(c)}),
    ("post", "decide/", awaiting_target, lambda c: {"approve": True, "on": "2026-07-03", "version": c.version}),
    ("post", "transfer/", case_target, transfer_payload),
]
API_IDS = [f"{m}-{p or 'detail'}" for m, p, *_ in API]


def api_call(client, method, suffix, obj, payload):
    url = f"/api/v1/recruitment-cases/{obj.pk}/{suffix}"
    return client.post(url, payload(obj), format="json") if method == "post" else client.get(url)


@pytest.mark.parametrize(("method", "suffix", "target", "payload"), API, ids=API_IDS)
def test_api_matrix(orgs, personas, nobody, method, suffix, target, payload):
    inside, outside = target(orgs, True), target(orgs, False)
    none, security, town = api(nobody), api(personas["security_admin"]), api(personas["town_secretary"])
    before = state()
    assert api_call(none, method, suffix, inside, payload).status_code == 403
    assert api_call(security, method, suffix, inside, payload).status_code == 403
    assert api_call(town, method, suffix, outside, payload).status_code == 404
    assert state() == before
    response = api_call(town, method, suffix, inside, payload)
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("suffix", ["", "queues/", "counts/"])
def test_api_lists(orgs, personas, nobody, suffix):
    assert api(nobody).get(f"/api/v1/recruitment-cases/{suffix}").status_code == 403
    assert api(personas["county_admin"]).get(f"/api/v1/recruitment-cases/{suffix}").status_code == 200


def test_api_create_refused_without_permission(orgs, nobody):
    client = api(nobody)
    before = state()
    body = {"org": orgs["village2"].pk, "name": "乙", "sex": "male", "birth_date": "2000-01-01", "on": "2026-06-01"}
    assert client.post("/api/v1/recruitment-cases/", body, format="json").status_code == 403
    assert state() == before
