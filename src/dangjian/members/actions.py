"""Every change to the roster: add, edit, status changes, lost contact, mobile, placement, reveal.

Each action checks scope, validates through members.rules, writes in one transaction with the org
counters kept current, and records an audit event in which personal data never appears in clear.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core import audit, crypto, events
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.core.text import initials
from dangjian.members import queries, rules
from dangjian.members.choices import MEMBER_STAGES, ExitKind, LostReason, MemberStatus, Stage
from dangjian.members.models import (
    SECRET_FIELDS,
    Member,
    Placement,
    StatusChange,
    id_number_index,
    time_ordered_uuid,
)
from dangjian.orgs.models import Org
from dangjian.stats import events as stats_events

PLAIN_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "education",
    "stage",
    "joined_on",
    "full_on",
    "occupation",
    "job_title",
    "is_mobile",
    "mobile_destination",
    "mobile_since",
)
EDITABLE = PLAIN_FIELDS + SECRET_FIELDS


def _today() -> date:
    return timezone.localdate()


def _require(actor, perm: str, org: Org) -> None:
    if actor is not None and not user_may_act_on_path(actor, perm, org.path):
        raise OutOfScope()


def _verify(actor, member_id: int, action: str) -> None:
    if actor is not None and not restrict(Member.objects.all(), actor, action).filter(pk=member_id).exists():
        raise OutOfScope()


def snapshot(member: Member) -> dict:
    """The member's facts for the audit trail: personal data only as masks (never in clear)."""
    data = {f: getattr(member, f) for f in PLAIN_FIELDS}
    data.update(org_id=member.org_id, status=member.status, is_lost_contact=member.is_lost_contact)
    masks = {"id_number": rules.mask_id_number, "phone": rules.mask_phone, "address": rules.mask_text}
    for field in SECRET_FIELDS:
        value = member.get_secret(field)
        data[field] = masks[field](value) if value else ""
    return data


def recount(org_ids) -> None:
    """Refresh the direct member counters of the given orgs from the roster: one UPDATE per 900 orgs, each
    counter a correlated COUNT over the org's members (an import touching a county's 1,300 branches ran
    1,300 UPDATEs before)."""
    org_ids = sorted({i for i in org_ids if i})
    members = Member.objects.filter(org_id=OuterRef("pk"), stage__in=MEMBER_STAGES).exclude(status=MemberStatus.EXITED)

    def counted(qs):
        return Coalesce(Subquery(qs.values("org_id").annotate(n=Count("id")).values("n")[:1]), 0)

    for start in range(0, len(org_ids), 900):
        Org.objects.filter(pk__in=org_ids[start : start + 900]).update(
            member_count=counted(members), full_member_count=counted(members.filter(stage=Stage.FULL))
        )
    stats_events.orgs_changed(org_ids)  # the statistics rollups of these orgs, after commit


def validate(data: dict, *, org: Org | None, exclude_pk: int | None = None) -> dict:
    """Normalise and check one member's facts; raises RuleViolation with the rule id and the field."""
    out = dict(data)
    out["name"] = (out.get("name") or "").strip()
    if org is not None:
        if org.is_dissolved:
            raise RuleViolation("REL-01", f"党组织「{org.name}」已撤销，不能编入党员", field="org")
        if org.kind == "local_committee":
            raise RuleViolation("REL-01", "党员应编入党支部或其他基层党组织，不能直接编入地方党委", field="org")
    number = out.get("id_number") or ""
    if number:
        try:
            number = rules.validate_id_number(number, today=_today())
        except ValueError as exc:
            raise RuleViolation("MEM-ID", str(exc), field="id_number") from exc
        out["id_number"] = number
        out["birth_date"] = out.get("birth_date") or rules.id_birth_date(number)
        out["sex"] = out.get("sex") or rules.id_sex(number)
    phone = out.get("phone") or ""
    if phone:
        try:
            out["phone"] = rules.normalize_phone(phone)
        except ValueError as exc:
            raise RuleViolation("MEM-DATA", str(exc), field="phone") from exc
    out["stage"] = out.get("stage") or Stage.FULL
    problems = rules.member_facts_problems(out, _today())
    if problems:
        field, rule_id, message = problems[0]
        raise RuleViolation(rule_id, message, field=field)
    if number:
        clash = (
            Member.objects.current()
            .with_id_number()
            .filter(id_number_index=id_number_index(number))
            .exclude(pk=exclude_pk)
        )
        if clash.exists():
            raise RuleViolation("MEM-ID", "该公民身份号码已在党员名册中", field="id_number")
    return out


def add_member(org: Org, *, actor, placed_on: date | None = None, **data) -> Member:
    """Put a person on the roster of `org` (a new record with its first placement)."""
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    _require(actor, "members.add_member", org)
    clean = validate(data, org=org)
    member = Member(org=org, name_initials=initials(clean["name"]))
    for key, value in clean.items():
        if key in SECRET_FIELDS:
            continue
        setattr(member, key, value)
    for field in SECRET_FIELDS:
        member.set_secret(field, clean.get(field) or "")
    with transaction.atomic():
        member.save(force_insert=True)
        Placement.objects.create(
            member=member, org=org, valid_from=placed_on or member.joined_on or _today(), reason="登记"
        )
        recount([org.pk])
        _verify(actor, member.pk, "add")
        audit.record("member.create", actor=actor, obj=member, org_path=org.path, after=snapshot(member))
    return member


def update_member(member: Member, *, actor, expected_version: int | None = None, **changes) -> Member:
    """Edit a member's facts (not the org: moving between orgs is a transfer)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    _require(actor, "members.change_member", member.org)
    if member.status == MemberStatus.EXITED:
        raise RuleViolation("MEM-STATUS", "已出党人员的记录不能修改")
    current = {f: getattr(member, f) for f in PLAIN_FIELDS}
    for field in SECRET_FIELDS:
        current[field] = member.get_secret(field)
    merged = {**current, **changes}
    clean = validate(merged, org=None, exclude_pk=member.pk)
    before = snapshot(member)
    version = expected_version if expected_version is not None else member.version
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.version != version:
            raise ConcurrentEdit()
        for key in PLAIN_FIELDS:
            setattr(locked, key, clean.get(key))
        changed_secrets = set()
        for field in SECRET_FIELDS:
            if field in changes and clean.get(field, "") != current[field]:
                locked.set_secret(field, clean.get(field) or "")
                changed_secrets.add(field)
        locked.name_initials = initials(locked.name)
        locked.version = version + 1
        locked.save()
        recount([locked.org_id])
        _verify(actor, locked.pk, "change")
        after = snapshot(locked)
        audit.record(
            "member.update",
            actor=actor,
            obj=locked,
            org_path=locked.org.path,
            before={k: v for k, v in before.items() if after[k] != v or k in changed_secrets},
            after={k: v for k, v in after.items() if before[k] != v or k in changed_secrets},
        )
    return locked


STATUS_CHANGE_KINDS = {
    MemberStatus.SUSPENDED: "停止党籍",
    MemberStatus.NORMAL: "恢复党籍",
    MemberStatus.EXITED: "出党",
}


def change_status(
    member: Member,
    target: str,
    *,
    actor,
    on: date,
    grounds: str,
    exit_kind: str = "",
    expected_version: int | None = None,
) -> StatusChange:
    """停止党籍, 恢复党籍 or 出党 (MEM-01…08) with its date and grounds."""
    _require(actor, "members.change_member", member.org)
    if target not in MemberStatus.values:
        raise RuleViolation("MEM-STATUS", f"党籍状态「{target}」无效")
    if not rules.allowed_status_change(member.status, target):
        if member.status == MemberStatus.EXITED:
            raise RuleViolation("MEM-08", "已出党人员原则上不恢复党籍，可重新申请入党")
        raise RuleViolation(
            "MEM-STATUS", f"不能从「{member.get_status_display()}」变更为「{MemberStatus(target).label}」"
        )
    if target == MemberStatus.EXITED and exit_kind not in ExitKind.values:
        raise RuleViolation("MEM-05", "请选择出党方式", field="exit_kind")
    if not grounds.strip():
        raise RuleViolation("MEM-STATUS", "请填写依据或原因", field="grounds")
    if on > _today():
        raise RuleViolation("MEM-DATA", "日期不能晚于今天", field="on")
    if member.joined_on and on < member.joined_on:
        raise RuleViolation("MEM-DATA", "日期不能早于加入党组织日期", field="on")
    version = expected_version if expected_version is not None else member.version
    rule_id = {"suspended": "MEM-06", "normal": "MEM-08"}.get(target, "MEM-05")
    with transaction.atomic():
        updated = Member.objects.filter(pk=member.pk, version=version).update(
            status=target,
            exit_kind=exit_kind if target == MemberStatus.EXITED else "",
            status_since=on,
            version=F("version") + 1,
        )
        if not updated:
            raise ConcurrentEdit()
        change = StatusChange.objects.create(
            member=member,
            kind=STATUS_CHANGE_KINDS[MemberStatus(target)] + (f"（{ExitKind(exit_kind).label}）" if exit_kind else ""),
            on=on,
            grounds=grounds.strip(),
            rule_id=rule_id,
            before={"status": member.status},
            after={"status": target, "exit_kind": exit_kind},
            recorded_by=actor if actor is not None else None,
        )
        if target == MemberStatus.EXITED:
            Placement.objects.filter(member=member, valid_to__isnull=True).update(valid_to=on)
            events.publish(events.MEMBER_LEFT, member_id=member.pk, how="exit")  # AC-03: the account goes
        recount([member.org_id])
        member.status, member.exit_kind, member.status_since, member.version = target, exit_kind, on, version + 1
        audit.record(
            "member.status",
            actor=actor,
            obj=member,
            org_path=member.org.path,
            before={"status": change.before["status"]},
            after={"status": target, "exit_kind": exit_kind, "on": on},
        )
    return change


def mark_lost_contact(member: Member, *, actor, on: date, reason: str, note: str = "") -> StatusChange:
    """Record that the branch lost contact with a member (MEM-13 reason code); deadlines follow MEM-06."""
    _require(actor, "members.change_member", member.org)
    if reason not in LostReason.values:
        raise RuleViolation("MEM-13", "请选择失联原因", field="reason")
    if on > _today():
        raise RuleViolation("MEM-DATA", "失联日期不能晚于今天", field="on")
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(
            is_lost_contact=True, lost_contact_on=on, lost_reason=reason, version=F("version") + 1
        )
        change = StatusChange.objects.create(
            member=member,
            kind="失去联系",
            on=on,
            grounds=f"{LostReason(reason).label}{('：' + note) if note else ''}",
            rule_id="MEM-13",
            after={"lost_reason": reason},
            recorded_by=actor,
        )
        audit.record(
            "member.lost_contact", actor=actor, obj=member, org_path=member.org.path, after={"on": on, "reason": reason}
        )
    return change


def restore_contact(member: Member, *, actor, on: date, note: str = "") -> StatusChange:
    _require(actor, "members.change_member", member.org)
    if not member.is_lost_contact:
        raise RuleViolation("MEM-13", "该党员未登记为失联党员")
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(
            is_lost_contact=False, lost_contact_on=None, lost_reason="", version=F("version") + 1
        )
        change = StatusChange.objects.create(
            member=member, kind="恢复联系", on=on, grounds=note, rule_id="MEM-13", recorded_by=actor
        )
        audit.record("member.contact_restored", actor=actor, obj=member, org_path=member.org.path, after={"on": on})
    return change


def may_reveal(member: Member) -> bool:
    """PRV-06: nobody unmasks the personal data of a member whose processing is restricted at their request."""
    from dangjian.security.privacy_actions import is_restricted

    return not is_restricted(member)


def reveal(member: Member, field: str, *, actor) -> str:
    """Show one personal-data field in clear to a role that may; every reveal is audited (PRV)."""
    if field not in SECRET_FIELDS:
        raise RuleViolation("PRV", "该字段不是受保护的个人信息")
    _require(actor, "members.unmask_member", member.org)
    if not may_reveal(member):
        raise RuleViolation("PRV-06", "该党员已申请限制处理本人个人信息，不能查看完整内容。")
    value = member.get_secret(field)
    with transaction.atomic():
        audit.record("member.reveal", actor=actor, obj=member, org_path=member.org.path, after={"field": field})
    return value


def record_read(member: Member, *, actor, part: str, session: str = "") -> bool:
    """PRV-08: who read this member's record, and when — one `member.view` event (the part read: the page, a tab,
    the API) per viewer, session and member within `MEMBER_READ_LOG_SECONDS`, so that a page and the tabs opened
    from it are one read. Remembered per process: with several workers a read may be logged once per worker.
    Fail closed like every audited action (AU-05): a read that cannot be logged is not served. Returns whether
    an event was written."""
    seconds = settings.MEMBER_READ_LOG_SECONDS
    key = f"member-read:{actor.pk}:{session}:{member.pk}"
    if seconds and cache.get(key):
        return False
    with transaction.atomic():
        audit.record(queries.READ_ACTION, actor=actor, obj=member, org_path=member.org.path, after={"part": part})
    if seconds:
        cache.set(key, True, seconds)
    return True


def reader_session(request) -> str:
    """What `record_read` counts as one viewer's session: the API token, or the browser session."""
    token = getattr(getattr(request, "auth", None), "pk", None)
    return f"token:{token}" if token is not None else (request.session.session_key or "")


def place(member: Member, to_org: Org, *, actor, on: date, reason: str) -> Member:
    """Move a member's placement to another org on `on` (used by accepted transfers); history kept."""
    if to_org.is_dissolved:
        raise RuleViolation("REL-01", f"党组织「{to_org.name}」已撤销", field="org")
    old_org_id = member.org_id
    with transaction.atomic():
        Placement.objects.filter(member=member, valid_to__isnull=True).update(valid_to=on)
        Placement.objects.create(member=member, org=to_org, valid_from=on, reason=reason)
        Member.objects.filter(pk=member.pk).update(org=to_org, version=F("version") + 1)
        member.org = to_org
        recount([old_org_id, to_org.pk])
        events.publish(events.MEMBER_PLACED, member_id=member.pk, from_org_id=old_org_id, to_org_id=to_org.pk)
        audit.record(
            "member.place",
            actor=actor,
            obj=member,
            org_path=to_org.path,
            before={"org_id": old_org_id},
            after={"org_id": to_org.pk, "on": on},
        )
    return member


def build_member(org: Org, facts: dict, *, cache: dict | None = None) -> Member:
    """An unsaved Member from clean facts (as `validate` or the importer return them), secrets encrypted.

    `cache` is any dict a bulk caller keeps across calls: the field layout with a new record's defaults and
    the pinyin initials of each distinct name are then worked out once, not per row."""
    cache = {} if cache is None else cache
    layout = cache.get("layout")
    if layout is None:
        fields = Member._meta.concrete_fields
        blank = Member()
        layout = cache["layout"] = (
            [getattr(blank, f.attname) for f in fields],  # defaults, in the constructor's positional order
            # fresh per row (the uid too, unless sealed ahead)
            [(i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default) and f.name != "uid"],
            {f.attname: i for i, f in enumerate(fields)},
        )
    defaults, fresh, position = layout
    values = defaults.copy()
    sealed = "uid" in facts  # importer.seal_new_rows gave uid, ciphertexts, blind index and initials ahead
    for i, f in fresh:
        values[i] = f.get_default()
    if not sealed:
        values[position["uid"]] = time_ordered_uuid()
    values[position["org_id"]] = org.pk
    for key in (*PLAIN_FIELDS, "status", "is_lost_contact", "lost_contact_on", "lost_reason"):
        value = facts.get(key)
        if value is not None:
            values[position[key]] = value
    if sealed:
        for key in SEALED_KEYS:
            values[position[key]] = facts[key]
    else:
        names = cache.setdefault("initials", {})
        name = facts["name"]
        if name not in names:
            names[name] = initials(name)
        values[position["name_initials"]] = names[name]
    member = Member(*values)
    Member.org.field.set_cached_value(member, org)
    if not sealed:
        cipher = cache.get("cipher")
        if cipher is None:
            cipher = cache["cipher"] = crypto.field_cipher()
        for field in SECRET_FIELDS:
            member.set_secret(field, facts.get(field) or "", cipher, facts.get("id_number_index", ""))
    return member


SEALED_KEYS = ("uid", "name_initials", "id_number_index", *(f"{f}_cipher" for f in SECRET_FIELDS))


def bulk_add_members(entries: list[tuple[Org, dict]], *, actor, batch_size: int = 2000, progress=None) -> list[Member]:
    """Put many people on the roster at once (imports, demo data): bulk inserts in the caller's transaction.

    `entries` are (org, clean facts) pairs that have already passed validation. Each member gets its
    first placement from its joining date; the org counters are recounted once at the end. The caller
    writes the audit event for the whole batch and checks scope before calling.
    """
    from dangjian.members.importer import insert_rows  # the bulk INSERT path shared with the import's items

    created: list[Member] = []
    cache: dict = {}
    today = _today()
    with transaction.atomic():
        for start in range(0, len(entries), batch_size):
            chunk = [build_member(org, facts, cache=cache) for org, facts in entries[start : start + batch_size]]
            insert_rows(Member, chunk, assign_pks=True)
            insert_rows(
                Placement,
                [
                    {"member_id": m.pk, "org_id": m.org_id, "valid_from": m.joined_on or today, "valid_to": None,
                     "reason": "登记"}
                    for m in chunk
                ],
            )  # fmt: skip
            created.extend(chunk)
            if progress is not None:
                progress(len(created))
        recount({org.pk for org, _ in entries})
    return created
