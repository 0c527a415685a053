"""The dues demo on the test tree: a year of bills and payments, hardship waivers with aid visits, a usage
ledger, the default point rules and the year's points for the whole tree (not only the personas' town)."""

from datetime import date

from dangjian.demo import dues as dues_demo
from dangjian.dues.models import Bill, HardshipAid, LedgerEntry
from dangjian.points.models import PointEntry


def test_dues_demo_builds_a_year(orgs, people):
    result = dues_demo.build(orgs["county"], seed=7, today=date(2026, 11, 1))
    assert result["members"] == 4
    assert Bill.objects.filter(member=people["zhao"]).count() == 12
    assert HardshipAid.objects.count() == 6  # three hardship members, a cash visit and a goods visit each
    assert LedgerEntry.objects.filter(kind="usage").exists()
    # Points for every member of the county, 河湾村 (outside the personas' town) included.
    assert PointEntry.objects.filter(member=people["zhao"], source_type="dues.bill").exists()
    assert result["points"] == PointEntry.objects.count()
