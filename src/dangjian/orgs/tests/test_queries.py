"""orgs.queries: the org page's totals and kind counts come from one grouped query."""

from collections import Counter

from dangjian.orgs import queries
from dangjian.orgs.models import Org


def kind_counts(org):
    return dict(Counter(Org.objects.active().filter(path__in_subtree=org.path).values_list("kind", flat=True)))


def test_totals_and_kinds_in_one_query_equal_the_separate_queries(orgs, people, django_assert_num_queries):
    for org in orgs.values():
        org.refresh_from_db()
        expected = (queries.subtree_totals(org), kind_counts(org))
        with django_assert_num_queries(1):
            got = queries.subtree_totals_and_kinds(org)
        assert got == expected, org.name
    totals, kinds = queries.subtree_totals_and_kinds(orgs["county"])
    assert totals.orgs == len(orgs) == sum(kinds.values())
    assert totals.members >= len(people)
