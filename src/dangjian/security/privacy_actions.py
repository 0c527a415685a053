"""PIPL actions: notice acknowledgement (PRV-05), the copy and correction requests (PRV-06).

Every write: keyword-only actor, one transaction, rules from `rules.py`, scope re-checked, audit event."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import user_may_act_on_path
from dangjian.security import rules
from dangjian.security.models import CorrectionRequest, CorrectionStatus, NoticeAcknowledgement, PrivacyNotice

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


def submit_correction(member, *, actor, item: str, proposed: str, explanation: str = "", today) -> CorrectionRequest:
    """PRV-06: a member asks their branch to correct data held on them; due in 30 days."""
    from dangjian.orglife.queries import member_of

    own = member_of(actor)
    if own is None or own.pk != member.pk:
        raise OutOfScope("只能由党员本人提出更正申请。")
    if not item.strip() or not proposed.strip():
        raise RuleViolation("PRV-06", "请写明需更正的信息和应更正为的内容。")
    with transaction.atomic():
        request = CorrectionRequest.objects.create(
            member=member,
            requested_by=actor,
            item=item.strip()[:100],
            proposed=proposed.strip()[:300],
            explanation=explanation.strip()[:500],
            submitted_on=today,
            due_on=rules.correction_due(today),
        )
        # The requested values may be personal data: the audit event names the item only.
        audit.record(
            "privacy.correction_request",
            actor=actor,
            obj=request,
            org_path=member.org.path,
            after={"item": request.item, "due_on": request.due_on},
        )
    return request


def may_answer(user, request: CorrectionRequest) -> bool:
    return user_may_act_on_path(user, ANSWER_PERM, request.member.org.path)


def answer_correction(
    request: CorrectionRequest, *, actor, accept: bool, reasons: str, version: int, today
) -> CorrectionRequest:
    """The branch accepts (and corrects the record through the roster) or refuses, giving its reasons."""
    with transaction.atomic():
        locked = CorrectionRequest.objects.select_for_update().select_related("member__org").get(pk=request.pk)
        if not may_answer(actor, locked):
            raise OutOfScope()
        if locked.version != version:
            raise ConcurrentEdit()
        problem = rules.correction_refusal(status=locked.status, accept=accept, reasons=reasons)
        if problem:
            raise RuleViolation("PRV-06", problem)
        locked.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REFUSED
        locked.reasons = reasons.strip()[:500]
        locked.decided_by = actor
        locked.decided_on = today
        locked.version += 1
        locked.save()
        audit.record(
            "privacy.correction_answer",
            actor=actor,
            obj=locked,
            org_path=locked.member.org.path,
            after={"status": locked.status, "late": today > locked.due_on, "at": timezone.now()},
        )
    return locked
