"""The demo's year of organizational life on the canonical test tree: deterministic, every status present,
general assemblies with attendance have their quorum, the persona member is linked."""

from datetime import date

from dangjian.demo.orglife import build_orglife
from dangjian.orglife import rules
from dangjian.orglife.models import Attendance, Meeting, MemberAccount, PeriodFact


def test_a_year_of_meetings(orgs, people, personas):
    n = build_orglife(orgs["county"], seed=7, today=date(2026, 11, 1))
    assert n == Meeting.objects.count() > 50
    statuses = set(Meeting.objects.values_list("status", flat=True))
    assert {"approved", "planned"} <= statuses
    assert not Meeting.objects.filter(held_on__gte=date(2026, 11, 1)).exclude(status="planned").exists()
    assert (
        Meeting.objects.exclude(status="planned").exclude(minutes="").count()
        == Meeting.objects.exclude(status="planned").count()
    )
    for m in Meeting.objects.filter(kind="general_assembly").exclude(status="planned"):
        rows = list(Attendance.objects.filter(meeting=m).values_list("voting", "status"))
        due = sum(1 for v, _s in rows if v)
        if due:
            assert rules.general_assembly_quorum(sum(1 for v, s in rows if v and s == "present"), due)
    assert MemberAccount.objects.get(user=personas["party_member"]).member.org == orgs["village"]
    # the compliance roll-up reads the period facts: rebuilt after the bulk insert
    counted = Meeting.objects.filter(status__in=["held", "submitted", "approved"])
    assert PeriodFact.objects.filter(year=2026).count() == counted.values("org_id", "kind").distinct().count()
