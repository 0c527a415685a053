"""Roster actions: validation with rule ids, encryption at rest, counters, status changes, audit."""

from datetime import date

import pytest

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import actions, rules
from dangjian.members.models import Member, StatusChange
from dangjian.orgs.models import Org


def test_personal_data_is_encrypted_and_indexed(people):
    zhang = Member.objects.get(pk=people["zhang"].pk)
    number = zhang.get_secret("id_number")
    assert rules.validate_id_number(number) == number
    assert number not in zhang.id_number_cipher
    assert zhang.id_number_cipher.startswith("sm4gcm:k1:")
    assert zhang.get_secret("phone") == "13800000011"
    assert len(zhang.id_number_index) == 64


def test_ciphertext_cannot_be_moved_between_rows(people):
    from dangjian.core.crypto import CryptoError

    zhang, zhao = people["zhang"], people["zhao"]
    Member.objects.filter(pk=zhao.pk).update(id_number_cipher=zhang.id_number_cipher)
    with pytest.raises(CryptoError):
        Member.objects.get(pk=zhao.pk).get_secret("id_number")


def test_the_audit_trail_never_holds_personal_data_in_clear(people):
    number = people["zhang"].get_secret("id_number")
    for event in AuditEvent.objects.all():
        text = f"{event.before}{event.after}{event.object_repr}"
        assert number not in text
        assert "13800000011" not in text


def test_counters_follow_the_roster(people, orgs):
    village = Org.objects.get(pk=orgs["village"].pk)
    assert (village.member_count, village.full_member_count) == (2, 1)
    actions.change_status(people["zhang"], "exited", actor=None, on=date(2026, 1, 5), grounds="病故", exit_kind="death")
    village.refresh_from_db()
    assert (village.member_count, village.full_member_count) == (1, 0)


@pytest.mark.parametrize(
    ("case", "changes", "rule", "field"),
    [
        ("MEM-ID bad check digit", {"id_number": "371302197003050010"}, "MEM-ID", "id_number"),
        ("MEM-ID birth date disagrees", {"birth_date": date(1971, 3, 5)}, "MEM-ID", "id_number"),
        ("MEM-AGE joined before 18", {"joined_on": date(1987, 1, 1)}, "MEM-AGE", "joined_on"),
        ("MEM-09 member without join date", {"joined_on": None}, "MEM-09", "joined_on"),
        ("MEM-10 full member without conversion", {"full_on": None}, "MEM-10", "full_on"),
        ("MEM-10 conversion before joining", {"full_on": date(1994, 1, 1)}, "MEM-10", "full_on"),
        ("MEM-DATA bad phone", {"phone": "12345"}, "MEM-DATA", "phone"),
        ("REL-08 mobile without destination", {"is_mobile": True}, "REL-08", "mobile_destination"),
    ],
)
def test_bad_facts_are_refused_with_the_rule(orgs, case, changes, rule, field):
    birth = date(1970, 3, 5)
    data = {
        "name": "测试人",
        "id_number": rules.synthetic_id_number("371302", birth, 20, "male"),
        "sex": "male",
        "birth_date": birth,
        "stage": "full",
        "joined_on": date(1995, 7, 1),
        "full_on": date(1996, 7, 1),
    }
    data.update(changes)
    with pytest.raises(RuleViolation) as err:
        actions.add_member(orgs["village"], actor=None, **data)
    assert err.value.rule_id == rule
    assert err.value.field == field
    assert not Member.objects.filter(name="测试人").exists()


def test_the_same_person_cannot_be_on_the_roster_twice(people, orgs):
    number = people["zhang"].get_secret("id_number")
    with pytest.raises(RuleViolation, match="已在党员名册中"):
        actions.add_member(
            orgs["village3"],
            actor=None,
            name="张三丰",
            id_number=number,
            stage="full",
            joined_on=date(1995, 7, 1),
            full_on=date(1996, 7, 1),
        )


def test_birth_date_and_sex_come_from_the_id_number(orgs):
    number = rules.synthetic_id_number("371302", date(1990, 6, 15), 30, "female")
    member = actions.add_member(
        orgs["village"], actor=None, name="孙丽", id_number=number, stage="probationary", joined_on=date(2026, 1, 10)
    )
    assert member.birth_date == date(1990, 6, 15)
    assert member.sex == "female"


def test_members_cannot_sit_in_a_local_committee_or_a_dissolved_org(orgs):
    number = rules.synthetic_id_number("371302", date(1990, 6, 15), 31, "female")
    with pytest.raises(RuleViolation) as err:
        actions.add_member(
            orgs["county"], actor=None, name="孙丽", id_number=number, stage="probationary", joined_on=date(2026, 1, 10)
        )
    assert err.value.rule_id == "REL-01"


def test_update_is_version_checked(people):
    stale = Member.objects.get(pk=people["zhao"].pk)
    actions.update_member(Member.objects.get(pk=stale.pk), actor=None, job_title="村会计")
    with pytest.raises(ConcurrentEdit):
        actions.update_member(stale, actor=None, job_title="村主任")
    assert Member.objects.get(pk=stale.pk).job_title == "村会计"


def test_update_of_phone_reencrypts_and_audits_without_values(people):
    member = actions.update_member(people["zhao"], actor=None, phone="13911112222")
    assert member.get_secret("phone") == "13911112222"
    event = AuditEvent.objects.filter(action="member.update").latest("seq")
    assert event.before == {"phone": "138****0014"}
    assert event.after == {"phone": "139****2222"}


def test_status_changes_follow_the_rules(people):
    zhao = people["zhao"]
    actions.change_status(zhao, "suspended", actor=None, on=date(2026, 2, 1), grounds="失联满6个月")
    zhao.refresh_from_db()
    actions.change_status(zhao, "normal", actor=None, on=date(2026, 5, 1), grounds="取得联系，经支部大会讨论恢复")
    zhao.refresh_from_db()
    actions.change_status(zhao, "exited", actor=None, on=date(2026, 6, 1), grounds="本人申请", exit_kind="withdrawal")
    zhao.refresh_from_db()
    with pytest.raises(RuleViolation) as err:
        actions.change_status(zhao, "normal", actor=None, on=date(2026, 7, 1), grounds="x")
    assert err.value.rule_id == "MEM-08"
    assert list(StatusChange.objects.filter(member=zhao).values_list("kind", flat=True)) == [
        "出党（退党）",
        "恢复党籍",
        "停止党籍",
    ]


def test_exit_requires_a_kind(people):
    with pytest.raises(RuleViolation) as err:
        actions.change_status(people["zhao"], "exited", actor=None, on=date(2026, 6, 1), grounds="x")
    assert err.value.rule_id == "MEM-05"


def test_lost_contact_and_its_deadlines(people):
    from dangjian.members import queries

    zhao = people["zhao"]
    actions.mark_lost_contact(zhao, actor=None, on=date(2025, 8, 31), reason="1", note="外出务工")
    zhao.refresh_from_db()
    todo = queries.deadlines(zhao, date(2026, 3, 1))
    assert todo[0]["rule"] == "MEM-06"
    assert todo[0]["due"] == date(2026, 2, 28)
    assert todo[0]["overdue"]
    actions.restore_contact(zhao, actor=None, on=date(2026, 3, 2))
    zhao.refresh_from_db()
    assert not zhao.is_lost_contact


def test_reveal_needs_the_permission_and_is_audited(people, personas):
    zhang = people["zhang"]
    with pytest.raises(OutOfScope):
        actions.reveal(zhang, "id_number", actor=personas["town_secretary"])
    value = actions.reveal(zhang, "id_number", actor=personas["village_secretary"])
    assert value == zhang.get_secret("id_number")
    assert AuditEvent.objects.filter(action="member.reveal", actor_username="village_secretary").exists()


def test_out_of_scope_writes_are_refused(people, personas, orgs):
    with pytest.raises(OutOfScope):
        actions.update_member(people["zhao"], actor=personas["village_secretary"], job_title="越权")
    number = rules.synthetic_id_number("371302", date(1990, 6, 15), 40, "female")
    with pytest.raises(OutOfScope):
        actions.add_member(
            orgs["village3"],
            actor=personas["town_secretary"],
            name="越权",
            id_number=number,
            stage="probationary",
            joined_on=date(2026, 1, 10),
        )


def test_place_moves_the_member_and_keeps_history(people, orgs):
    zhao = people["zhao"]
    actions.place(zhao, orgs["village2"], actor=None, on=date(2026, 4, 1), reason="组织关系转接")
    history = list(zhao.placements.order_by("valid_from").values_list("org_id", "valid_to"))
    assert history == [(orgs["village3"].pk, date(2026, 4, 1)), (orgs["village2"].pk, None)]
    assert Org.objects.get(pk=orgs["village2"].pk).member_count == 2
    assert Org.objects.get(pk=orgs["village3"].pk).member_count == 0
