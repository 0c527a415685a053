"""One filterset for the org lists of the UI and the API."""

import django_filters
from django.db.models import Q

from dangjian.orgs.models import Org, OrgKind, Sector


class OrgFilter(django_filters.FilterSet):
    subtree = django_filters.NumberFilter(method="filter_subtree", label="所辖范围（党组织编号）")
    parent = django_filters.NumberFilter(field_name="parent_id", label="上级党组织编号")
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, label="组织类别")
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label="所在领域")
    q = django_filters.CharFilter(method="filter_text", label="名称、拼音首字母或组织代码")
    include_dissolved = django_filters.BooleanFilter(method="filter_dissolved", label="包括已撤销的")

    class Meta:
        model = Org
        fields = ["subtree", "parent", "kind", "sector", "q", "include_dissolved"]

    @property
    def qs(self):
        qs = super().qs
        if not self.form.cleaned_data.get("include_dissolved"):
            qs = qs.filter(dissolved_on__isnull=True)
        return qs

    def filter_subtree(self, queryset, name, value):
        root = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        if root is None:
            return queryset.none()
        return queryset.filter(path__in_subtree=root)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        cond = Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code=value)
        if value.isascii() and value.isalnum():
            cond |= Q(name_initials__contains=value.lower())
        return queryset.filter(cond)

    def filter_dissolved(self, queryset, name, value):
        return queryset
