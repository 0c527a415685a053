"""统计 pages: dashboard, drill-down, all indicators, thresholds, annual tables, comparison, PDF summary.

Every page needs `orgs.view_org` somewhere (else 403) and the org it names inside the user's scope (else 404);
member figures need `members.view_member` on that org, the other modules' figures their own permission."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict
from dangjian.core.views import ScopedView
from dangjian.orgs import queries as org_queries
from dangjian.orgs.models import Org
from dangjian.stats import actions, annual, queries, rules, summary

VIEW = "orgs.view_org"


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class StatsView(ScopedView):
    """Base: `self.org` (in scope, else 404) and `self.as_of` (a valid past day, else today with a message)."""

    queryset = Org.objects.all()
    action = "view"
    perm = VIEW  # the permission the org must be chosen under (orgs.queries.chosen_org)

    def setup_org(self, request) -> None:
        self.check_permission()
        self.org = org_queries.chosen_org(request.user, request.GET.get("org"), self.perm)
        self.today = timezone.localdate()
        raw = request.GET.get("as_of")
        day = parse_day(raw)
        self.notice = ""
        if raw and day is None:
            self.notice = f"统计日期「{raw}」无效，已按今天统计。"
        elif day is not None and day > self.today:
            self.notice = "统计日期不能晚于今天，已按今天统计。"
            day = None
        self.as_of = day or self.today
        if self.as_of < self.org.established_on:
            self.notice = f"统计日期早于{self.org.name}成立日期（{self.org.established_on:%Y年%m月%d日}），没有数据。"

    def base_context(self, request) -> dict:
        return {
            "org": self.org,
            "as_of": self.as_of,
            "today": self.today,
            "notice": self.notice,
            "ancestors": org_queries.ancestors(request.user, self.org),
            "children": list(
                restrict(Org.objects.filter(parent=self.org, dissolved_on__isnull=True), request.user, VIEW).order_by(
                    "sort_order", "name"
                )[:200]
            ),
        }


class OverviewView(StatsView):
    """Every registered indicator of one org as of a day (the table `dangjian stats show` prints)."""

    def get(self, request):
        self.setup_org(request)
        rows = queries.indicators_for(request.user, self.org, self.as_of)
        context = {
            **self.base_context(request),
            "rows": rows,
            "hidden_members": not any(r.code.startswith("members.") for r in rows),
        }
        return render(request, "stats/overview.html", context)


class DashboardView(StatsView):
    def get(self, request):
        self.setup_org(request)
        live = request.GET.get("live") == "1"
        data = queries.dashboard(request.user, self.org, self.as_of, self.today, live=live)
        context = {
            **self.base_context(request),
            **data,
            "chart_data": queries.chart_data(data["charts"]),
            "may_set_thresholds": queries.may(request.user, actions.CHANGE, self.org),
        }
        return render(request, "stats/dashboard.html", context)


class DrillView(StatsView):
    """GET ?org&as_of&dim&cell: one figure by direct child; leaves link to the filtered roster."""

    def get(self, request):
        self.setup_org(request)
        data = queries.drill(
            request.user, self.org, self.as_of, request.GET.get("dim", ""), request.GET.get("cell", "")
        )
        return render(request, "stats/drill.html", {**self.base_context(request), **data})


class ThresholdsView(StatsView):
    """Red/amber/green thresholds of a jurisdiction: shown to anyone who sees the org, set with
    `stats.change_threshold` on it."""

    def get(self, request):
        self.setup_org(request)
        return self.page(request)

    def page(self, request, errors=None, status=200):
        context = {
            **self.base_context(request),
            "rows": [{**r, "error": (errors or {}).get(r["code"], "")} for r in queries.threshold_rows(self.org)],
            "may_change": queries.may(request.user, actions.CHANGE, self.org),
            "hide_as_of": True,
        }
        return render(request, "stats/thresholds.html", context, status=status)

    def post(self, request):
        self.setup_org(request)
        if not queries.may(request.user, actions.CHANGE, self.org):
            if not queries.has_any(request.user, actions.CHANGE):
                raise PermissionDenied
            raise Http404
        errors = {}
        for code in rules.DEFAULT_THRESHOLDS:
            raw_green, raw_red = request.POST.get(f"{code}-green"), request.POST.get(f"{code}-red")
            if raw_green is None and raw_red is None:
                continue
            try:
                green, red = Decimal(raw_green or ""), Decimal(raw_red or "")
            except InvalidOperation:
                errors[code] = "请填写数字"
                continue
            version = request.POST.get(f"{code}-version")
            try:
                actions.set_threshold(
                    self.org, code, actor=request.user, green=green, red=red,
                    expected_version=int(version) if version and version.isdigit() else None,
                )  # fmt: skip
            except (RuleViolation, ConcurrentEdit, OutOfScope) as exc:
                errors[code] = exc.message
        if errors:
            return self.page(request, errors, status=400)
        messages.success(request, "预警阈值已保存")
        return redirect(f"{request.path}?org={self.org.pk}")


def parse_year(raw, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and 1921 <= int(raw) <= 9999 else default


class MemberStatsView(StatsView):
    """Pages made only of member figures: `members.view_member` on the org (403 when held nowhere, 404 when
    the org lies outside its scope); by default the root of the user's first subtree for it."""

    perm = queries.MEMBERS

    def setup_org(self, request) -> None:
        self.check_permission()
        if not queries.has_any(request.user, queries.MEMBERS):
            raise PermissionDenied
        super().setup_org(request)


class AnnualView(MemberStatsView):
    """GET ?org&year[&format=xlsx]: the annual tables as of 12-31 of `year` (default: last year)."""

    def get(self, request):
        self.setup_org(request)
        year = parse_year(request.GET.get("year"), self.today.year - 1)
        if date(year, 12, 31) > self.today:
            year = self.today.year - 1
            self.notice = "年报按12月31日统计，所选年份尚未结束，已改为上一年。"
        tables = annual.tables(self.org, year)
        problems, problem_count = annual.validation_problems(self.org, year)
        if request.GET.get("format") == "xlsx":
            content = annual.xlsx(self.org, year, tables, problems, problem_count)
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            name = quote(f"党内统计年报_{self.org.name}_{year}.xlsx")
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
            return response
        context = {
            **self.base_context(request),
            "year": year,
            "hide_as_of": True,
            "years": list(range(self.today.year - 1, self.today.year - 11, -1)),
            "tables": tables,
            "problems": problems[:200],
            "problem_count": problem_count,
        }
        return render(request, "stats/annual.html", context)


class CompareView(MemberStatsView):
    """GET ?org&year_a&year_b&sort: 两年党员数比较 and the same by direct child, sortable."""

    def get(self, request):
        self.setup_org(request)
        last = self.today.year - 1
        year_b = min(parse_year(request.GET.get("year_b"), last), last)
        year_a = min(parse_year(request.GET.get("year_a"), year_b - 1), last)
        sort = request.GET.get("sort", "")
        context = {
            **self.base_context(request),
            "hide_as_of": True,
            "year_a": year_a,
            "year_b": year_b,
            "years": list(range(last, last - 15, -1)),
            "rows": queries.two_year_rows(self.org, year_a, year_b),
            "children_rows": queries.child_comparison(self.org, year_a, year_b, sort),
            "sort": sort,
        }
        return render(request, "stats/compare.html", context)


class SummaryPdfView(StatsView):
    """One-page PDF summary of the org on a day, from the dashboard's figures."""

    def get(self, request):
        self.setup_org(request)
        data = queries.dashboard(request.user, self.org, self.as_of, self.today)
        content = summary.pdf(data)
        return pdf_response(content, quote(f"统计简报_{self.org.name}_{self.as_of.isoformat()}.pdf"))


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response
