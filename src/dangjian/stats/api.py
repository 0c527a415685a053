"""REST endpoints of 统计 under /api/v1/stats/{org id}/: indicators, dashboard data and annual tables, with the
same scope as the pages (no orgs.view_org anywhere → 403; an org outside the scope → 404; member figures
need members.view_member on the org)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.orgs.models import Org
from dangjian.stats import annual, queries

AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="统计日期 YYYY-MM-DD，默认今天")
YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="年度（按该年12月31日统计），默认上一年")


def number(value):
    """Integers as they are; Decimal percentages as JSON numbers with two decimals."""
    return float(f"{value:.2f}") if isinstance(value, Decimal) else value


def _org_json(org: Org) -> dict:
    return {"id": org.pk, "code": org.code, "name": org.name}


class IndicatorsResult(serializers.Serializer):
    org = serializers.DictField()
    as_of = serializers.DateField()
    indicators = serializers.DictField(help_text="指标代码 → 数值（无数值时为 null）")
    reasons = serializers.DictField(help_text="数值为 null 的指标 → 原因（“—”不适用，“未接入”数据未接入）")
    labels = serializers.DictField(help_text="指标代码 → 名称")


class StatsViewSet(ScopedGenericViewSet):
    queryset = Org.objects.all()
    action_verbs = {"indicators": "view", "dashboard": "view", "annual": "view"}
    pagination_class = None
    serializer_class = IndicatorsResult

    def _as_of(self, request) -> date:
        raw = request.query_params.get("as_of")
        today = timezone.localdate()
        if not raw:
            return today
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValidationError({"as_of": "日期格式应为 YYYY-MM-DD"}) from None
        if day > today:
            raise ValidationError({"as_of": "统计日期不能晚于今天"})
        return day

    @extend_schema(parameters=[AS_OF], responses={200: IndicatorsResult})
    @action(detail=True, methods=["get"])
    def indicators(self, request, pk=None):
        """Every registered indicator of the org's subtree on `as_of` that the caller may see there."""
        org = self.get_object()
        day = self._as_of(request)
        rows = queries.indicators_for(request.user, org, day)
        return Response(
            {
                "org": _org_json(org),
                "as_of": day.isoformat(),
                "indicators": {r.code: number(r.value) for r in rows},
                "reasons": {r.code: r.reason for r in rows if r.value is None},
                "labels": {r.code: r.label for r in rows},
            }
        )

    @extend_schema(
        parameters=[AS_OF],
        responses={
            200: inline_serializer(
                "StatsDashboard",
                {
                    "org": serializers.DictField(),
                    "as_of": serializers.DateField(),
                    "tiles": serializers.ListField(),
                    "charts": serializers.ListField(),
                    "warnings": serializers.DictField(),
                    "recruitment": serializers.ListField(),
                },
            )
        },
    )
    @action(detail=True, methods=["get"])
    def dashboard(self, request, pk=None):
        """The dashboard's figures: tiles with their red/amber/green colour, breakdowns (§10.2), structure
        warnings and the recruitment figures (未接入 until the recruitment app registers them)."""
        org = self.get_object()
        day = self._as_of(request)
        data = queries.dashboard(request.user, org, day, timezone.localdate())
        w = data["warnings"]
        return Response(
            {
                "org": _org_json(org),
                "as_of": day.isoformat(),
                "computed_at": data["computed_at"].isoformat(),
                "rollup_computed_at": data["rollup_at"].isoformat() if data["rollup_at"] else None,
                "tiles": [
                    {
                        "code": t["code"],
                        "label": t["label"],
                        "value": number(t["value"]),
                        "reason": t["reason"],
                        "colour": t["colour"],
                    }
                    for t in data["tiles"]
                ],
                "charts": [
                    {
                        "id": c["id"],
                        "title": c["title"],
                        "source": c["kind"],
                        "total": c["total"],
                        "rows": [{"code": r["code"], "label": r["label"], "value": r["value"]} for r in c["rows"]],
                    }
                    for c in data["charts"]
                ],
                "warnings": {"orgs": w.orgs, "flagged": w.flagged, "share": number(w.share), "by_rule": w.by_rule},
                "recruitment": [{**r, "value": number(r["value"])} for r in data["recruitment"]],
            }
        )

    @extend_schema(
        parameters=[YEAR],
        responses={
            200: inline_serializer(
                "StatsAnnualTables",
                {
                    "org": serializers.DictField(),
                    "year": serializers.IntegerField(),
                    "tables": serializers.ListField(),
                    "problem_count": serializers.IntegerField(),
                    "problems": serializers.ListField(),
                },
            )
        },
    )
    @action(detail=True, methods=["get"])
    def annual(self, request, pk=None):
        """党内统计年报 of the org's subtree as of 12-31 of `year`, with the records failing validation."""
        org = self.get_object()
        if not queries.may(request.user, queries.MEMBERS, org):
            if not queries.has_any(request.user, queries.MEMBERS):
                raise PermissionDenied("您没有查看党员统计的权限。")
            raise NotFound("党组织不存在或不在您的管辖范围内")
        today = timezone.localdate()
        raw = request.query_params.get("year")
        if raw and not raw.isdigit():
            raise ValidationError({"year": "年度应为数字"})
        year = int(raw) if raw else today.year - 1
        if year < 1921 or date(year, 12, 31) > today:
            raise ValidationError({"year": "年度应为已结束的年份"})
        tables = annual.tables(org, year)
        problems, count = annual.validation_problems(org, year, limit=200)
        return Response(
            {
                "org": _org_json(org),
                "year": year,
                "tables": [
                    {
                        "code": t.code,
                        "title": t.title,
                        "connected": t.connected,
                        "note": t.note,
                        "columns": [{"key": k, "label": label} for k, label in t.columns],
                        "total": t.total,
                        "rows": [
                            {"org_id": r["org"].pk if r["org"] else None, "label": r["label"], "values": r["values"]}
                            for r in t.rows
                        ],
                    }
                    for t in tables
                ],
                "problem_count": count,
                "problems": [
                    {"member_id": p.member_id, "name": p.name, "org": p.org_name, "problems": p.problems}
                    for p in problems
                ],
            }
        )
