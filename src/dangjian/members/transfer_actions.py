"""组织关系转接 and 流动党员: every change to transfers and mobile records (rules.md §7, REL-01…11).

A transfer is an introduction letter from the sending org (`from_org`) to the receiving one (`to_org`), either
of which may lie outside this system (then only its name is known). The sending side issues, withdraws and,
for a letter to an org outside the system, records the receipt; the receiving side accepts or returns.
Both sides need ``members.transfer_member`` over their own org. Each action validates, writes in one
transaction (optimistic check on ``Transfer.version``), re-reads the result through the actor's restricted
queryset (rolling back when it left their scope), checks that no member was left without an org (REL-01)
and records an audit event with ids, codes and dates only (no personal data, no free text).

A letter to an org outside the system, once its receipt is recorded, takes the member off this system's
roster without a model change: the open placement is closed on the receipt date and the member's status
becomes ``exited`` with an empty ``exit_kind`` (出党 always has one), explained by a StatusChange "组织关系转出
（系统外）" (REL-04) and by the accepted Transfer itself. `transferred_out` tells the two apart.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dangjian.core import audit, events
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.members import actions as member_actions
from dangjian.members import rules
from dangjian.members.choices import MemberStatus
from dangjian.members.models import (
    Member,
    MobileDirection,
    MobileRecord,
    Placement,
    StatusChange,
    Transfer,
    TransferStatus,
)
from dangjian.orgs.models import Org

PERM = "members.transfer_member"
MAX_VALIDITY_MONTHS = 6  # REL-06 (P/U): some provinces allow up to six months across provinces
RECEIVED_PREFIX = "R"  # serials of letters received from outside the system: our own register, not theirs
SERIAL_ATTEMPTS = 5
EXTERNAL_OUT_KIND = "组织关系转出（系统外）"


def _today() -> date:
    return timezone.localdate()


def default_validity_months() -> int:
    """REL-06: the letter's validity in months; `settings.TRANSFER_LETTER_VALIDITY_MONTHS` overrides the default."""
    return int(getattr(settings, "TRANSFER_LETTER_VALIDITY_MONTHS", rules.LETTER_VALIDITY_MONTHS))


def transferred_out(member: Member) -> bool:
    """Whether an exited member left by a transfer to an org outside the system (not by 出党)."""
    return member.status == MemberStatus.EXITED and not member.exit_kind


# ------------------------------------------------------------------------------------------ helpers


def _require(actor, org: Org | None) -> None:
    if actor is not None and (org is None or not user_may_act_on_path(actor, PERM, org.path)):
        raise OutOfScope()


def _verify_transfer(actor, pk: int) -> None:
    if actor is not None and not restrict(Transfer.objects.all(), actor, PERM).filter(pk=pk).exists():
        raise OutOfScope()


def _verify_member(actor, pk: int) -> None:
    if actor is not None and not restrict(Member.objects.all(), actor, PERM).filter(pk=pk).exists():
        raise OutOfScope()


def _verify_record(actor, pk: int) -> None:
    if actor is not None and not restrict(MobileRecord.objects.all(), actor, PERM).filter(pk=pk).exists():
        raise OutOfScope()


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _assert_placed(member_id: int) -> None:
    """REL-01: after an in-system path the member has exactly one open placement, in the org it names."""
    open_orgs = list(
        Placement.objects.filter(member_id=member_id, valid_to__isnull=True).values_list("org_id", flat=True)
    )
    org_id = Member.objects.filter(pk=member_id).values_list("org_id", flat=True).get()
    if open_orgs != [org_id]:
        raise RuleViolation("REL-01", "办理后党员须编入且只编入一个党组织，操作未执行")


def _fresh(transfer: Transfer) -> Transfer:
    return Transfer.objects.select_related("member", "member__org", "from_org", "to_org").get(pk=transfer.pk)


def _check_pending(transfer: Transfer) -> None:
    if transfer.status != TransferStatus.PENDING:
        raise RuleViolation("REL-04", f"该介绍信{transfer.get_status_display()}，不能再办理")


def _check_day(on: date, transfer: Transfer, what: str) -> None:
    if on > _today():
        raise RuleViolation("MEM-DATA", f"{what}不能晚于今天", field="on")
    if on < transfer.issued_on:
        raise RuleViolation("REL-04", f"{what}不能早于介绍信开具日期", field="on")


def _check_placement_start(member: Member, on: date) -> None:
    start = Placement.objects.filter(member=member, valid_to__isnull=True).values_list("valid_from", flat=True).first()
    if start is not None and on < start:
        raise RuleViolation("REL-01", f"办理日期不能早于党员编入现党组织的日期（{start:%Y年%m月%d日}）", field="on")


def _decide(transfer: Transfer, expected_version: int | None, actor, **changes) -> None:
    """Write a decision on a pending transfer, or fail if it changed since it was read."""
    version = expected_version if expected_version is not None else transfer.version
    updated = Transfer.objects.filter(pk=transfer.pk, version=version, status=TransferStatus.PENDING).update(
        decided_by=_user(actor), version=F("version") + 1, **changes
    )
    if not updated:
        current = Transfer.objects.filter(pk=transfer.pk).values_list("status", flat=True).first()
        if current != TransferStatus.PENDING:
            raise RuleViolation("REL-04", "该介绍信已办理，不能重复办理")
        raise ConcurrentEdit()


def snapshot(transfer: Transfer) -> dict:
    """The transfer's facts for the audit trail: ids, codes and dates (no names of people, no free text)."""
    return {
        "serial": transfer.serial,
        "member_id": transfer.member_id,
        "from_org_id": transfer.from_org_id,
        "from_org_name": transfer.from_org_name,
        "to_org_id": transfer.to_org_id,
        "to_org_name": transfer.to_org_name,
        "to_org_code": transfer.to_org_code,
        "issued_on": transfer.issued_on,
        "valid_until": transfer.valid_until,
        "dues_paid_until": transfer.dues_paid_until,
        "status": transfer.status,
        "decided_on": transfer.decided_on,
    }


def next_serial(year: int, prefix: str = "") -> str:
    """REL-05: the next letter number of `year` (max + 1: call inside the transaction that inserts it)."""
    head = f"{prefix}{year}-"
    last = Transfer.objects.filter(serial__startswith=head).order_by("-serial").values_list("serial", flat=True).first()
    seq = int(last[len(head) :]) + 1 if last else 1
    return prefix + rules.letter_serial(year, seq)


def _insert(transfer: Transfer, year: int, prefix: str = "") -> None:
    """Insert with the next serial; a concurrent insert of the same serial is retried with the next one,
    a second pending letter for the member (the partial unique constraint) becomes a RuleViolation."""
    for attempt in range(SERIAL_ATTEMPTS):
        transfer.serial = next_serial(year, prefix)
        try:
            with transaction.atomic():
                transfer.save(force_insert=True)
        except IntegrityError:
            transfer.pk = None
            if (
                transfer.status == TransferStatus.PENDING
                and Transfer.objects.filter(member_id=transfer.member_id, status=TransferStatus.PENDING).exists()
            ):
                raise _second_pending() from None
            if attempt == SERIAL_ATTEMPTS - 1:
                raise
        else:
            return


def _second_pending() -> RuleViolation:
    return RuleViolation("REL-04", "该党员已有一份待接收的组织关系介绍信，请办结或撤回后再开具")


# ------------------------------------------------------------------------------------------ transfers


def start_transfer(
    member: Member,
    *,
    actor,
    to_org: Org | None = None,
    to_org_name: str = "",
    to_org_code: str = "",
    reason: str,
    issued_on: date | None = None,
    validity_months: int | None = None,
    dues_paid_until: date | None = None,
) -> Transfer:
    """REL-02…06: the sending side issues a 党员组织关系介绍信 to an org inside the system or outside it."""
    member = Member.objects.select_related("org").get(pk=member.pk)
    _require(actor, member.org)
    if member.status == MemberStatus.EXITED:
        raise RuleViolation("REL-01", "已不在党员名册中的人员不能转接组织关系")
    if not member.is_member:
        raise RuleViolation("REL-05", "只有正式党员和预备党员才能开具党员组织关系介绍信")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("REL-02", "请填写转接原因", field="reason")
    issued_on = issued_on or _today()
    problem = rules.letter_date_problem(issued_on, today=_today(), joined_on=member.joined_on)
    if problem:
        raise RuleViolation("REL-05", problem, field="issued_on")
    months = validity_months or default_validity_months()
    if not 1 <= months <= MAX_VALIDITY_MONTHS:
        raise RuleViolation("REL-06", f"介绍信有效期应为1至{MAX_VALIDITY_MONTHS}个月", field="validity_months")
    to_org_name, to_org_code = (to_org_name or "").strip(), (to_org_code or "").strip()
    if to_org is not None:
        to_org = Org.objects.get(pk=to_org.pk)
        if to_org.is_dissolved:
            raise RuleViolation("REL-01", f"接收党组织「{to_org.name}」已撤销，不能转入", field="to_org")
        if to_org.kind == "local_committee":
            raise RuleViolation("REL-01", "党员应编入党支部或其他基层党组织，不能直接转入地方党委", field="to_org")
        if to_org.pk == member.org_id:
            raise RuleViolation("REL-01", "接收党组织与党员现所在党组织相同", field="to_org")
        to_org_name = to_org_code = ""
    elif not to_org_name:
        raise RuleViolation("REL-05", "请选择接收党组织，或填写系统外接收党组织的名称", field="to_org_name")
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.status == MemberStatus.EXITED or locked.org_id != member.org_id:
            raise ConcurrentEdit()
        if Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
            raise _second_pending()
        transfer = Transfer(
            member=member,
            from_org=member.org,
            to_org=to_org,
            to_org_name=to_org_name,
            to_org_code=to_org_code,
            reason=reason,
            issued_on=issued_on,
            valid_until=rules.letter_expires_on(issued_on, months),
            dues_paid_until=dues_paid_until,
            created_by=_user(actor),
        )
        _insert(transfer, issued_on.year)
        _assert_placed(member.pk)
        _verify_transfer(actor, transfer.pk)
        audit.record(
            "member.transfer.start", actor=actor, obj=transfer, org_path=member.org.path, after=snapshot(transfer)
        )
    return transfer


def accept_transfer(
    transfer: Transfer, *, actor, on: date | None = None, expected_version: int | None = None
) -> Transfer:
    """REL-04: the receiving side accepts; the member's placement moves on `on`, the history keeps both orgs."""
    transfer = _fresh(transfer)
    if transfer.to_org is None:
        raise RuleViolation("REL-05", "转往系统外的介绍信，请由转出党组织登记回执")
    _require(actor, transfer.to_org)
    _check_pending(transfer)
    on = on or _today()
    _check_day(on, transfer, "接收日期")
    member = transfer.member
    if member.status == MemberStatus.EXITED:
        raise RuleViolation("REL-01", "该人员已不在党员名册中，不能接收")
    if member.org_id != transfer.from_org_id:
        raise RuleViolation("REL-01", "党员所在党组织已变化，请转出党组织撤回后重新开具介绍信")
    if transfer.to_org.is_dissolved:
        raise RuleViolation("REL-01", f"接收党组织「{transfer.to_org.name}」已撤销，不能接收")
    _check_placement_start(member, on)
    with transaction.atomic():
        _decide(transfer, expected_version, actor, status=TransferStatus.ACCEPTED, decided_on=on)
        member_actions.place(
            member, transfer.to_org, actor=actor, on=on, reason=f"组织关系转入（介绍信{transfer.serial}）"
        )
        _assert_placed(member.pk)
        _verify_transfer(actor, transfer.pk)
        _verify_member(actor, member.pk)
        transfer.refresh_from_db()
        audit.record(
            "member.transfer.accept",
            actor=actor,
            obj=transfer,
            org_path=transfer.to_org.path,
            before={"status": TransferStatus.PENDING, "member_org_id": transfer.from_org_id},
            after=snapshot(transfer),
        )
    return transfer


def return_transfer(transfer: Transfer, *, actor, reason: str, expected_version: int | None = None) -> Transfer:
    """REL-04: the receiving side returns the letter with its reason; the member stays where they are.

    For a letter to an org outside the system the sending side records that it came back."""
    transfer = _fresh(transfer)
    _require(actor, transfer.to_org or transfer.from_org)
    _check_pending(transfer)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("REL-04", "退回介绍信须说明理由（不得无故拒收）", field="reason")
    with transaction.atomic():
        _decide(
            transfer, expected_version, actor, status=TransferStatus.RETURNED, decided_on=_today(), decision_note=reason
        )
        _assert_placed(transfer.member_id)
        _verify_transfer(actor, transfer.pk)
        transfer.refresh_from_db()
        audit.record(
            "member.transfer.return",
            actor=actor,
            obj=transfer,
            org_path=(transfer.to_org or transfer.from_org).path,
            before={"status": TransferStatus.PENDING},
            after=snapshot(transfer),
        )
    return transfer


def cancel_transfer(transfer: Transfer, *, actor, expected_version: int | None = None) -> Transfer:
    """The sending side withdraws a letter that has not been received."""
    transfer = _fresh(transfer)
    _require(actor, transfer.from_org)
    _check_pending(transfer)
    with transaction.atomic():
        _decide(transfer, expected_version, actor, status=TransferStatus.CANCELLED, decided_on=_today())
        _assert_placed(transfer.member_id)
        _verify_transfer(actor, transfer.pk)
        transfer.refresh_from_db()
        audit.record(
            "member.transfer.cancel",
            actor=actor,
            obj=transfer,
            org_path=transfer.from_org.path,
            before={"status": TransferStatus.PENDING},
            after=snapshot(transfer),
        )
    return transfer


def confirm_external_receipt(transfer: Transfer, *, actor, on: date, expected_version: int | None = None) -> Transfer:
    """REL-04 / REL-05: the receipt (回执) of a letter to an org outside the system came back.

    The transfer is accepted; the member's open placement closes on `on` and the member leaves this system's
    roster (status ``exited`` without an exit kind: not 出党; see the module docstring)."""
    transfer = _fresh(transfer)
    if transfer.to_org is not None or transfer.from_org is None:
        raise RuleViolation("REL-05", "只有转往系统外的介绍信才由转出党组织登记回执")
    _require(actor, transfer.from_org)
    _check_pending(transfer)
    _check_day(on, transfer, "回执日期")
    member = transfer.member
    if member.status == MemberStatus.EXITED:
        raise RuleViolation("REL-01", "该人员已不在党员名册中")
    if member.org_id != transfer.from_org_id:
        raise RuleViolation("REL-01", "党员所在党组织已变化，请撤回后重新开具介绍信")
    _check_placement_start(member, on)
    with transaction.atomic():
        _decide(transfer, expected_version, actor, status=TransferStatus.ACCEPTED, decided_on=on)
        updated = (
            Member.objects.filter(pk=member.pk, org_id=transfer.from_org_id)
            .exclude(status=MemberStatus.EXITED)
            .update(status=MemberStatus.EXITED, exit_kind="", status_since=on, version=F("version") + 1)
        )
        if not updated:
            raise ConcurrentEdit()
        closed = Placement.objects.filter(member=member, valid_to__isnull=True).update(valid_to=on)
        if closed != 1:
            raise RuleViolation("REL-01", "党员的组织关系记录不完整，操作未执行")
        StatusChange.objects.create(
            member=member,
            kind=EXTERNAL_OUT_KIND,
            on=on,
            grounds=f"介绍信{transfer.serial}，转往{transfer.to_org_name}，回执已收到",
            rule_id="REL-04",
            before={"status": member.status},
            after={"status": MemberStatus.EXITED, "transfer": transfer.serial},
            recorded_by=_user(actor),
        )
        member_actions.recount([transfer.from_org_id])
        events.publish(events.MEMBER_LEFT, member_id=member.pk, how="transfer_out")  # AC-03: the account goes
        _verify_transfer(actor, transfer.pk)
        transfer.refresh_from_db()
        audit.record(
            "member.transfer.receipt",
            actor=actor,
            obj=transfer,
            org_path=transfer.from_org.path,
            before={"status": TransferStatus.PENDING, "member_status": member.status},
            after={**snapshot(transfer), "member_status": MemberStatus.EXITED},
        )
    return transfer


def receive_external_transfer(
    to_org: Org,
    *,
    actor,
    from_org_name: str,
    letter_serial: str,
    received_on: date | None = None,
    issued_on: date | None = None,
    reason: str = "",
    **member_data,
) -> Transfer:
    """REL-03 / REL-04: a member arrives with a paper letter from an org outside the system.

    The person is put on the roster of `to_org` (``add_member``, which checks its own permission and the
    member's facts) and an accepted Transfer records where they came from. The paper letter's number goes
    into the note; the serial is this system's own register number ("R2026-000001")."""
    to_org = Org.objects.get(pk=to_org.pk)
    _require(actor, to_org)
    from_org_name, letter_serial = (from_org_name or "").strip(), (letter_serial or "").strip()
    if not from_org_name:
        raise RuleViolation("REL-05", "请填写转出党组织名称", field="from_org_name")
    if not letter_serial:
        raise RuleViolation("REL-05", "请填写介绍信编号", field="letter_serial")
    received_on = received_on or _today()
    if received_on > _today():
        raise RuleViolation("MEM-DATA", "接收日期不能晚于今天", field="received_on")
    issued_on = issued_on or received_on
    if issued_on > received_on:
        raise RuleViolation("REL-04", "介绍信开具日期不能晚于接收日期", field="issued_on")
    problem = rules.letter_date_problem(issued_on, today=received_on)
    if problem:
        raise RuleViolation("REL-05", problem, field="issued_on")
    if to_org.is_dissolved:
        raise RuleViolation("REL-01", f"接收党组织「{to_org.name}」已撤销", field="org")
    with transaction.atomic():
        member = member_actions.add_member(to_org, actor=actor, placed_on=received_on, **member_data)
        if not member.is_member:
            raise RuleViolation("REL-05", "党员组织关系介绍信只用于正式党员和预备党员", field="stage")
        transfer = Transfer(
            member=member,
            from_org_name=from_org_name[:128],
            to_org=to_org,
            reason=(reason or "").strip()[:128],
            issued_on=issued_on,
            valid_until=rules.letter_expires_on(issued_on, default_validity_months()),
            status=TransferStatus.ACCEPTED,
            decided_on=received_on,
            decision_note=f"原介绍信编号：{letter_serial}"[:255],
            created_by=_user(actor),
            decided_by=_user(actor),
        )
        _insert(transfer, received_on.year, prefix=RECEIVED_PREFIX)
        _assert_placed(member.pk)
        _verify_transfer(actor, transfer.pk)
        audit.record(
            "member.transfer.receive", actor=actor, obj=transfer, org_path=to_org.path, after=snapshot(transfer)
        )
    return transfer


# ------------------------------------------------------------------------------------------ mobile members

MOBILE_FIELDS = ("province", "city", "county", "place", "reason", "contact_person", "certificate_number")


def _clean_mobile(fields: dict) -> dict:
    out = {k: (fields.get(k) or "").strip() for k in MOBILE_FIELDS}
    for key in MOBILE_FIELDS:
        limit = MobileRecord._meta.get_field(key).max_length
        if len(out[key]) > limit:
            raise RuleViolation(
                "MEM-DATA", f"{MobileRecord._meta.get_field(key).verbose_name}不能超过{limit}个字", field=key
            )
    if not (out["province"] or out["city"] or out["county"] or out["place"]):
        raise RuleViolation("REL-08", "请填写外出流向（省、市、县或单位地点）", field="province")
    return out


def _check_mobile_member(member: Member, since: date) -> None:
    if member.status == MemberStatus.EXITED:
        raise RuleViolation("REL-08", "已不在党员名册中的人员不能登记为流动党员")
    if since > _today():
        raise RuleViolation("MEM-DATA", "日期不能晚于今天", field="since")


def _destination(record: MobileRecord) -> str:
    return (record.destination or record.place)[:128]


def record_outflow(member: Member, *, actor, since: date, **fields) -> MobileRecord:
    """REL-08…11: a member away from their org without transferring (流出); sets the member's mobile flags."""
    unknown = set(fields) - set(MOBILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown mobile record fields: {sorted(unknown)}")
    member = Member.objects.select_related("org").get(pk=member.pk)
    _require(actor, member.org)
    _check_mobile_member(member, since)
    clean = _clean_mobile(fields)
    with transaction.atomic():
        if MobileRecord.objects.filter(member=member, direction=MobileDirection.OUTFLOW, until__isnull=True).exists():
            raise RuleViolation("REL-08", "该党员已有未结束的外出登记，请先登记返回", field="since")
        record = MobileRecord.objects.create(
            member=member, direction=MobileDirection.OUTFLOW, since=since, created_by=_user(actor), **clean
        )
        Member.objects.filter(pk=member.pk).update(
            is_mobile=True, mobile_destination=_destination(record), mobile_since=since, version=F("version") + 1
        )
        _verify_record(actor, record.pk)
        audit.record(
            "member.mobile.outflow",
            actor=actor,
            obj=record,
            object_repr=f"{member.name} 流出",
            org_path=member.org.path,
            after={"member_id": member.pk, "since": since, "province": clean["province"], "city": clean["city"]},
        )
    return record


def record_inflow(member: Member, *, actor, host_org: Org | None, since: date, **fields) -> MobileRecord:
    """REL-08 / REL-11 (一方隶属、多重组织生活): a member of an org in this system taking part in organizational
    life at `host_org` without transferring (流入). Either side may record it (the host usually does, on the
    member's 流动党员活动证); the record is seen by both. It does not touch the member's mobile flags, which
    describe the home side's 外出 registration."""
    unknown = set(fields) - set(MOBILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown mobile record fields: {sorted(unknown)}")
    member = Member.objects.select_related("org").get(pk=member.pk)
    if host_org is None:
        raise RuleViolation("REL-08", "请选择流入的党组织（该党员在哪个党组织参加组织生活）", field="host_org")
    if actor is not None and not any(
        user_may_act_on_path(actor, PERM, org.path) for org in (host_org, member.org) if org is not None
    ):
        raise OutOfScope()
    if host_org.is_dissolved:
        raise RuleViolation("REL-01", f"党组织「{host_org.name}」已撤销", field="host_org")
    if host_org.pk == member.org_id:
        raise RuleViolation("REL-08", "流入党组织就是该党员的所在党组织，无需登记流入", field="host_org")
    _check_mobile_member(member, since)
    if not (fields.get("place") or "").strip():
        fields["place"] = host_org.name[:128]
    clean = _clean_mobile(fields)
    with transaction.atomic():
        open_here = MobileRecord.objects.filter(
            member=member, direction=MobileDirection.INFLOW, host_org=host_org, until__isnull=True
        )
        if open_here.exists():
            raise RuleViolation("REL-08", f"该党员在「{host_org.name}」已有未结束的流入登记", field="host_org")
        record = MobileRecord.objects.create(
            member=member,
            direction=MobileDirection.INFLOW,
            host_org=host_org,
            since=since,
            created_by=_user(actor),
            **clean,
        )
        _verify_record(actor, record.pk)
        audit.record(
            "member.mobile.inflow",
            actor=actor,
            obj=record,
            object_repr=f"{member.name} 流入 {host_org.name}",
            org_path=host_org.path,
            after={"member_id": member.pk, "host_org_id": host_org.pk, "since": since},
        )
    return record


def end_mobile(record: MobileRecord, *, actor, until: date) -> MobileRecord:
    """The member came back (or the stay ended): close the record; the member's mobile flags follow the
    remaining open outflow record, or are cleared when there is none."""
    record = MobileRecord.objects.select_related("member", "member__org", "host_org").get(pk=record.pk)
    member = record.member
    if record.host_org_id is not None and actor is not None:
        if not any(user_may_act_on_path(actor, PERM, o.path) for o in (record.host_org, member.org)):
            raise OutOfScope()
    else:
        _require(actor, member.org)
    if record.until is not None:
        raise RuleViolation("REL-08", "该流动登记已结束")
    if until < record.since:
        raise RuleViolation("MEM-DATA", "结束日期不能早于开始日期", field="until")
    if until > _today():
        raise RuleViolation("MEM-DATA", "结束日期不能晚于今天", field="until")
    with transaction.atomic():
        if not MobileRecord.objects.filter(pk=record.pk, until__isnull=True).update(until=until):
            raise ConcurrentEdit()
        if record.direction == MobileDirection.OUTFLOW:
            other = (
                MobileRecord.objects.filter(member=member, direction=MobileDirection.OUTFLOW, until__isnull=True)
                .order_by("-since", "-pk")
                .first()
            )
            flags = (
                {"is_mobile": True, "mobile_destination": _destination(other), "mobile_since": other.since}
                if other is not None
                else {"is_mobile": False, "mobile_destination": "", "mobile_since": None}
            )
            Member.objects.filter(pk=member.pk).update(version=F("version") + 1, **flags)
        record.until = until
        _verify_record(actor, record.pk)
        audit.record(
            "member.mobile.end",
            actor=actor,
            obj=record,
            object_repr=f"{member.name} {record.get_direction_display()}",
            org_path=member.org.path,
            after={"member_id": member.pk, "direction": record.direction, "until": until},
        )
    return record
