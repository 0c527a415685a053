"""Actions on a member's archive records: rewards and punishments, family members, hardship aid and
uploaded documents (党员档案). Same rules as members.actions: scope first, one transaction, audited."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from dangjian.core import audit, crypto
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.scope import user_may_act_on_path
from dangjian.members.models import AidRecord, FamilyMember, Member, MemberDocument, RewardPunishment

RECORD_MODELS = {"reward": RewardPunishment, "family": FamilyMember, "aid": AidRecord}
RECORD_FIELDS = {
    "reward": ("kind", "title", "on", "authority", "document_no", "note"),
    "family": ("relation", "name", "birth_year", "political_status", "work_unit"),
    "aid": ("kind", "description", "measures", "since", "until"),
}
DOCUMENT_KINDS = ["入党申请书", "谈话记录", "培养考察登记表", "政审材料", "培训证明", "入党志愿书", "转正申请书",
                  "组织关系介绍信", "奖惩材料", "其他"]  # fmt: skip
DOCUMENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
DOCUMENT_MAGIC = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def _require(actor, member: Member) -> None:
    if actor is not None and not user_may_act_on_path(actor, "members.change_member", member.org.path):
        raise OutOfScope()


def add_record(member: Member, record_type: str, /, *, actor, **fields):
    """Add one archive record of `record_type` ("reward", "family" or "aid") to a member."""
    _require(actor, member)
    kind = record_type
    model = RECORD_MODELS[kind]
    unknown = set(fields) - set(RECORD_FIELDS[kind])
    if unknown:
        raise TypeError(f"unknown fields for {kind}: {sorted(unknown)}")
    if kind == "aid" and fields.get("until") and fields["until"] < fields["since"]:
        raise RuleViolation("MEM-DATA", "结束日期不能早于开始日期", field="until")
    extra = {"created_by": actor} if hasattr(model, "created_by") else {}
    with transaction.atomic():
        record = model.objects.create(member=member, **fields, **extra)
        audit.record(
            f"member.{kind}.add",
            actor=actor,
            obj=member,
            org_path=member.org.path,
            # A family member's name stays out of the audit trail (personal data of a third person).
            after={k: v for k, v in fields.items() if kind != "family" or k == "relation"},
        )
    return record


def delete_record(record, *, actor) -> None:
    member = record.member
    _require(actor, member)
    kind = next(k for k, m in RECORD_MODELS.items() if isinstance(record, m))
    with transaction.atomic():
        audit.record(f"member.{kind}.delete", actor=actor, obj=member, org_path=member.org.path,
                     before={"record_id": record.pk})  # fmt: skip
        record.delete()


def attach_document(member: Member, upload, *, actor, kind: str, title: str) -> MemberDocument:
    """Store an uploaded scan (PDF, JPEG or PNG, at most 20 MB) outside the web root."""
    _require(actor, member)
    if kind not in DOCUMENT_KINDS:
        raise RuleViolation("MEM-DOC", "请选择材料类别", field="kind")
    if upload.size > DOCUMENT_MAX_BYTES:
        raise RuleViolation("MEM-DOC", "文件超过20MB", field="file")
    head = upload.read(8)
    upload.seek(0)
    content_type = next((t for magic, t in DOCUMENT_MAGIC.items() if head.startswith(magic)), None)
    if content_type is None:
        raise RuleViolation("MEM-DOC", "只能上传 PDF、JPG 或 PNG 文件", field="file")
    directory = Path(settings.MEDIA_ROOT) / "members" / str(member.uid)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{uuid.uuid4().hex}{DOCUMENT_TYPES[content_type]}"
    data = b"".join(upload.chunks())
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    with transaction.atomic():
        document = MemberDocument.objects.create(
            member=member,
            kind=kind,
            title=title.strip() or kind,
            stored_file=str(target.relative_to(settings.MEDIA_ROOT)),
            original_name=getattr(upload, "name", target.name)[:255],
            content_type=content_type,
            size=len(data),
            digest=crypto.sm3(data).hex(),
            uploaded_by=actor,
        )
        audit.record("member.document.add", actor=actor, obj=member, org_path=member.org.path,
                     after={"kind": kind, "title": document.title, "digest": document.digest})  # fmt: skip
    return document


def document_path(document: MemberDocument) -> Path:
    return Path(settings.MEDIA_ROOT) / document.stored_file


def record_download(document: MemberDocument, *, actor) -> None:
    with transaction.atomic():
        audit.record("member.document.download", actor=actor, obj=document.member, org_path=document.member.org.path,
                     after={"document_id": document.pk, "digest": document.digest})  # fmt: skip


def delete_document(document: MemberDocument, *, actor) -> None:
    _require(actor, document.member)
    path = document_path(document)
    with transaction.atomic():
        audit.record("member.document.delete", actor=actor, obj=document.member, org_path=document.member.org.path,
                     before={"kind": document.kind, "title": document.title, "digest": document.digest})  # fmt: skip
        document.delete()
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
