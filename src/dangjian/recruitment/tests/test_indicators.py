"""The recruitment pipeline in the statistics registry (the codes stats reserves as 未接入), as of any day."""

from datetime import date

from dangjian.stats.indicators import evaluate

CODES = [f"recruitment.{k}" for k in ("applicants", "activists", "candidates", "developed", "overdue")]


def figures(org, day):
    return {ind.code.split(".", 1)[1]: value.number for ind, value in evaluate(org, day, CODES)}


def test_the_pipeline_as_of_each_milestone(applicant, drive, orgs):
    county = orgs["county"]
    assert figures(county, date(2026, 5, 31))["applicants"] == 0
    drive(applicant, "full")
    seen = {
        day: figures(county, day)
        for day in (date(2026, 6, 1), date(2026, 8, 1), date(2027, 9, 1), date(2028, 1, 5), date(2028, 12, 31))
    }
    assert seen[date(2026, 6, 1)] == {"applicants": 1, "activists": 0, "candidates": 0, "developed": 0, "overdue": 0}
    assert seen[date(2026, 8, 1)]["activists"] == 1
    assert seen[date(2027, 9, 1)]["candidates"] == 1
    # Accepted by the assembly on 2027-11-10, approved on 2028-01-05: developed in 2028, the year of approval.
    assert seen[date(2028, 1, 5)]["candidates"] == 0
    assert seen[date(2028, 1, 5)]["developed"] == 1
    assert seen[date(2028, 12, 31)]["developed"] == 1
    assert figures(county, date(2027, 12, 31))["developed"] == 0  # not yet approved on that day
    assert figures(county, date(2029, 1, 15))["developed"] == 0  # a new year
    assert figures(orgs["town2"], date(2026, 6, 1))["applicants"] == 0  # another township's subtree


def test_the_statistics_rollups_follow_every_step(orgs, people, helper, personas, django_capture_on_commit_callbacks):
    """Rollups computed before the case existed: after each action (start, every step and decision, most of
    which leave the roster alone) its `orgs_changed` has kept their pipeline figures equal to the live count
    on every maintained day (the latest refreshed day and the year ends)."""
    from dangjian.recruitment import actions
    from dangjian.recruitment.tests.conftest import DOCS, plan
    from dangjian.stats import rollups

    days = [date(2026, 12, 31), date(2027, 12, 31), date(2028, 12, 31), date(2029, 1, 15)]
    for day in days:
        rollups.refresh(day, min_orgs=1)

    def assert_rollups_follow(step):
        for day in days:
            for key in ("county", "town", "village"):
                rollup = rollups.for_org(orgs[key].pk, day)
                rolled = evaluate(orgs[key], day, CODES, rollup=rollup)
                assert {i.code.split(".", 1)[1]: v.number for i, v in rolled} == figures(orgs[key], day), (step, day)

    actor, approver = personas["village_secretary"], personas["town_secretary"]
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.start_new_applicant(
            orgs["village"], actor=actor, on=date(2026, 6, 1), documents=["application_letter"], name="陈小军",
            sex="male", birth_date=date(2000, 5, 4),
        )  # fmt: skip
    assert_rollups_follow("apply")
    for name, kind, args in plan(people, helper):
        args = dict(args)
        with django_capture_on_commit_callbacks(execute=True):
            if kind == "step":
                case = actions.record_step(case, args.pop("event"), actor=actor, documents=DOCS, **args)
            else:
                case = actions.decide(case, args.pop("queue"), actor=approver, approve=True, **args)
        assert_rollups_follow(name)

    def pipeline(key, day):
        return {k: n for k, n in rollups.for_org(orgs[key].pk, day).figures["recruitment"].items() if n}

    assert pipeline("town", date(2026, 12, 31)) == {"activists": 1}
    assert pipeline("county", date(2028, 12, 31)) == {"developed": 1}
