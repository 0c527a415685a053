"""PRV-04: the roster export with full personal data goes through a second person (four-eyes).

request (the requester states a purpose; the rows are counted against the cap) → another account holding
``security.approve_export`` over the request's whole scope approves or refuses → the requester downloads the
file once, within ``EXPORT_LINK_TTL_HOURS`` of the approval. The file is made at download time by the roster
export machinery (`members.exporter.export_to`): rows re-resolved under the requester's scope then, the
watermark names the requester, the time and the address, and the audit event carries filter, purpose, row
count, the file's SM3 digest and the request and approver.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, user_may_act_on_path
from dangjian.security import rules
from dangjian.security.models import ExportRequest, ExportRequestStatus

APPROVE_PERM = "security.approve_export"
DEFAULT_MAX_ROWS = 5000


def max_rows() -> int:
    """PRV-04 row cap of one export of personal data (setting EXPORT_MAX_ROWS, 0 = no cap)."""
    return int(getattr(settings, "EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def refusal(*, rows: int, purpose: str) -> str:
    return rules.export_refusal(rows=rows, max_rows=max_rows(), purpose=purpose)


def may_approve(user, request: ExportRequest) -> bool:
    return user_may_act_on_path(user, APPROVE_PERM, request.org_path)


def may_approve_any(user) -> bool:
    return has_permission(user, APPROVE_PERM)


def _org_name(path: str) -> str:
    from dangjian.orgs.models import Org

    return Org.objects.filter(path=path).values_list("name", flat=True).first() or ""


def _summary(conditions: list[tuple[str, str]]) -> str:
    return "；".join(f"{label}：{value}" for label, value in conditions)[:500] or "无（管辖范围内全部人员）"


def request_export(*, actor, params: dict[str, list[str]], purpose: str, conditions=()) -> ExportRequest:
    """Record a request for a full (unmasked) export; nothing is exported yet."""
    from dangjian.members import exporter

    if not exporter.may_export(actor):
        raise OutOfScope("您没有导出党员花名册的权限。")
    if not exporter.may_unmask(actor):
        raise OutOfScope("您无权导出含完整身份证号码和联系电话的花名册。")
    rows = exporter.export_queryset(actor, params).count()
    problem = refusal(rows=rows, purpose=purpose)
    if problem:
        raise RuleViolation("PRV-04", problem)
    org_path = exporter.audit_org_path(actor, params)
    with transaction.atomic():
        request = ExportRequest.objects.create(
            requester=actor,
            org_path=org_path,
            org_name=_org_name(org_path),
            sealed_filter=exporter.seal_params(params),
            filter_summary=_summary(list(conditions)),
            purpose=purpose.strip(),
            rows=rows,
        )
        audit.record(
            "member.export_request",
            actor=actor,
            obj=request,
            org_path=org_path,
            after={"filter": exporter.audit_filter(params), "purpose": request.purpose, "rows": rows},
        )
    return request


def decide(request: ExportRequest, *, actor, approve: bool, note: str = "", version: int) -> ExportRequest:
    """Approve or refuse: only another account whose approval right covers the request's scope."""
    with transaction.atomic():
        locked = ExportRequest.objects.select_for_update().get(pk=request.pk)
        if locked.version != version:
            raise ConcurrentEdit()
        problem = rules.approval_refusal(
            requester_id=locked.requester_id,
            approver_id=actor.pk,
            approver_covers=may_approve(actor, locked),
            status=locked.status,
        )
        if problem:
            raise RuleViolation("PRV-04", problem)
        if not approve and not note.strip():
            raise RuleViolation("PRV-04", "不批准时请填写意见。")
        locked.status = ExportRequestStatus.APPROVED if approve else ExportRequestStatus.REFUSED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()[:200]
        locked.version += 1
        locked.save()
        audit.record(
            "member.export_approve" if approve else "member.export_refuse",
            actor=actor,
            obj=locked,
            org_path=locked.org_path,
            after={"requester": locked.requester.get_username(), "rows": locked.rows, "note": locked.decision_note},
        )
    return locked


def _ttl_hours() -> float:
    return float(getattr(settings, "EXPORT_LINK_TTL_HOURS", 24))


def download(request: ExportRequest, *, actor) -> tuple[bytes, dict]:
    """The requester's one download of an approved request: the file bytes and the export result.

    The request is claimed first (so a second, concurrent download is refused); if the file cannot be made
    (disk full, audit unavailable…) the claim is released and the error propagates."""
    from dangjian.members import exporter

    now = timezone.now()
    with transaction.atomic():
        locked = ExportRequest.objects.select_for_update().get(pk=request.pk)
        if locked.requester_id != actor.pk:
            raise OutOfScope("只有申请人本人可以下载。")
        if locked.status == ExportRequestStatus.APPROVED and rules.approval_expired(
            locked.decided_at, now, _ttl_hours()
        ):
            locked.status = ExportRequestStatus.EXPIRED
            locked.save(update_fields=["status"])
            audit.record("member.export_expire", actor=actor, obj=locked, org_path=locked.org_path)
            return b"", {"expired": True}
        if locked.status != ExportRequestStatus.APPROVED:
            raise RuleViolation("PRV-04", "该申请不能下载（未批准、已下载或已过期）。每次批准只能下载一次。")
        params = exporter.open_params(locked.sealed_filter)
        rows = exporter.export_queryset(actor, params).count()
        problem = refusal(rows=rows, purpose=locked.purpose)
        if problem:
            raise RuleViolation("PRV-04", problem)
        locked.status = ExportRequestStatus.DOWNLOADED
        locked.downloaded_at = now
        locked.save(update_fields=["status", "downloaded_at"])
    path = Path(exporter.export_dir()) / f"approved-{uuid.uuid4().hex}.xlsx"
    try:
        result = exporter.export_to(
            actor,
            params,
            path,
            unmask=True,
            mode="approved",
            purpose=locked.purpose,
            extra={"request_id": locked.pk, "approved_by": locked.decided_by.get_username()},
        )
        data = path.read_bytes()
    except BaseException:
        ExportRequest.objects.filter(pk=locked.pk, status=ExportRequestStatus.DOWNLOADED).update(
            status=ExportRequestStatus.APPROVED, downloaded_at=None
        )
        raise
    finally:
        path.unlink(missing_ok=True)
    ExportRequest.objects.filter(pk=locked.pk).update(digest=result["digest"], version=locked.version + 1)
    return data, result


def pending_for(user):
    """Requests the user may approve: pending, inside their approval scope (`restrict`), not their own."""
    from dangjian.core.scope import restrict

    pending = ExportRequest.objects.filter(status=ExportRequestStatus.PENDING)
    return restrict(pending, user, APPROVE_PERM).exclude(requester=user).select_related("requester")
