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
