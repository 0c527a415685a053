"""One filterset each for the transfer and mobile-member lists, shared by the pages and the API."""

import django_filters
from django.utils import timezone

from dangjian.members import transfer_queries as queries
from dangjian.members.choices import MemberStatus
from dangjian.members.models import MobileDirection, MobileRecord, Transfer, TransferStatus

BOXES = [("out", "转出"), ("in", "转入"), ("overdue", "逾期")]
STATES = [("open", "未结束"), ("ended", "已结束"), ("due", "外出满6个月应转接")]


class TransferFilter(django_filters.FilterSet):
    box = django_filters.ChoiceFilter(choices=BOXES, method="filter_box", label="转出/转入/逾期")
    status = django_filters.ChoiceFilter(choices=TransferStatus.choices, label="状态")
    q = django_filters.CharFilter(method="filter_text", label="介绍信编号或党员姓名")

    class Meta:
        model = Transfer
        fields = ["box", "status", "q"]

    def filter_box(self, queryset, name, value):
        user = self.request.user
        if value == "out":
            return queries.outgoing(queryset, user)
        if value == "in":
            return queries.incoming(queryset, user)
        return queries.overdue(queryset, timezone.localdate())

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value[:1].isdigit() or value[:1] in ("R", "r"):
            return queryset.filter(serial__startswith=value.upper())
        return queryset.filter(member__name__contains=value)


class MobileRecordFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=MobileDirection.choices, label="流向")
    state = django_filters.ChoiceFilter(choices=STATES, method="filter_state", label="未结束/已结束/应转接")

    class Meta:
        model = MobileRecord
        fields = ["direction", "state"]

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(until__isnull=True)
        if value == "ended":
            return queryset.filter(until__isnull=False)
        cutoff = queries.transfer_due_cutoff(timezone.localdate())
        return queryset.filter(direction=MobileDirection.OUTFLOW, until__isnull=True, since__lte=cutoff).exclude(
            member__status=MemberStatus.EXITED
        )
