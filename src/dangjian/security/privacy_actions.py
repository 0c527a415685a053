"""PIPL actions: notice acknowledgement (PRV-05), the copy and data-subject requests (PRV-06): correction,
deletion and restriction of processing, answered by the branch within 30 days.

Every write: keyword-only actor, one transaction, rules from `rules.py`, scope re-checked, audit event."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import user_may_act_on_path
from dangjian.security import rules
from dangjian.security.models import (
    DataSubjectRequest,
    NoticeAcknowledgement,
    PrivacyNotice,
    ProcessingRestriction,
    RequestKind,
    RequestStatus,
)

ANSWER_PERM = "security.answer_correction"


def current_notice() -> PrivacyNotice | None:
    return PrivacyNotice.objects.order_by("-version").first()


def has_acknowledged(member, notice: PrivacyNotice | None = None) -> bool:
    notice = notice or current_notice()
    return notice is None or NoticeAcknowledgement.objects.filter(notice=notice, member=member).exists()


def acknowledge(member, notice: PrivacyNotice, *, actor) -> NoticeAcknowledgement:
    """PRV-05: record that the member read this version (once per member and version)."""
    from dangjian.orglife.queries import member_of

    own = member_of(actor)
    if own is None or own.pk != member.pk:
        raise OutOfScope("只能由党员本人确认。")
    existing = NoticeAcknowledgement.objects.filter(notice=notice, member=member).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            ack = NoticeAcknowledgement.objects.create(notice=notice, member=member, user=actor)
            audit.record(
                "privacy.notice_acknowledge",
                actor=actor,
                obj=ack,
                object_repr=f"第{notice.version}版告知",
                org_path=member.org.path,
                after={"version": notice.version},
            )
    except IntegrityError:  # a double click: the first one counted
        return NoticeAcknowledgement.objects.get(notice=notice, member=member)
    return ack


def publish_notice(*, title: str, body: str, actor=None) -> PrivacyNotice:
    """A new notice version (every member acknowledges it again)."""
    if not title.strip() or not body.strip():
        raise RuleViolation("PRV-05", "告知的标题和正文不能为空。")
    with transaction.atomic():
        latest = PrivacyNotice.objects.select_for_update().order_by("-version").first()
        notice = PrivacyNotice.objects.create(
            version=(latest.version + 1) if latest else 1, title=title.strip(), body=body.strip()
        )
        audit.record("privacy.notice_publish", actor=actor, obj=notice, after={"version": notice.version})
    return notice


def record_copy(member, *, actor) -> None:
    """PRV-06: the member downloaded a copy of their data (audited; the content is not repeated)."""
    audit.record("privacy.copy_download", actor=actor, obj=member, org_path=member.org.path)


def submit_request(
    member, *, actor, kind: str, today, item: str = "", proposed: str = "", explanation: str = "", parts=()
) -> DataSubjectRequest:
    """PRV-06: the member's own request (correction, deletion of parts, restriction of processing), due in 30 days.

    The audit event names the kind, the item and the parts only: the requested values may be personal data."""
    from dangjian.orglife.queries import member_of

    own = member_of(actor)
    if own is None or own.pk != member.pk:
        raise OutOfScope("只能由党员本人提出申请。")
    parts = [p for p in dict.fromkeys(parts or []) if p]
    problem = rules.request_problem(kind=kind, item=item, proposed=proposed, explanation=explanation, parts=parts)
    if problem:
        raise RuleViolation("PRV-06", problem)
    if kind == RequestKind.DELETION:
        item = "、".join(rules.DELETABLE_PARTS[p] for p in parts)
    elif kind == RequestKind.RESTRICTION:
        item = item.strip() or "本人全部个人信息"
        proposed = ""
    with transaction.atomic():
        request = DataSubjectRequest.objects.create(
            member=member,
            kind=kind,
            requested_by=actor,
            item=item.strip()[:100],
            parts=parts if kind == RequestKind.DELETION else [],
            proposed=proposed.strip()[:300],
            explanation=explanation.strip()[:500],
            submitted_on=today,
            due_on=rules.correction_due(today),
        )
        audit.record(
            f"privacy.{kind}_request",
            actor=actor,
            obj=request,
            org_path=member.org.path,
            after={"kind": kind, "item": request.item, "parts": request.parts, "due_on": request.due_on},
        )
    return request


def may_answer(user, request: DataSubjectRequest) -> bool:
    return user_may_act_on_path(user, ANSWER_PERM, request.member.org.path)


def answer_request(
    request: DataSubjectRequest, *, actor, accept: bool, reasons: str, version: int, today
) -> DataSubjectRequest:
    """The branch accepts or refuses, giving its reasons (a refusal must have them).

    An accepted correction is made through the roster (its own audited edit). An accepted deletion removes the
    requested parts at once (`DELETABLE_PARTS`); an accepted restriction starts a `ProcessingRestriction`."""
    with transaction.atomic():
        locked = DataSubjectRequest.objects.select_for_update().select_related("member__org").get(pk=request.pk)
        if not may_answer(actor, locked):
            raise OutOfScope()
        if locked.version != version:
            raise ConcurrentEdit()
        problem = rules.request_refusal(kind=locked.kind, status=locked.status, accept=accept, reasons=reasons)
        if problem:
            raise RuleViolation("PRV-06", problem)
        locked.status = RequestStatus.ACCEPTED if accept else RequestStatus.REFUSED
        locked.reasons = reasons.strip()[:500]
        locked.decided_by = actor
        locked.decided_on = today
        locked.version += 1
        locked.save()
        audit.record(
            f"privacy.{locked.kind}_answer",
            actor=actor,
            obj=locked,
            org_path=locked.member.org.path,
            after={"kind": locked.kind, "status": locked.status, "late": today > locked.due_on, "at": timezone.now()},
        )
        if accept and locked.kind == RequestKind.DELETION:
            _delete_parts(locked, actor=actor)
        elif accept and locked.kind == RequestKind.RESTRICTION:
            _restrict(locked, actor=actor, today=today)
    return locked


def _delete_parts(request: DataSubjectRequest, *, actor) -> None:
    """Carry out an accepted deletion (inside the answer's transaction): ciphertexts emptied, family rows deleted.

    The audit event names the parts and how many rows, never the values."""
    from dangjian.members.models import FamilyMember, Member

    member = Member.objects.select_for_update().get(pk=request.member_id)
    done: dict[str, int] = {}
    fields = []
    for part in request.parts:
        if part in ("phone", "address"):
            setattr(member, f"{part}_cipher", "")
            fields.append(f"{part}_cipher")
            done[part] = 1
        elif part == "family":
            done[part], _ = FamilyMember.objects.filter(member=member).delete()
    if fields:
        member.version += 1
        member.save(update_fields=[*fields, "version", "updated_at"])
    audit.record(
        "privacy.delete",
        actor=actor,
        object_type="members.member",
        object_id=str(member.pk),
        object_repr=f"删除申请 {request.pk}",
        org_path=member.org.path,
        after={"request": request.pk, "deleted": done},
    )


def _restrict(request: DataSubjectRequest, *, actor, today) -> None:
    if restriction_of(request.member) is not None:
        return  # already restricted: the earlier restriction stands
    restriction = ProcessingRestriction.objects.create(member=request.member, request=request, since=today)
    audit.record(
        "privacy.restrict",
        actor=actor,
        obj=restriction,
        object_repr=f"限制处理申请 {request.pk}",
        org_path=request.member.org.path,
        after={"request": request.pk, "since": today},
    )


def _in_force():
    """Restrictions not lifted (at most one per member: `security_one_active_restriction`)."""
    return ProcessingRestriction.objects.filter(lifted_on__isnull=True)


def restriction_of(member) -> ProcessingRestriction | None:
    return _in_force().filter(member=member).first()


def restricted_member_ids():
    """The members whose processing is restricted now (a subquery: exports exclude them)."""
    return _in_force().values("member_id")


def is_restricted(member) -> bool:
    return _in_force().filter(member_id=member.pk).exists()


def lift_restriction_of(request: DataSubjectRequest, *, actor, reason: str, today) -> ProcessingRestriction:
    """Lift the restriction in force that `request` started (refused when there is none)."""
    restriction = _in_force().filter(request=request).first()
    if restriction is None:
        raise RuleViolation("PRV-06", "该申请没有正在执行的限制处理。")
    return lift_restriction(restriction, actor=actor, reason=reason, today=today)


def lift_restriction(restriction: ProcessingRestriction, *, actor, reason: str, today) -> ProcessingRestriction:
    """The branch ends a restriction (the member's consent, or a lawful need), with its reason; audited."""
    with transaction.atomic():
        locked = ProcessingRestriction.objects.select_for_update().select_related("member__org").get(pk=restriction.pk)
        if not user_may_act_on_path(actor, ANSWER_PERM, locked.member.org.path):
            raise OutOfScope()
        problem = rules.lift_problem(lifted=locked.lifted_on is not None, reason=reason)
        if problem:
            raise RuleViolation("PRV-06", problem)
        locked.lifted_on = today
        locked.lifted_by = actor
        locked.lift_reason = reason.strip()[:500]
        locked.save()
        audit.record(
            "privacy.restriction_lift",
            actor=actor,
            obj=locked,
            object_repr=f"限制处理申请 {locked.request_id}",
            org_path=locked.member.org.path,
            after={"request": locked.request_id, "lifted_on": today},
        )
    return locked
