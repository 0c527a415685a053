"""Filters for the audit trail list and its export."""

import django_filters

from dangjian.core.models import AuditEvent, Outcome


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_username", lookup_expr="iexact", label="账号")
    action = django_filters.CharFilter(field_name="action", lookup_expr="startswith", label="事件类型")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label="结果")
    since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label="起始日期")
    until = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label="截止日期")
    # One record's events (PRV-08: who read or changed member X): type and number, or the name as recorded.
    object_type = django_filters.CharFilter(field_name="object_type", label="对象类型")
    object_id = django_filters.CharFilter(field_name="object_id", label="对象编号")
    object_repr = django_filters.CharFilter(field_name="object_repr", label="对象名称")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "outcome", "since", "until", "object_type", "object_id", "object_repr"]
