"""The bill list's filters, shared by the pages and the API."""

import django_filters

from dangjian.dues.forms import parse_month
from dangjian.dues.models import Bill, BillStatus
from dangjian.orgs.models import Org


class BillFilter(django_filters.FilterSet):
    org = django_filters.NumberFilter(method="filter_org", label="党组织编号（含所辖党组织）")
    month = django_filters.CharFilter(method="filter_month", label="月份（如 2026-05）")
    status = django_filters.ChoiceFilter(choices=BillStatus.choices, label="状态")
    member = django_filters.NumberFilter(field_name="member_id", label="党员编号")

    class Meta:
        model = Bill
        fields = ["org", "month", "status", "member"]

    def filter_org(self, queryset, name, value):
        # The queryset is already restricted; an org outside the scope simply yields nothing.
        path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(org__path__in_subtree=path) if path else queryset.none()

    def filter_month(self, queryset, name, value):
        month = parse_month(value)
        return queryset.filter(month=month) if month else queryset.none()
