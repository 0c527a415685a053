"""PRV-06: everything the platform holds on one member, for their self-service page and their copy.

The list is built from the model metadata, not from a hand-kept list: the member's own row (personal data
decrypted: it is their own) and every row of every model that points at the member (placements, status
changes, transfers, meetings attended, dues, points, family, rewards, documents, requests…), so a model
added later shows up without touching this file. Internal columns (keys, ciphertext, blind index, file
locations, versions) are left out; ciphertext inside a JSON value is shown as "（加密存储）"."""

from __future__ import annotations

from datetime import date, datetime

from django.db import models
from django.utils import timezone

from dangjian.members.models import SECRET_FIELDS, Member

HIDDEN = {"id", "uid", "version", "name_initials", "stored_file", "token_hash", "digest", "sealed_filter"}
ROW_LIMIT = 1000  # per kind of record


def _hidden(field) -> bool:
    return (
        field.name in HIDDEN
        or field.name.endswith(("_cipher", "_index", "_hash"))
        or (getattr(field, "remote_field", None) is not None and field.remote_field.model is Member)
    )


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str) and value.startswith("v1:") and value.count(":") >= 3:
        return "（加密存储）"
    return value


def _display(obj, field) -> str:
    if field.choices:
        value = getattr(obj, f"get_{field.name}_display")()
    elif isinstance(field, models.ForeignKey | models.OneToOneField):
        related = getattr(obj, field.name, None)
        value = str(related) if related is not None else ""
    else:
        value = getattr(obj, field.attname)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        import json

        return json.dumps(_plain(value), ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def _fields(obj) -> list[tuple[str, str]]:
    return [
        (str(f.verbose_name), _display(obj, f))
        for f in obj._meta.concrete_fields
        if not _hidden(f) and (not f.name.endswith("_by") or f.name == "requested_by")
    ]


def own_record(member: Member) -> list[tuple[str, str]]:
    """The member's own row, personal data in clear."""
    rows = [(str(f.verbose_name), _display(member, f)) for f in member._meta.concrete_fields if not _hidden(f)]
    labels = {"id_number": "公民身份号码", "phone": "联系电话", "address": "家庭住址"}
    rows[1:1] = [(labels[name], member.get_secret(name)) for name in SECRET_FIELDS]
    return rows


def related_records(member: Member) -> list[dict]:
    """Every row pointing at the member, grouped by kind: [{"kind", "rows": [[(label, value)…]…]}]."""
    out = []
    # include_hidden: relations declared with related_name="+" (dues, import items…) are data held too.
    relations = [f for f in Member._meta.get_fields(include_hidden=True) if f.is_relation and f.auto_created]
    for rel in relations:
        if rel.many_to_many or not rel.field.concrete or rel.related_model._meta.auto_created:
            continue
        model = rel.related_model
        qs = model._base_manager.filter(**{rel.field.name: member}).order_by("pk")[:ROW_LIMIT]
        rows = [_fields(obj) for obj in qs]
        if rows:
            out.append({"kind": str(model._meta.verbose_name), "model": model._meta.label_lower, "rows": rows})
    # Many-to-many links that point at the member (meeting invitations, …).
    for rel in relations:
        if not rel.many_to_many:
            continue
        model = rel.related_model
        objs = model._base_manager.filter(**{rel.field.name: member}).order_by("pk")[:ROW_LIMIT]
        rows = [[(str(model._meta.verbose_name), str(obj))] for obj in objs]
        if rows:
            out.append({"kind": f"{model._meta.verbose_name}（{rel.field.verbose_name}）", "model": "", "rows": rows})
    out.sort(key=lambda group: group["kind"])
    return out


def copy_of(member: Member, user) -> dict:
    """The downloadable copy (JSON): exactly the data shown on the page."""
    return {
        "说明": "本文件为平台保存的您本人个人信息副本，请妥善保管。",
        "生成时间": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "账号": user.get_username(),
        "基本信息": dict(own_record(member)),
        "相关记录": [
            {"类别": group["kind"], "记录": [dict(row) for row in group["rows"]]} for group in related_records(member)
        ],
    }
