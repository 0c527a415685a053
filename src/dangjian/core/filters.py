"""Filters for the audit trail list and its export."""

import django_filters

from dangjian.core.models import AuditEvent, Outcome


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_username", lookup_expr="iexact", label="账号")
    action = django_filters.CharFilter(field_name="action", lookup_expr="startswith", label="事件类型")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label="结果")
    since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label="起始日期")
    until = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label="截止日期")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "outcome", "since", "until"]
