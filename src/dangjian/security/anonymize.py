"""PRV-07: retention for people who left, and anonymization at its end.

A person who left (出党, 退党, 除名, death: status "exited") is kept in full for
``RETENTION_YEARS_AFTER_LEAVING`` years after the leaving date (`status_since`), then anonymized:

- removed: name and pinyin initials, the ciphertexts of ID number, phone and address and the ID number's blind
  index, free-text job title and mobile destination; family members and archive documents (rows and files);
  free text about the person in status changes, mobile records, rewards, data-subject requests; the import
  snapshots (which hold ciphertext); the login link to the roster row.
- kept, so that every statistic stays whole: the row itself with org, sex, ethnicity, birth date (age bands),
  education, category (stage), occupation, dates of joining, full membership and leaving, exit kind,
  placements, transfers, attendance, dues and points (they refer to the row by its number only).

The same applies to people who applied but never became members (PRV-07, recruitment): a person still on the
roster as applicant, activist or candidate whose recruitment cases are all closed (不予承认, transferred out…) is
kept ``RETENTION_YEARS_AFTER_APPLICATION_CLOSED`` years after the last case closed, then anonymized the same way;
the free text of their recruitment steps and decisions is emptied, the cases with their states and dates (every
recruitment statistic) are kept.

Each anonymized person gets one audit event naming only the row number and the retention rule (no personal
data), in the transaction of the change; batches commit separately so an interrupted run resumes.
Audit events written earlier keep what they held (masked values and names in their descriptions): the
audit trail is append-only and hash-chained, and has its own retention (AU-04, archive export).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from dangjian.core import audit
from dangjian.core.dates import add_years
from dangjian.security import rules

ANONYMOUS_NAME = "（已匿名化）"
BATCH = 500


def retention_years() -> int:
    return int(getattr(settings, "RETENTION_YEARS_AFTER_LEAVING", 10))


def applicant_retention_years() -> int:
    return int(getattr(settings, "RETENTION_YEARS_AFTER_APPLICATION_CLOSED", 5))


def applicants_due(today, years: int | None = None):
    """Applicants who never became members, whose last recruitment case closed at least `years` ago.

    The queryset is annotated with `closed_on` (the last closing date)."""
    from django.db.models import Exists, Max, OuterRef

    from dangjian.members.choices import MemberStatus, Stage
    from dangjian.members.models import Member
    from dangjian.recruitment.models import RecruitmentCase
    from dangjian.security.models import Anonymization

    years = applicant_retention_years() if years is None else years
    if years <= 0:
        return Member.objects.none()
    open_case = RecruitmentCase.objects.filter(member=OuterRef("pk"), is_open=True)
    return (
        Member.objects.filter(stage__in=[Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE])
        .exclude(status=MemberStatus.EXITED)
        .exclude(pk__in=Anonymization.objects.values("member_id"))
        .exclude(Exists(open_case))
        .annotate(closed_on=Max("recruitment_cases__closed_date"))
        .filter(closed_on__isnull=False, closed_on__lte=add_years(today, -years))
        .order_by("pk")
    )


def due(today, years: int | None = None):
    """Rows of people who left at least `years` ago and are not yet anonymized."""
    from dangjian.members.choices import MemberStatus
    from dangjian.members.models import Member
    from dangjian.security.models import Anonymization

    years = retention_years() if years is None else years
    if years <= 0:
        return Member.objects.none()
    limit = add_years(today, -years)
    done = Anonymization.objects.values("member_id")
    return (
        Member.objects.filter(status=MemberStatus.EXITED, status_since__isnull=False, status_since__lte=limit)
        .exclude(pk__in=done)
        .order_by("pk")
    )


def _scrub_json(value):
    """Keep the structure of a change record, drop values that are ciphertext or free text about the person."""
    if isinstance(value, dict):
        return {k: _scrub_json(v) for k, v in value.items() if k not in ("name", "name_initials", "job_title")}
    if isinstance(value, list):
        return [_scrub_json(v) for v in value]
    if isinstance(value, str) and value.startswith("v1:"):
        return ""
    return value


def anonymize_member(member, *, years: int, today) -> None:
    """Remove the identifying data of one person who left; statistics fields are kept (one transaction)."""
    if not rules.retention_expired(left_on=member.status_since, today=today, years=years):
        raise ValueError("retention period not over")
    _anonymize(
        member,
        years=years,
        reason="left",
        detail={"rule": "PRV-07", "years": years, "left_year": member.status_since.year},
    )


def anonymize_applicant(member, *, years: int, today, closed_on) -> None:
    """Remove the identifying data of an applicant who was not admitted (cases, states and dates are kept)."""
    from dangjian.recruitment.models import CaseStep, Decision, RecruitmentCase

    if RecruitmentCase.objects.filter(member=member, is_open=True).exists() or not rules.retention_expired(
        left_on=closed_on, today=today, years=years
    ):
        raise ValueError("retention period not over")

    def scrub_recruitment():
        for step in CaseStep.objects.filter(case__member=member):
            step.note = ""
            step.data = _scrub_step(step.data)
            step.save(update_fields=["note", "data"])
        Decision.objects.filter(case__member=member).update(reason="")

    _anonymize(
        member,
        years=years,
        reason="applicant",
        detail={"rule": "PRV-07", "years": years, "closed_year": closed_on.year, "applicant": True},
        extra=scrub_recruitment,
    )


def _scrub_step(data):
    """A recruitment step's record: numbers, flags, dates and member ids stay; free text goes."""
    if isinstance(data, dict):
        return {k: _scrub_step(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_scrub_step(v) for v in data]
    if isinstance(data, str):
        return data if _is_iso_date(data) else ""
    return data


def _is_iso_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _anonymize(member, *, years: int, reason: str, detail: dict, extra=None) -> None:
    from dangjian.members.models import (
        FamilyMember,
        ImportBatchItem,
        MemberDocument,
        MobileRecord,
        RewardPunishment,
        StatusChange,
    )
    from dangjian.members.records import document_path
    from dangjian.orglife.models import MemberAccount
    from dangjian.security.models import Anonymization, DataSubjectRequest, ProcessingRestriction

    files = []
    with transaction.atomic():
        member.name = ANONYMOUS_NAME
        member.name_initials = ""
        member.id_number_cipher = member.id_number_index = ""
        member.phone_cipher = member.address_cipher = ""
        member.job_title = member.mobile_destination = ""
        member.version += 1
        member.save(
            update_fields=[
                "name",
                "name_initials",
                "id_number_cipher",
                "id_number_index",
                "phone_cipher",
                "address_cipher",
                "job_title",
                "mobile_destination",
                "version",
                "updated_at",
            ]
        )
        FamilyMember.objects.filter(member=member).delete()
        for document in MemberDocument.objects.filter(member=member):
            files.append(document_path(document))
        MemberDocument.objects.filter(member=member).delete()
        for change in StatusChange.objects.filter(member=member):
            change.grounds = ""
            change.before, change.after = _scrub_json(change.before), _scrub_json(change.after)
            change.save(update_fields=["grounds", "before", "after"])
        MobileRecord.objects.filter(member=member).update(contact_person="", certificate_number="", place="")
        RewardPunishment.objects.filter(member=member).update(note="")
        ImportBatchItem.objects.filter(member=member).update(before={})
        DataSubjectRequest.objects.filter(member=member).update(proposed="", explanation="", reasons="")
        ProcessingRestriction.objects.filter(member=member).update(lift_reason="")
        MemberAccount.objects.filter(member=member).delete()
        if extra is not None:
            extra()
        Anonymization.objects.create(member=member, years=years, reason=reason)
        audit.record(
            "privacy.anonymize",
            object_type="members.member",
            object_id=str(member.pk),
            object_repr=ANONYMOUS_NAME,
            org_path=member.org.path,
            after=detail,
        )
    for path in files:  # after the commit: a rolled-back run keeps its files
        path.unlink(missing_ok=True)


def _drain(pending, anonymize_one) -> int:
    """Anonymize `pending()` (a queryset of those still due) batch by batch, each person in their own
    transaction, until none is left; return how many."""
    count = 0
    while batch := list(pending().select_related("org")[:BATCH]):
        for member in batch:
            anonymize_one(member)
            count += 1
    return count


def run(today, *, years: int | None = None, dry_run: bool = False) -> int:
    """Anonymize everyone who left and is due on `today`; return how many (or would be, with `dry_run`)."""
    years = retention_years() if years is None else years
    if dry_run:
        return due(today, years).count()
    return _drain(lambda: due(today, years), lambda m: anonymize_member(m, years=years, today=today))


def run_applicants(today, *, years: int | None = None, dry_run: bool = False) -> int:
    """Anonymize the applicants not admitted who are due on `today`; return how many."""
    years = applicant_retention_years() if years is None else years
    if dry_run:
        return applicants_due(today, years).count()
    return _drain(
        lambda: applicants_due(today, years),
        lambda m: anonymize_applicant(m, years=years, today=today, closed_on=m.closed_on),
    )
