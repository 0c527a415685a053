"""统计 page: the indicator table of one org in the user's scope, as of a chosen day (no charts yet)."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from dangjian.core.scope import restrict, scope_paths
from dangjian.core.views import ScopedView
from dangjian.orgs.models import Org
from dangjian.stats import queries

VIEW = "orgs.view_org"


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class OverviewView(ScopedView):
    """GET ?org=<id>&as_of=YYYY-MM-DD; by default the user's top org and today."""

    queryset = Org.objects.all()
    action = "view"

    def org(self, request) -> Org:
        orgs = restrict(Org.objects.all(), request.user, VIEW)
        raw = request.GET.get("org")
        if raw:
            org = orgs.filter(pk=raw).first() if raw.isdigit() else None
        else:
            paths = scope_paths(request.user, VIEW)
            org = orgs.filter(path=paths[0]).first() if paths else None
        if org is None:
            raise Http404
        return org

    def get(self, request):
        self.check_permission()
        org = self.org(request)
        today = timezone.localdate()
        as_of = parse_day(request.GET.get("as_of")) or today
        rows = queries.indicators_for(request.user, org, as_of)
        children = restrict(Org.objects.filter(parent=org), request.user, VIEW).order_by("sort_order", "name")
        context = {
            "org": org,
            "as_of": as_of,
            "today": today,
            "rows": rows,
            "hidden_members": not any(r.code.startswith("members.") for r in rows),
            "children": list(children.filter(dissolved_on__isnull=True)[:200]),
        }
        return render(request, "stats/overview.html", context)
