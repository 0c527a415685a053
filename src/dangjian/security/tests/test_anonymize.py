"""PRV-07: people who left are anonymized after the retention period (time travel); statistics stay whole;
the blind index and the ciphertexts are gone from every table; the audit event holds no personal data."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import models

from dangjian.core import audit
from dangjian.core.models import AuditEvent
from dangjian.members import actions as member_actions
from dangjian.members.models import FamilyMember, Member, MemberDocument, id_number_index
from dangjian.orglife import actions as orglife_actions
from dangjian.orglife.models import MemberAccount
from dangjian.security import anonymize, rules
from dangjian.security.models import Anonymization
from dangjian.stats import queries as stats


@pytest.mark.parametrize(
    ("left_on", "today", "years", "expected"),
    [
        (date(2014, 5, 1), date(2024, 4, 30), 10, False),
        (date(2014, 5, 1), date(2024, 5, 1), 10, True),
        (date(2016, 2, 29), date(2021, 2, 28), 5, True),
        (date(2014, 5, 1), date(2030, 1, 1), 0, False),
        (None, date(2030, 1, 1), 10, False),
    ],
)
def test_retention_rule(left_on, today, years, expected):
    assert rules.retention_expired(left_on=left_on, today=today, years=years) is expected


@pytest.fixture
def left(people, personas, tmp_path, settings):
    """王建国 left the party on 2014-05-01, with family, a document and a linked login."""
    settings.MEDIA_ROOT = tmp_path
    wang = people["wang"]
    member_actions.update_member(wang, job_title="村会计", actor=None)
    wang.refresh_from_db()
    FamilyMember.objects.create(member=wang, relation="妻子", name="刘桂花", birth_year=1960)
    stored = tmp_path / "doc.pdf"
    stored.write_bytes(b"%PDF-1.4 archive")
    MemberDocument.objects.create(
        member=wang, kind="档案", title="入党志愿书", stored_file="doc.pdf", original_name="入党志愿书.pdf",
        content_type="application/pdf", size=16, digest="0" * 64,
    )  # fmt: skip
    orglife_actions.link_member_account(personas["party_member"], wang, actor=None)
    member_actions.change_status(
        wang,
        "exited",
        actor=None,
        on=date(2014, 5, 1),
        grounds="本人书面申请退党，电话 13800000013",
        exit_kind="withdrawal",
    )
    wang.refresh_from_db()
    return wang


def statistics(orgs):
    county = orgs["county"]
    figures = []
    for day in (date(2013, 12, 31), date(2014, 6, 30), date(2026, 6, 30)):
        figures.append(stats.member_breakdowns(county, day))
        figures.append([(r.code, r.value) for r in stats.rows(county, day)])
    return figures


def text_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                yield model, field.name


def test_anonymized_after_the_retention_period_and_statistics_stay_whole(left, orgs, settings):
    settings.RETENTION_YEARS_AFTER_LEAVING = 10
    number, phone = left.get_secret("id_number"), left.get_secret("phone")
    index = id_number_index(number)
    before = statistics(orgs)
    with time_machine.travel(date(2024, 4, 30)):
        assert anonymize.run(date(2024, 4, 30)) == 0
    out = StringIO()
    with time_machine.travel(date(2024, 5, 1)):
        call_command("anonymize_left", stdout=out)
    assert "已匿名化：1 人" in out.getvalue()
    left.refresh_from_db()
    assert left.name == anonymize.ANONYMOUS_NAME
    assert (left.id_number_cipher, left.id_number_index, left.phone_cipher, left.address_cipher) == ("", "", "", "")
    assert left.job_title == ""
    # Kept for statistics.
    assert (left.sex, left.birth_date, left.exit_kind, left.status_since) == (
        "male", date(1958, 1, 9), "withdrawal", date(2014, 5, 1),
    )  # fmt: skip
    assert statistics(orgs) == before
    # Gone from every table: the blind index, the ID number, the phone; derived copies removed.
    assert not Member.objects.filter(id_number_index=index).exists()
    for model, name in text_fields():
        for needle in (index, number, phone):
            assert not model._base_manager.filter(**{f"{name}__contains": needle}).exists(), (model, name)
    assert not FamilyMember.objects.filter(member=left).exists()
    assert not MemberDocument.objects.filter(member=left).exists()
    assert not (settings.MEDIA_ROOT / "doc.pdf").exists()
    assert not MemberAccount.objects.filter(member=left).exists()
    # Audited without personal data; the chain still verifies.
    event = AuditEvent.objects.get(action="privacy.anonymize")
    assert event.object_id == str(left.pk)
    assert "王建国" not in f"{event.object_repr}{event.after}"
    assert event.after == {"rule": "PRV-07", "years": 10, "left_year": 2014}
    assert audit.verify() is None
    # Once only; the others (still members) are untouched.
    assert anonymize.run(date(2030, 1, 1)) == 0
    assert Anonymization.objects.count() == 1
    assert Member.objects.exclude(pk=left.pk).filter(name=anonymize.ANONYMOUS_NAME).count() == 0


def test_dry_run_and_switched_off(left, settings):
    out = StringIO()
    call_command("anonymize_left", "--dry-run", stdout=out)
    assert "到期待匿名化：1 人" in out.getvalue()
    settings.RETENTION_YEARS_AFTER_LEAVING = 0
    out = StringIO()
    call_command("anonymize_left", stdout=out)
    assert "未启用" in out.getvalue()
    left.refresh_from_db()
    assert left.name == "王建国"


# ---------------------------------------------------------------- applicants who never became members


@pytest.fixture
def not_admitted(orgs, personas):
    """陈小军 applied on 2026-06-01; his case was closed without admission (不予承认) on 2026-07-01."""
    from dangjian.members import rules as member_rules
    from dangjian.recruitment import actions as recruitment_actions

    secretary = personas["village_secretary"]
    number = member_rules.synthetic_id_number("371302", date(2000, 5, 4), 77, "male")
    case = recruitment_actions.start_new_applicant(
        orgs["village"], actor=secretary, on=date(2026, 6, 1), documents=["application_letter"],
        note="申请人联系电话 13911112222", name="陈小军", sex="male", birth_date=date(2000, 5, 4),
        id_number=number, phone="13911112222",
    )  # fmt: skip
    case = recruitment_actions.record_step(
        case, "void", actor=secretary, on=date(2026, 7, 1), reason="陈小军提交的材料不实"
    )
    # Another applicant whose case is still open is never due.
    recruitment_actions.start_new_applicant(
        orgs["village"], actor=secretary, on=date(2026, 6, 2), documents=["application_letter"], name="孙丽",
        sex="female", birth_date=date(2001, 3, 3),
    )  # fmt: skip
    return case


def recruitment_statistics(orgs):
    from dangjian.recruitment.models import RecruitmentCase

    county = orgs["county"]
    cases = list(RecruitmentCase.objects.order_by("pk").values("state", "application_date", "closed_date", "org_id"))
    return [
        cases,
        *[[(r.code, r.value) for r in stats.rows(county, day)] for day in (date(2026, 6, 15), date(2027, 1, 1))],
    ]


def test_applicant_not_admitted_is_anonymized_after_the_retention_period(not_admitted, orgs, settings):
    from dangjian.recruitment.models import CaseStep

    settings.RETENTION_YEARS_AFTER_APPLICATION_CLOSED = 5
    settings.RETENTION_YEARS_AFTER_LEAVING = 10
    person = not_admitted.member
    number = person.get_secret("id_number")
    index = id_number_index(number)
    before = recruitment_statistics(orgs)
    assert anonymize.run_applicants(date(2031, 6, 30)) == 0
    out = StringIO()
    with time_machine.travel(date(2031, 7, 1)):
        call_command("anonymize_left", "--dry-run", stdout=out)
        assert "未被接收的申请人到期待匿名化：1 人" in out.getvalue()
        call_command("anonymize_left", stdout=out)
    assert "未被接收的申请人已匿名化：1 人" in out.getvalue()
    person.refresh_from_db()
    assert person.name == anonymize.ANONYMOUS_NAME
    assert (person.id_number_cipher, person.id_number_index, person.phone_cipher) == ("", "", "")
    assert (person.sex, person.birth_date, person.stage) == ("male", date(2000, 5, 4), "applicant")
    for model, name in text_fields():
        # Names in earlier audit descriptions stay: the trail is append-only (AU-03/AU-04, see docs/security.md).
        needles = (index, number, "13911112222") if model is AuditEvent else (index, number, "13911112222", "陈小军")
        for needle in needles:
            assert not model._base_manager.filter(**{f"{name}__contains": needle}).exists(), (model, name)
    steps = list(CaseStep.objects.filter(case=not_admitted).values_list("event", "note"))
    assert [event for event, _ in steps] == ["apply", "void"]
    assert all(note == "" for _, note in steps)
    assert recruitment_statistics(orgs) == before  # cases, states, dates and indicators unchanged
    event = AuditEvent.objects.get(action="privacy.anonymize")
    assert event.after == {"rule": "PRV-07", "years": 5, "closed_year": 2026, "applicant": True}
    assert Anonymization.objects.get(member=person).reason == "applicant"
    assert Member.objects.filter(name="孙丽").exists()  # case still open: kept
    assert audit.verify() is None
    assert anonymize.run_applicants(date(2040, 1, 1)) == 0  # once only


def test_applicant_retention_switched_off(not_admitted, settings):
    settings.RETENTION_YEARS_AFTER_APPLICATION_CLOSED = 0
    out = StringIO()
    with time_machine.travel(date(2040, 1, 1)):
        call_command("anonymize_left", stdout=out)
    assert "未被接收申请人的保存年限为 0" in out.getvalue()
    not_admitted.member.refresh_from_db()
    assert not_admitted.member.name == "陈小军"
