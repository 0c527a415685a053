"""组织关系转接 and 流动党员: rules, actions (lifecycle and refusals), the letter, pages and API."""

import json
import re
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.core.dates import add_months
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import letters, rules
from dangjian.members import transfer_actions as ta
from dangjian.members import transfer_queries as tq
from dangjian.members.models import Member, MobileRecord, Placement, StatusChange, Transfer, TransferStatus
from dangjian.orgs import actions as org_actions
from dangjian.orgs.models import Org

ID_PATTERN = re.compile(r"\d{17}[\dX]")


def today():
    return timezone.localdate()


@pytest.fixture
def secretary_of(orgs, personas):
    """A branch secretary (transfer, view and unmask permissions) on the given org."""

    def make(key, role="branch_secretary"):
        user, _ = account_actions.create_user(f"sec_{key}", actor=None, password="Secret#Sec2026x")
        account_actions.assign_role(user, Role.objects.get(code=role), orgs[key], actor=None)
        return user

    return make


def state():
    """Everything a refused action must leave untouched."""
    return (
        list(Transfer.objects.order_by("pk").values_list("pk", "serial", "status", "version")),
        list(Member.objects.order_by("pk").values_list("pk", "org_id", "status", "version", "is_mobile")),
        list(Placement.objects.order_by("pk").values_list("pk", "org_id", "valid_from", "valid_to")),
        list(Org.objects.order_by("pk").values_list("pk", "member_count")),
        MobileRecord.objects.count(),
        StatusChange.objects.count(),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


# ------------------------------------------------------------------------------------------ rules


@pytest.mark.parametrize(
    ("year", "seq", "expected"),
    [
        pytest.param(2026, 1, "2026-000001", id="REL-05-first"),
        pytest.param(2026, 123, "2026-000123", id="REL-05-padded"),
        pytest.param(2027, 999999, "2027-999999", id="REL-05-last"),
    ],
)
def test_letter_serial_format(year, seq, expected):
    assert rules.letter_serial(year, seq) == expected


@pytest.mark.parametrize(("year", "seq"), [(2026, 0), (2026, 10**6), (999, 1), (10000, 1)])
def test_letter_serial_bounds(year, seq):
    with pytest.raises(ValueError, match="介绍信"):
        rules.letter_serial(year, seq)


@pytest.mark.parametrize(
    ("issued", "months", "expires"),
    [
        pytest.param(date(2026, 3, 10), 3, date(2026, 6, 10), id="REL-06-three-months"),
        pytest.param(date(2026, 11, 30), 3, date(2027, 2, 28), id="REL-06-month-end-clamped"),
        pytest.param(date(2026, 1, 15), 6, date(2026, 7, 15), id="REL-06-six-months"),
    ],
)
def test_letter_validity(issued, months, expires):
    assert rules.letter_expires_on(issued, months) == expires
    assert not rules.transfer_overdue(issued, expires, months)
    assert rules.transfer_overdue(issued, expires + timedelta(days=1), months)


@pytest.mark.parametrize(
    ("issued", "joined", "problem"),
    [
        pytest.param(date(2026, 11, 1), date(2001, 7, 1), "", id="ok"),
        pytest.param(date(2026, 11, 27), None, "", id="today"),
        pytest.param(date(2026, 11, 28), None, "开具日期不能晚于今天", id="future"),
        pytest.param(
            date(2000, 1, 1),
            date(2001, 7, 1),
            "开具日期不能早于该党员加入党组织日期（2001-07-01）",
            id="before-joining",
        ),
        pytest.param(date(433, 5, 6), None, "开具日期不能早于1921年7月1日，请检查年份", id="year-433"),
        pytest.param(date(1921, 7, 1), None, "", id="founding-day"),
    ],
)
def test_letter_date_problem(issued, joined, problem):
    assert rules.letter_date_problem(issued, today=date(2026, 11, 27), joined_on=joined) == problem


def test_a_letter_dated_in_year_433_is_refused_with_the_rule_id(people, orgs):
    """Found by the API fuzz test: a four-digit-less year used to reach the serial number and answer 500."""
    with pytest.raises(RuleViolation) as refused:
        ta.start_transfer(people["wang"], actor=None, to_org=orgs["village3"], reason="x", issued_on=date(433, 5, 6))
    assert refused.value.rule_id == "REL-05"
    assert not Transfer.objects.exists()


def test_overdue_query_agrees_with_the_rule(people, orgs):
    issued = today() - timedelta(days=200)
    transfer = ta.start_transfer(people["wang"], actor=None, to_org=orgs["village3"], reason="x", issued_on=issued)
    for day in (transfer.valid_until, transfer.valid_until + timedelta(days=1)):
        in_query = tq.overdue(Transfer.objects.all(), day).filter(pk=transfer.pk).exists()
        assert in_query == rules.transfer_overdue(issued, day) == tq.is_overdue(transfer, day)


def test_due_cutoff_is_the_inverse_of_should_transfer():
    """REL-02: `since <= cutoff` exactly when should_transfer(since, today), month ends included."""
    start = date(2027, 1, 1)
    for offset in range(0, 800, 3):
        day = start + timedelta(days=offset)
        cutoff = tq.transfer_due_cutoff(day)
        assert rules.should_transfer(cutoff, day)
        assert not rules.should_transfer(cutoff + timedelta(days=1), day)
    assert tq.transfer_due_cutoff(date(2027, 2, 28)) == date(2026, 8, 31)


def test_serial_sequence_is_per_year(people, orgs):
    a = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village2"], reason="x")
    b = ta.start_transfer(people["wang"], actor=None, to_org=orgs["village"], reason="x")
    year = today().year
    assert (a.serial, b.serial) == (f"{year}-000001", f"{year}-000002")
    old = ta.start_transfer(
        people["zhao"], actor=None, to_org=orgs["village"], reason="x", issued_on=date(year - 1, 12, 31)
    )
    assert old.serial == f"{year - 1}-000001"
    assert ta.next_serial(year) == f"{year}-000003"
    assert ta.next_serial(year, "R") == f"R{year}-000001"


def test_serial_collision_is_retried(people, orgs, monkeypatch):
    first = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village2"], reason="x")
    real = ta.next_serial
    calls = []

    def racing(year, prefix=""):
        calls.append(year)
        return first.serial if len(calls) == 1 else real(year, prefix)  # another writer took it meanwhile

    monkeypatch.setattr(ta, "next_serial", racing)
    second = ta.start_transfer(people["wang"], actor=None, to_org=orgs["village"], reason="x")
    assert len(calls) == 2
    assert second.serial != first.serial


def test_pending_constraint_violation_becomes_a_rule_violation(people, orgs):
    pending = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village2"], reason="x")
    twin = Transfer(
        member=pending.member,
        from_org=pending.from_org,
        to_org=orgs["village3"],
        issued_on=today(),
        valid_until=today(),
    )
    with pytest.raises(RuleViolation) as caught:
        ta._insert(twin, today().year)
    assert caught.value.rule_id == "REL-04"
    with pytest.raises(IntegrityError):  # the database constraint itself is the last line
        Transfer.objects.create(
            serial="X1", member=pending.member, to_org=orgs["village3"], issued_on=today(), valid_until=today()
        )


def test_validity_is_configurable(people, orgs, settings):
    settings.TRANSFER_LETTER_VALIDITY_MONTHS = 1
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village2"], reason="x")
    assert transfer.valid_until == add_months(transfer.issued_on, 1)
    other = ta.start_transfer(people["wang"], actor=None, to_org=orgs["village"], reason="x", validity_months=6)
    assert other.valid_until == add_months(other.issued_on, 6)


# ------------------------------------------------------------------------------------------ actions


def test_start_then_accept_moves_the_placement_with_history(people, orgs, personas, secretary_of):
    zhang = people["zhang"]
    receiver = secretary_of("village3")
    transfer = ta.start_transfer(
        zhang,
        actor=personas["village_secretary"],
        to_org=orgs["village3"],
        reason="工作调动",
        dues_paid_until=date(2026, 5, 1),
    )
    assert transfer.status == TransferStatus.PENDING
    assert transfer.from_org == orgs["village"]
    assert transfer.valid_until == rules.letter_expires_on(transfer.issued_on)
    assert reload(zhang).org == orgs["village"]  # the sending org stays responsible until received (REL-04)

    on = today()
    accepted = ta.accept_transfer(transfer, actor=receiver, on=on, expected_version=transfer.version)
    assert accepted.status == TransferStatus.ACCEPTED
    assert accepted.decided_on == on
    assert accepted.decided_by == receiver
    assert accepted.version == transfer.version + 1
    zhang = reload(zhang)
    assert zhang.org == orgs["village3"]
    history = list(
        Placement.objects.filter(member=zhang).order_by("valid_from", "pk").values_list("org_id", "valid_to")
    )
    assert history == [(orgs["village"].pk, on), (orgs["village3"].pk, None)]
    assert reload(orgs["village"]).member_count == 1
    assert reload(orgs["village3"]).member_count == 2
    actions = list(
        AuditEvent.objects.filter(action__startswith="member.transfer").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["member.transfer.start", "member.transfer.accept"]


def test_start_then_return_keeps_the_member(people, orgs, personas, secretary_of):
    transfer = ta.start_transfer(
        people["zhang"], actor=personas["village_secretary"], to_org=orgs["village3"], reason="x"
    )
    receiver = secretary_of("village3")
    with pytest.raises(RuleViolation, match="理由"):
        ta.return_transfer(transfer, actor=receiver, reason="  ")
    returned = ta.return_transfer(transfer, actor=receiver, reason="该同志实际未到本村居住")
    assert returned.status == TransferStatus.RETURNED
    assert returned.decision_note == "该同志实际未到本村居住"
    assert reload(people["zhang"]).org == orgs["village"]
    assert Placement.objects.filter(member=people["zhang"], valid_to__isnull=True).count() == 1
    # a returned letter is done: a new one may be issued
    again = ta.start_transfer(people["zhang"], actor=personas["village_secretary"], to_org=orgs["village2"], reason="x")
    assert again.serial != transfer.serial


def test_cancel_by_the_sending_side_only(people, orgs, personas, secretary_of):
    transfer = ta.start_transfer(
        people["zhang"], actor=personas["village_secretary"], to_org=orgs["village3"], reason="x"
    )
    receiver = secretary_of("village3")
    before = state()
    with pytest.raises(OutOfScope):
        ta.cancel_transfer(transfer, actor=receiver)
    with pytest.raises(OutOfScope):
        ta.accept_transfer(transfer, actor=personas["village_secretary"])
    assert state() == before
    cancelled = ta.cancel_transfer(transfer, actor=personas["village_secretary"])
    assert cancelled.status == TransferStatus.CANCELLED
    with pytest.raises(RuleViolation, match="已撤回"):
        ta.accept_transfer(transfer, actor=receiver)


def test_stale_version_and_double_decision(people, orgs, secretary_of):
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    receiver = secretary_of("village3")
    before = state()
    with pytest.raises(ConcurrentEdit):
        ta.accept_transfer(transfer, actor=receiver, expected_version=transfer.version + 5)
    assert state() == before
    ta.accept_transfer(transfer, actor=receiver, expected_version=transfer.version)
    with pytest.raises(RuleViolation):
        ta.return_transfer(transfer, actor=receiver, reason="x", expected_version=transfer.version)


def test_acceptance_date_bounds(people, orgs):
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    before = state()
    with pytest.raises(RuleViolation, match="开具日期"):
        ta.accept_transfer(transfer, actor=None, on=transfer.issued_on - timedelta(days=1))
    with pytest.raises(RuleViolation, match="今天"):
        ta.accept_transfer(transfer, actor=None, on=today() + timedelta(days=1))
    assert state() == before


def test_superiors_of_both_sides_may_act(people, orgs, personas):
    """A committee over the receiving org accepts for it; the scope tuple shows it to both towns."""
    transfer = ta.start_transfer(people["wang"], actor=personas["town_secretary"], to_org=orgs["village"], reason="x")
    assert tq.visible_transfers(personas["town_secretary"]).filter(pk=transfer.pk).exists()
    ta.accept_transfer(transfer, actor=personas["town_secretary"])
    assert reload(people["wang"]).org == orgs["village"]


@pytest.mark.parametrize(
    ("case", "rule"),
    [
        pytest.param("dissolved", "REL-01", id="REL-01-dissolved-target"),
        pytest.param("exited", "REL-01", id="REL-01-exited-member"),
        pytest.param("second", "REL-04", id="REL-04-second-pending"),
        pytest.param("same", "REL-01", id="REL-01-same-org"),
        pytest.param("committee", "REL-01", id="REL-01-local-committee"),
        pytest.param("no_target", "REL-05", id="REL-05-no-target"),
        pytest.param("no_reason", "REL-02", id="REL-02-no-reason"),
        pytest.param("validity", "REL-06", id="REL-06-validity"),
    ],
)
def test_start_refusals_change_nothing(people, orgs, personas, case, rule):
    zhang = people["zhang"]
    kwargs = {"to_org": orgs["village3"], "reason": "工作调动"}
    if case == "dissolved":
        org_actions.dissolve_org(orgs["general_1"], actor=None, on=today(), reason="合并")
        kwargs["to_org"] = reload(orgs["general_1"])
    elif case == "exited":
        from dangjian.members import actions as member_actions

        member_actions.change_status(zhang, "exited", actor=None, on=today(), grounds="x", exit_kind="death")
        zhang = reload(zhang)
    elif case == "second":
        ta.start_transfer(zhang, actor=None, to_org=orgs["village2"], reason="x")
    elif case == "same":
        kwargs["to_org"] = orgs["village"]
    elif case == "committee":
        kwargs["to_org"] = orgs["county"]
    elif case == "no_target":
        kwargs["to_org"] = None
    elif case == "no_reason":
        kwargs["reason"] = " "
    elif case == "validity":
        kwargs["validity_months"] = 7
    before = state()
    with pytest.raises(RuleViolation) as caught:
        ta.start_transfer(zhang, actor=personas["village_secretary"], **kwargs)
    assert caught.value.rule_id == rule
    assert state() == before


def test_out_of_scope_actor_changes_nothing(people, orgs, personas, secretary_of):
    organizer = secretary_of("village", role="organizing_member")  # may edit members, not transfer them
    pending = ta.start_transfer(people["wang"], actor=None, to_org=orgs["village3"], reason="x")
    before = state()
    with pytest.raises(OutOfScope):
        ta.start_transfer(people["zhao"], actor=personas["village_secretary"], to_org=orgs["village"], reason="x")
    with pytest.raises(OutOfScope):
        ta.start_transfer(people["zhang"], actor=organizer, to_org=orgs["village2"], reason="x")
    for act in (ta.accept_transfer, ta.cancel_transfer):
        with pytest.raises(OutOfScope):
            act(pending, actor=personas["village_secretary"])
    with pytest.raises(OutOfScope):
        ta.return_transfer(pending, actor=personas["village_secretary"], reason="x")
    assert state() == before


def test_external_transfer_out_with_receipt(people, orgs, personas):
    zhang = people["zhang"]
    secretary = personas["village_secretary"]
    transfer = ta.start_transfer(
        zhang, actor=secretary, to_org_name="中共北京市海淀区某社区委员会", to_org_code="110108001", reason="随子女迁居"
    )
    assert transfer.to_org is None
    with pytest.raises(RuleViolation) as caught:
        ta.accept_transfer(transfer, actor=secretary)
    assert caught.value.rule_id == "REL-05"
    on = today()
    done = ta.confirm_external_receipt(transfer, actor=secretary, on=on)
    assert done.status == TransferStatus.ACCEPTED
    zhang = reload(zhang)
    assert zhang.status == "exited"
    assert zhang.exit_kind == ""
    assert ta.transferred_out(zhang)
    assert not Placement.objects.filter(member=zhang, valid_to__isnull=True).exists()
    assert Placement.objects.get(member=zhang).valid_to == on
    change = StatusChange.objects.get(member=zhang)
    assert change.kind == ta.EXTERNAL_OUT_KIND
    assert change.rule_id == "REL-04"
    assert reload(orgs["village"]).member_count == 1  # no longer counted on the roster
    assert zhang not in Member.objects.current()
    # the record is kept and still visible to the sending side
    assert tq.visible_transfers(secretary).filter(pk=transfer.pk).exists()
    with pytest.raises(RuleViolation):
        ta.start_transfer(zhang, actor=secretary, to_org=orgs["village2"], reason="x")


def test_external_return_is_recorded_by_the_sender(people, personas):
    secretary = personas["village_secretary"]
    transfer = ta.start_transfer(people["zhang"], actor=secretary, to_org_name="系统外某党委", reason="x")
    returned = ta.return_transfer(transfer, actor=secretary, reason="对方无此单位")
    assert returned.status == TransferStatus.RETURNED
    assert reload(people["zhang"]).status == "normal"


def test_external_transfer_in(orgs, personas):
    secretary = personas["village_secretary"]
    number = rules.synthetic_id_number("110108", date(1988, 6, 6), 21, "female")
    received = today() - timedelta(days=3)
    transfer = ta.receive_external_transfer(
        orgs["village"],
        actor=secretary,
        from_org_name="中共北京市海淀区某街道工委",
        letter_serial="京海2026-0088",
        received_on=received,
        name="孙小梅",
        id_number=number,
        stage="full",
        joined_on=date(2012, 7, 1),
        full_on=date(2013, 7, 1),
    )
    assert transfer.status == TransferStatus.ACCEPTED
    assert transfer.serial == f"R{received.year}-000001"
    assert transfer.from_org is None
    assert transfer.from_org_name == "中共北京市海淀区某街道工委"
    assert "京海2026-0088" in transfer.decision_note
    member = transfer.member
    assert member.org == orgs["village"]
    assert list(Placement.objects.filter(member=member).values_list("org_id", "valid_from", "valid_to")) == [
        (orgs["village"].pk, received, None)
    ]
    assert reload(orgs["village"]).member_count == 1
    assert AuditEvent.objects.filter(action="member.transfer.receive").exists()


def test_external_transfer_in_refusals_change_nothing(orgs, people, personas):
    before = state()
    with pytest.raises(RuleViolation):  # the ID number is already on the roster
        ta.receive_external_transfer(
            orgs["village"],
            actor=personas["village_secretary"],
            from_org_name="某党委",
            letter_serial="1",
            name="重复",
            id_number=people["wang"].get_secret("id_number"),
            joined_on=date(2000, 1, 1),
            full_on=date(2001, 1, 1),
        )
    with pytest.raises(OutOfScope):
        ta.receive_external_transfer(
            orgs["village3"], actor=personas["village_secretary"], from_org_name="某党委", letter_serial="1", name="x"
        )
    assert state() == before


def test_audit_events_hold_no_personal_data(people, orgs, personas):
    transfer = ta.start_transfer(
        people["zhang"], actor=personas["village_secretary"], to_org=orgs["village2"], reason="x"
    )
    ta.accept_transfer(transfer, actor=personas["town_secretary"])
    ta.record_outflow(people["wang"], actor=None, province="广东省", city="深圳市", place="某电子厂", since=today())
    secrets = [m.get_secret(f) for m in Member.objects.all() for f in ("id_number", "phone", "address")]
    for event in AuditEvent.objects.filter(action__startswith="member."):
        text = json.dumps([event.before, event.after, event.object_repr], ensure_ascii=False)
        assert not [s for s in secrets if s and s in text], event.action


# ------------------------------------------------------------------------------------------ mobile members


def test_outflow_and_end_keep_the_member_flags_consistent(people, personas):
    zhang = people["zhang"]
    since = today() - timedelta(days=30)
    record = ta.record_outflow(
        zhang,
        actor=personas["village_secretary"],
        province="广东省",
        city="深圳市",
        county="宝安区",
        place="某电子厂",
        reason="外出务工经商",
        contact_person="王德胜",
        certificate_number="LD-001",
        since=since,
    )
    zhang = reload(zhang)
    assert (zhang.is_mobile, zhang.mobile_destination, zhang.mobile_since) == (True, "广东省深圳市宝安区", since)
    before = state()
    with pytest.raises(RuleViolation, match="未结束"):
        ta.record_outflow(zhang, actor=None, province="浙江省", since=today())
    assert state() == before
    with pytest.raises(RuleViolation, match="早于"):
        ta.end_mobile(record, actor=None, until=since - timedelta(days=1))
    ta.end_mobile(record, actor=personas["village_secretary"], until=today())
    zhang = reload(zhang)
    assert (zhang.is_mobile, zhang.mobile_destination, zhang.mobile_since) == (False, "", None)
    assert reload(record).until == today()
    with pytest.raises(RuleViolation, match="已结束"):
        ta.end_mobile(record, actor=None, until=today())


def test_outflow_refusals(people, personas):
    before = state()
    with pytest.raises(RuleViolation) as caught:
        ta.record_outflow(people["zhang"], actor=None, since=today())
    assert caught.value.rule_id == "REL-08"
    with pytest.raises(OutOfScope):
        ta.record_outflow(people["zhao"], actor=personas["village_secretary"], province="广东省", since=today())
    assert state() == before


def test_inflow_is_recorded_by_the_host_and_seen_by_both_sides(people, personas, orgs, client_as):
    """REL-08 一方隶属、多重组织生活: 赵 of 河湾村 (西河镇) takes part in life at 杨庄村 (东山镇)."""
    from dangjian.core.scope import restrict

    zhao, town = people["zhao"], personas["town_secretary"]
    number = zhao.get_secret("id_number")
    assert tq.member_for_inflow(number, zhao.name) == zhao
    assert tq.member_for_inflow(number, "别人") is None  # the ID number alone reveals nothing
    record = ta.record_inflow(zhao, actor=town, host_org=orgs["village2"], reason="务工", since=today())
    assert (record.direction, record.host_org, record.place) == ("inflow", orgs["village2"], orgs["village2"].name)
    assert not reload(zhao).is_mobile  # the home side's 外出 flags are its own business
    visible = {
        name: restrict(MobileRecord.objects.all(), personas[name], tq.VIEW).filter(pk=record.pk).exists()
        for name in ("town_secretary", "county_admin", "village_secretary")
    }
    assert visible == {"town_secretary": True, "county_admin": True, "village_secretary": False}
    page = client_as("town_secretary").get(reverse("members:mobile_list"), {"tab": "in"}).content.decode()
    assert zhao.name in page
    assert orgs["village2"].name in page
    assert reverse("members:detail", args=[zhao.pk]) not in page  # no link into another township's roster
    before = state()
    with pytest.raises(RuleViolation, match="已有未结束的流入登记"):
        ta.record_inflow(zhao, actor=town, host_org=orgs["village2"], since=today())
    with pytest.raises(RuleViolation, match="无需登记流入"):
        ta.record_inflow(people["wang"], actor=town, host_org=orgs["village2"], since=today())
    with pytest.raises(RuleViolation, match="请选择流入的党组织"):
        ta.record_inflow(zhao, actor=town, host_org=None, since=today())
    with pytest.raises(OutOfScope):
        ta.record_inflow(zhao, actor=personas["village_secretary"], host_org=orgs["town2"], since=today())
    assert state() == before
    ta.end_mobile(record, actor=town, until=today())  # the host closes it
    assert reload(record).until == today()


def test_inflow_page_finds_the_member_by_name_and_id_number(people, orgs, client_as):
    zhao = people["zhao"]
    client = client_as("town_secretary")
    url = reverse("members:mobile_inflow")
    assert client.get(url).status_code == 200
    form = {"name": zhao.name, "id_number": zhao.get_secret("id_number"), "host_org": orgs["village2"].pk,
            "since": today().isoformat(), "certificate_number": "LD2026001"}  # fmt: skip
    wrong = client.post(url, {**form, "name": "别人"})
    assert wrong.status_code == 400
    assert "系统内没有姓名与公民身份号码都相符的党员" in wrong.content.decode()
    assert not MobileRecord.objects.exists()
    response = client.post(url, form)
    assert response.status_code == 302
    record = MobileRecord.objects.get()
    assert (record.member, record.host_org, record.certificate_number) == (zhao, orgs["village2"], "LD2026001")
    ended = client.post(reverse("members:mobile_end", args=[record.pk]), {"until": today().isoformat()})
    assert ended.status_code == 302
    assert ended["Location"].endswith("?tab=in")


def test_due_to_transfer_list(people, personas, client_as):
    long_ago = tq.transfer_due_cutoff(today())
    ta.record_outflow(people["zhang"], actor=None, province="广东省", since=long_ago)
    ta.record_outflow(people["wang"], actor=None, province="浙江省", since=long_ago + timedelta(days=1))
    ta.record_outflow(people["zhao"], actor=None, province="江苏省", since=long_ago - timedelta(days=100))
    assert set(tq.due_to_transfer(personas["village_secretary"], today())) == {people["zhang"]}
    assert set(tq.due_to_transfer(personas["county_admin"], today())) == {people["zhang"], people["zhao"]}
    html = client_as("village_secretary").get(reverse("members:mobile_list"), {"tab": "due"}).content.decode()
    assert "张三丰" in html
    assert "赵德胜" not in html
    county = client_as("county_admin").get(reverse("members:mobile_list"), {"tab": "due"}).content.decode()
    assert "赵德胜" in county
    assert "王建国" not in county


# ------------------------------------------------------------------------------------------ the letter


def test_letter_masks_the_id_number_without_unmask(people, orgs, personas):
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    number = people["zhang"].get_secret("id_number")
    masked = letters.letter_html(transfer, personas["town_secretary"])  # committee secretaries may not unmask
    assert number not in masked
    assert rules.mask_id_number(number) in masked
    assert not AuditEvent.objects.filter(action="member.reveal").exists()
    for text in ("中国共产党党员组织关系介绍信", "存根", "回执", transfer.serial, "张三丰", "正式党员", "有效期至"):
        assert text in masked
    clear = letters.letter_html(transfer, personas["village_secretary"])
    assert number in clear
    assert AuditEvent.objects.filter(action="member.reveal", object_id=str(people["zhang"].pk)).count() == 1


def test_letter_pdf_download(people, orgs, client_as):
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    response = client_as("town_secretary").get(reverse("members:transfer_letter", args=[transfer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 10_000
    assert transfer.serial in response["Content-Disposition"]


# ------------------------------------------------------------------------------------------ pages


def test_both_sides_see_the_transfer_and_a_third_branch_gets_404(people, orgs, personas, client, secretary_of):
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    url = reverse("members:transfer_detail", args=[transfer.pk])
    for user in (personas["village_secretary"], secretary_of("village3"), personas["town_secretary"]):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(secretary_of("organ_branch"))
    assert client.get(url).status_code == 404
    assert client.get(reverse("members:transfer_letter", args=[transfer.pk])).status_code == 404
    html = client.get(reverse("members:transfer_list"), {"box": "in"}).content.decode()
    assert transfer.serial not in html


def test_list_tabs(people, orgs, personas, client, secretary_of):
    out = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    inbound = ta.start_transfer(people["wang"], actor=None, to_org=orgs["village"], reason="x")
    client.force_login(personas["village_secretary"])

    def serials(**params):
        html = client.get(reverse("members:transfer_list"), params).content.decode()
        return set(re.findall(r"\d{4}-\d{6}", html))

    assert serials() == {out.serial}  # 转出 is the default tab
    assert serials(box="in") == {inbound.serial}
    assert serials(box="overdue") == set()
    assert serials(box="in", status="accepted") == set()
    assert serials(box="out", q="张三") == {out.serial}


def test_overdue_is_red_for_both_sides_and_their_superiors(people, orgs, client, personas, secretary_of):
    issued = today() - timedelta(days=120)
    late = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x", issued_on=issued)
    ta.start_transfer(people["wang"], actor=None, to_org=orgs["village3"], reason="x")  # still valid
    assert tq.is_overdue(late, today())
    for user in (
        personas["village_secretary"],
        secretary_of("village3"),
        personas["town_secretary"],
        personas["county_admin"],
    ):
        client.force_login(user)
        html = client.get(reverse("members:transfer_list"), {"box": "overdue"}).content.decode()
        assert set(re.findall(r"\d{4}-\d{6}", html)) == {late.serial}, user
        assert "table-danger" in html
        assert "已逾期" in html
        assert 'id="overdue-count">1<' in html
        detail = client.get(reverse("members:transfer_detail", args=[late.pk])).content.decode()
        assert "alert-danger" in detail
    client.force_login(secretary_of("organ_branch"))
    html = client.get(reverse("members:transfer_list"), {"box": "overdue"}).content.decode()
    assert late.serial not in html


def test_list_query_count_is_fixed(people, orgs, client_as):
    client = client_as("county_admin")
    ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    url = reverse("members:transfer_list")
    client.get(url, {"box": "out"})  # the first request after login writes the session (core/sessions.py)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"box": "out"})
    ta.start_transfer(people["wang"], actor=None, to_org_name="系统外某党委", reason="x")
    ta.start_transfer(people["zhao"], actor=None, to_org=orgs["organ_branch"], reason="x")
    with CaptureQueriesContext(connection) as more:
        html = client.get(url, {"box": "out"}).content.decode()
    assert html.count('href="/members/transfers/') >= 3
    assert len(more.captured_queries) == len(few.captured_queries)


def test_start_form_in_scope_by_code_and_external(people, orgs, client_as):
    client = client_as("village_secretary")
    zhang, li = people["zhang"], people["li"]
    page = client.get(reverse("members:detail", args=[zhang.pk])).content.decode()
    assert reverse("members:transfer_start", args=[zhang.pk]) in page
    assert "组织关系转接" in page
    assert "流动情况" in page
    base = {"reason": "工作调动", "issued_on": today().isoformat(), "validity_months": 3, "dues_paid_until": "2026-05"}
    # 河湾村 lies outside the secretary's scope: addressed by its organization code
    response = client.post(
        reverse("members:transfer_start", args=[zhang.pk]), {**base, "to_org_code": orgs["village3"].code}
    )
    transfer = Transfer.objects.get(member=zhang)
    assert response.status_code == 302
    assert response.url == reverse("members:transfer_detail", args=[transfer.pk])
    assert transfer.to_org == orgs["village3"]
    assert transfer.dues_paid_until == date(2026, 5, 1)
    response = client.post(
        reverse("members:transfer_start", args=[li.pk]),
        {**base, "to_org_name": "中共某市某区某街道工委", "to_org_code": "ZZ999"},
    )
    external = Transfer.objects.get(member=li)
    assert (external.to_org, external.to_org_name, external.to_org_code) == (None, "中共某市某区某街道工委", "ZZ999")
    # a second letter for the same member is refused with the Chinese message
    response = client.post(reverse("members:transfer_start", args=[zhang.pk]), {**base, "to_org_name": "某党委"})
    assert response.status_code == 400
    assert "待接收" in response.content.decode()


def test_start_form_refuses_a_dissolved_org_by_code(people, orgs, client_as):
    org_actions.dissolve_org(orgs["general_1"], actor=None, on=today(), reason="合并")
    client = client_as("village_secretary")
    before = state()
    response = client.post(
        reverse("members:transfer_start", args=[people["zhang"].pk]),
        {"to_org_code": orgs["general_1"].code, "reason": "x", "issued_on": today().isoformat(), "validity_months": 3},
    )
    assert response.status_code == 400
    assert "已撤销" in response.content.decode()
    assert state() == before


def test_accept_and_return_pages(people, orgs, client, secretary_of):
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    client.force_login(secretary_of("village3"))
    detail = client.get(reverse("members:transfer_detail", args=[transfer.pk])).content.decode()
    assert reverse("members:transfer_accept", args=[transfer.pk]) in detail
    assert reverse("members:transfer_cancel", args=[transfer.pk]) not in detail
    page = client.get(reverse("members:transfer_accept", args=[transfer.pk])).content.decode()
    assert "确认接收" in page
    response = client.post(
        reverse("members:transfer_accept", args=[transfer.pk]), {"on": today().isoformat(), "version": transfer.version}
    )
    assert response.status_code == 302
    assert reload(people["zhang"]).org == orgs["village3"]
    # a stale form is refused with a message, nothing changes
    other = ta.start_transfer(people["li"], actor=None, to_org=orgs["village3"], reason="x")
    response = client.post(
        reverse("members:transfer_return", args=[other.pk]), {"reason": "x", "version": other.version + 1}
    )
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    response = client.post(
        reverse("members:transfer_return", args=[other.pk]), {"reason": "不符合", "version": other.version}
    )
    assert response.status_code == 302
    assert reload(other).status == TransferStatus.RETURNED


def test_receipt_page_takes_the_member_off_the_roster(people, client_as):
    client = client_as("village_secretary")
    transfer = ta.start_transfer(people["zhang"], actor=None, to_org_name="系统外某党委", reason="x")
    assert client.get(reverse("members:transfer_accept", args=[transfer.pk])).status_code == 404
    response = client.post(
        reverse("members:transfer_receipt", args=[transfer.pk]),
        {"on": today().isoformat(), "version": transfer.version},
    )
    assert response.status_code == 302
    roster = client.get(reverse("members:list")).content.decode()
    assert "张三丰" not in roster
    assert "李秀英" in roster
    detail = client.get(reverse("members:detail", args=[people["zhang"].pk]))
    assert detail.status_code == 200  # still on record, off the roster
    tab = client.get(reverse("members:detail_tab", args=[people["zhang"].pk, "transfers"])).content.decode()
    assert "已转出至系统外" in tab
    assert client.get(reverse("members:transfer_letter", args=[transfer.pk])).status_code == 200


def test_receive_external_page(orgs, client_as):
    client = client_as("village_secretary")
    assert client.get(reverse("members:transfer_receive")).status_code == 200
    number = rules.synthetic_id_number("110108", date(1990, 1, 1), 31, "male")
    response = client.post(
        reverse("members:transfer_receive"),
        {
            "org": orgs["village"].pk,
            "name": "周新来",
            "id_number": number,
            "ethnicity": "汉族",
            "stage": "full",
            "joined_on": "2015-07-01",
            "full_on": "2016-07-01",
            "from_org_name": "中共某县某镇委员会",
            "letter_serial": "某2026-12",
            "received_on": today().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    transfer = Transfer.objects.get(member__name="周新来")
    assert transfer.status == TransferStatus.ACCEPTED
    assert transfer.serial.startswith("R")
    assert client.get(reverse("members:transfer_detail", args=[transfer.pk])).status_code == 200
    assert client.get(reverse("members:transfer_letter", args=[transfer.pk])).status_code == 404  # not our letter


def test_mobile_pages(people, client_as):
    client = client_as("village_secretary")
    zhang = people["zhang"]
    response = client.post(
        reverse("members:mobile_outflow", args=[zhang.pk]),
        {"province": "广东省", "city": "深圳市", "place": "某厂", "reason": "务工", "since": today().isoformat()},
    )
    assert response.status_code == 302
    record = MobileRecord.objects.get(member=zhang)
    html = client.get(reverse("members:mobile_list")).content.decode()
    assert "张三丰" in html
    assert "广东省深圳市" in html
    tab = client.get(reverse("members:detail_tab", args=[zhang.pk, "mobile"])).content.decode()
    assert reverse("members:mobile_end", args=[record.pk]) in tab
    response = client.post(reverse("members:mobile_end", args=[record.pk]), {"until": today().isoformat()})
    assert response.status_code == 302
    assert not reload(zhang).is_mobile
    ended = client.get(reverse("members:mobile_list"), {"tab": "ended"}).content.decode()
    assert "张三丰" in ended


def test_pages_fit_a_phone(people, orgs, client_as):
    """375 px: the lists scroll inside .table-responsive and hide secondary columns below md."""
    ta.start_transfer(people["zhang"], actor=None, to_org=orgs["village3"], reason="x")
    client = client_as("village_secretary")
    for url in (reverse("members:transfer_list"), reverse("members:mobile_list")):
        html = client.get(url).content.decode()
        assert "table-responsive" in html
        assert "d-none d-md-table-cell" in html


# ------------------------------------------------------------------------------------------ API


@pytest.fixture
def api_as(personas):
    def make(user_or_name):
        user = personas[user_or_name] if isinstance(user_or_name, str) else user_or_name
        _token, raw = account_actions.issue_token(user, name="test", actor=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def test_api_lifecycle(people, orgs, api_as, secretary_of):
    sender = api_as("village_secretary")
    response = sender.post(
        "/api/v1/transfers/",
        {"member": people["zhang"].pk, "to_org_code": orgs["village3"].code, "reason": "工作调动"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["to_org"] == orgs["village3"].pk
    assert body["status"] == "pending"
    assert body["overdue"] is False
    assert not ID_PATTERN.search(response.content.decode())
    pk = body["id"]
    assert sender.get("/api/v1/transfers/", {"box": "out"}).json()["count"] == 1
    assert sender.get("/api/v1/transfers/", {"box": "in"}).json()["count"] == 0
    # the sender may not accept; out of that side it is a 404
    assert sender.post(f"/api/v1/transfers/{pk}/accept/", {"version": 1}, format="json").status_code == 404
    receiver = api_as(secretary_of("village3"))
    assert receiver.get("/api/v1/transfers/", {"box": "in"}).json()["count"] == 1
    stale = receiver.post(f"/api/v1/transfers/{pk}/accept/", {"version": 9}, format="json")
    assert stale.status_code == 409
    accepted = receiver.post(f"/api/v1/transfers/{pk}/accept/", {"version": 1}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert reload(people["zhang"]).org == orgs["village3"]
    again = receiver.post(f"/api/v1/transfers/{pk}/return/", {"reason": "x", "version": 2}, format="json")
    assert again.status_code == 400
    assert again.json()["rule"] == "REL-04"


def test_api_return_cancel_receipt_and_refusals(people, orgs, api_as, nobody):
    client = api_as("village_secretary")
    r = client.post(
        "/api/v1/transfers/", {"member": people["li"].pk, "to_org_code": orgs["village2"].code}, format="json"
    )
    assert r.status_code == 400  # the reason is required
    r = client.post(
        "/api/v1/transfers/", {"member": people["li"].pk, "to_org": orgs["village3"].pk, "reason": "x"}, format="json"
    )
    assert r.status_code == 400  # an id must be in the caller's scope; other orgs go by code
    assert "to_org" in r.json()
    r = client.post(
        "/api/v1/transfers/", {"member": people["zhao"].pk, "to_org_name": "某党委", "reason": "x"}, format="json"
    )
    assert r.status_code == 400
    assert "member" in r.json()
    r = client.post(
        "/api/v1/transfers/",
        {"member": people["li"].pk, "to_org_code": orgs["village2"].code, "reason": "x"},
        format="json",
    )
    assert r.status_code == 201
    li_transfer = r.json()
    cancelled = client.post(f"/api/v1/transfers/{li_transfer['id']}/cancel/", {"version": 1}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    r = client.post(
        "/api/v1/transfers/",
        {"member": people["zhang"].pk, "to_org_name": "系统外某党委", "reason": "x"},
        format="json",
    )
    ext = r.json()
    r = client.post(f"/api/v1/transfers/{ext['id']}/receipt/", {"on": today().isoformat(), "version": 1}, format="json")
    assert r.status_code == 200
    assert reload(people["zhang"]).status == "exited"
    org_actions.dissolve_org(orgs["general_1"], actor=None, on=today(), reason="合并")
    r = client.post(
        "/api/v1/transfers/",
        {"member": people["li"].pk, "to_org_code": orgs["general_1"].code, "reason": "x"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["rule"] == "REL-01"
    outsider = api_as(nobody)
    assert outsider.get("/api/v1/transfers/").status_code == 403
    assert outsider.get("/api/v1/mobile-records/").status_code == 403
    assert api_as("county_admin").get(f"/api/v1/transfers/{ext['id']}/").status_code == 200
    assert api_as("town_secretary").get(f"/api/v1/transfers/{ext['id']}/").status_code == 200


def test_api_overdue_filter(people, orgs, api_as):
    late = ta.start_transfer(
        people["zhang"], actor=None, to_org=orgs["village3"], reason="x", issued_on=today() - timedelta(days=150)
    )
    body = api_as("town_secretary").get("/api/v1/transfers/", {"box": "overdue"}).json()
    assert [t["serial"] for t in body["results"]] == [late.serial]
    assert body["results"][0]["overdue"] is True


def test_api_mobile_records(people, api_as):
    client = api_as("village_secretary")
    since = tq.transfer_due_cutoff(today())
    r = client.post(
        "/api/v1/mobile-records/",
        {"member": people["zhang"].pk, "province": "广东省", "city": "深圳市", "since": since.isoformat()},
        format="json",
    )
    assert r.status_code == 201, r.json()
    record = r.json()
    assert record["direction"] == "outflow"
    assert record["should_transfer"] is True
    host = Org.objects.get(name="杨庄村党支部")
    r = client.post(
        "/api/v1/mobile-records/",
        {"member": people["li"].pk, "direction": "inflow", "host_org": host.pk, "since": today().isoformat()},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["host_org"] == host.pk
    assert {x["member_name"] for x in client.get("/api/v1/mobile-records/", {"state": "due"}).json()["results"]} == {
        "张三丰"
    }
    assert client.get("/api/v1/mobile-records/", {"direction": "inflow"}).json()["count"] == 1
    assert (
        client.post(
            "/api/v1/mobile-records/",
            {"member": people["zhao"].pk, "province": "x", "since": today().isoformat()},
            format="json",
        ).status_code
        == 400
    )
    ended = client.post(f"/api/v1/mobile-records/{record['id']}/end/", {"until": today().isoformat()}, format="json")
    assert ended.status_code == 200
    assert ended.json()["until"] == today().isoformat()
    assert not reload(people["zhang"]).is_mobile
    assert api_as("county_admin").get(f"/api/v1/mobile-records/{record['id']}/").status_code == 200
    other = api_as("town_secretary")
    assert other.get(f"/api/v1/mobile-records/{record['id']}/").status_code == 200


def test_transfer_todos(people, orgs, personas, secretary_of):
    late = ta.start_transfer(
        people["zhang"], actor=None, to_org=orgs["village3"], reason="x", issued_on=today() - timedelta(days=150)
    )
    ta.start_transfer(people["wang"], actor=None, to_org=orgs["village3"], reason="x")  # expires in ~3 months
    for user in (personas["village_secretary"], secretary_of("village3"), personas["county_admin"]):
        items = tq.transfer_todos(user, today(), 30)
        assert [(i.rule, i.overdue) for i in items] == [("REL-04", True)]
        assert items[0].url == reverse("members:transfer_detail", args=[late.pk])
    assert len(tq.transfer_todos(personas["county_admin"], today(), 120)) == 2
    assert tq.transfer_todos(secretary_of("organ_branch"), today(), 120) == []
