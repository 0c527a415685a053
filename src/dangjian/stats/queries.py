"""Read side of statistics: the indicators of an org the user may see, finding an org by code or name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.core.scope import restrict, scope_paths, user_may_act_on_path
from dangjian.core.tree import ancestor_paths
from dangjian.orgs.models import BRANCH_KINDS, Org
from dangjian.orgs.queries import subtree_ids_as_of
from dangjian.stats import cube, rules
from dangjian.stats.indicators import (
    DUES,
    MEMBERS,
    NOT_APPLICABLE,
    ORGLIFE,
    REGISTRY,
    evaluate,
    ids_q,
    last_ended_month,
    last_ended_quarter,
)
from dangjian.stats.models import Threshold

VIEW_ORG = "orgs.view_org"


class OrgFinding(NamedTuple):
    """A stored structure finding (the fields of orgs.rules.Finding the dashboard shows)."""

    rule_id: str
    level: str
    message: str


class Row(NamedTuple):
    code: str
    label: str
    value: object  # int, Decimal or None
    reason: str


def rows(org: Org, as_of: date, *, permitted=None) -> list[Row]:
    """Every indicator (or those whose permission `permitted(perm)` accepts) for `org`'s subtree on `as_of`.

    Unscoped: the caller has already decided the org may be seen (operators on the command line)."""
    out = []
    for indicator, value in evaluate(org, as_of):
        if permitted is None or permitted(indicator.permission):
            out.append(Row(indicator.code, indicator.label, value.number, value.reason))
    return out


def indicators_for(user, org: Org, as_of: date) -> list[Row]:
    """The indicators of `org` on `as_of` that `user` may see there.

    The org must lie in the user's `orgs.view_org` scope (dissolved orgs included, for past dates), or
    Http404 is raised; each indicator is shown only where the user holds its permission on the org
    (member figures need `members.view_member`, the dues rate `dues.view_bill`…)."""
    if not restrict(Org.objects.filter(pk=org.pk), user, "view").exists():
        raise Http404("党组织不存在或不在您的管辖范围内")
    return rows(org, as_of, permitted=lambda perm: user_may_act_on_path(user, perm, org.path))


class AmbiguousOrg(LookupError):
    def __init__(self, text: str, candidates: list[Org]):
        self.candidates = candidates
        listing = "；".join(f"{o.code} {o.name}{'（已撤销）' if o.dissolved_on else ''}" for o in candidates)
        super().__init__(f"名称「{text}」对应多个党组织，请改用组织代码：{listing}")


def find_org(text: str) -> Org:
    """An org by exact code, else by exact full name (AmbiguousOrg when several share it; Org.DoesNotExist)."""
    text = text.strip()
    by_code = Org.objects.filter(code=text).first()
    if by_code is not None:
        return by_code
    named = list(Org.objects.filter(Q(name=text)).order_by("dissolved_on", "path")[:20])
    if not named:
        raise Org.DoesNotExist(f"找不到党组织「{text}」（请输入组织代码或党组织全称）")
    if len(named) > 1:
        raise AmbiguousOrg(text, named)
    return named[0]


# ------------------------------------------------------------------------------------- thresholds


def bands_for(org: Org) -> dict[str, rules.Band]:
    """code → the Band in force for `org`: its own setting, else the nearest ancestor's, else the default."""
    out = {code: band for code, (_label, band) in rules.DEFAULT_THRESHOLDS.items()}
    paths = [*ancestor_paths(org.path), org.path]
    rows = Threshold.objects.filter(org__path__in=paths).values_list("org__path", "code", "green", "red")
    for _path, code, green, red in sorted(rows, key=lambda r: len(r[0])):  # nearer orgs win
        if code in out:
            out[code] = rules.Band(out[code].direction, green, red)
    return out


def threshold_rows(org: Org) -> list[dict]:
    bands = bands_for(org)
    own = {t.code: t for t in Threshold.objects.filter(org=org)}
    return [
        {"code": code, "label": label, "band": bands[code], "default": band, "own": own.get(code)}
        for code, (label, band) in rules.DEFAULT_THRESHOLDS.items()
    ]


# ------------------------------------------------------------------------------------- dashboard


def may(user, perm: str, org: Org) -> bool:
    return user_may_act_on_path(user, perm, org.path)


# The recruitment app's scoped case list (recruitment:overview) and the filters that list the cases behind
# each pipeline figure (today's data: the list does not go back in time).
CASE_FILTERS = {
    "recruitment.applicants": {"state": "applicant", "open": "1"},
    "recruitment.activists": {"state": "activist", "open": "1"},
    "recruitment.candidates": {"state": "candidate", "open": "1"},
    "recruitment.overdue": {"overdue": "1"},
}


def case_list_url(org: Org, code: str, as_of: date) -> str:
    """The recruitment case list filtered to the cases behind indicator `code` in `org`'s subtree ("" if none)."""
    if code == "recruitment.developed":
        params = {"approved": as_of.year}
    elif code in CASE_FILTERS:
        params = CASE_FILTERS[code]
    else:
        return ""
    return reverse("recruitment:overview") + "?" + urlencode({"org": org.pk, **params})


def _drill(org: Org, as_of: date, dim: str, cell: str) -> str:
    return (
        reverse("stats:drill") + "?" + urlencode({"org": org.pk, "as_of": as_of.isoformat(), "dim": dim, "cell": cell})
    )


class LiveFigures(NamedTuple):
    """Member and org figures of a subtree counted from the details, shaped like `Rollup.figures`, so that
    the breakdowns and the indicators of one page share one count."""

    figures: dict


def data_version() -> str:
    """Changes whenever domain data may have changed: the last audited action (but logins), with its time."""
    from dangjian.core.models import AuditEvent

    last = (
        AuditEvent.objects.exclude(action__startswith="auth.")
        .order_by("-seq")
        .values_list("seq", "occurred_at")
        .first()
    )
    return f"{last[0]}@{last[1].timestamp()}" if last else ""


def live_figures(org: Org, as_of: date) -> LiveFigures:
    """The member and org figures of `org`'s subtree on `as_of` counted from the details; kept in the cache
    for `STATS_LIVE_CACHE_SECONDS` (default 300; 0 turns it off) under the data version, so a past day a
    leader browses (no rollup) is counted once until an audited change happens."""
    from django.conf import settings
    from django.core.cache import cache

    seconds = getattr(settings, "STATS_LIVE_CACHE_SECONDS", 300)
    version = data_version() if seconds else ""
    key = f"stats:live:{org.pk}:{as_of.isoformat()}:{version}"
    if version:
        cached = cache.get(key)
        if cached is not None:
            return LiveFigures(cached)
    figures = _count_live_figures(org, as_of)
    if version:
        cache.set(key, figures.figures, seconds)
    return figures


def _count_live_figures(org: Org, as_of: date) -> LiveFigures:
    ids = subtree_ids_as_of(org.pk, as_of)
    dims = cube.member_dimensions(as_of)
    total, by_dim = cube.dimension_counts(cube.placed(ids, as_of), dims.values()) if ids else (0, {})
    members = {"total": total}
    for dim in dims.values():
        members.update({f"{dim.code}:{c.code}": by_dim.get(dim.code, {}).get(c.code, 0) for c in dim.cells})
    cells = {"total": ~Q(kind="local_committee")}
    for dim in cube.org_dimensions().values():
        cells.update({f"{dim.code}:{c.code}": c.q for c in dim.cells})
    orgs = cube.count_cells(cube.live_orgs(ids, as_of), cells) if ids else dict.fromkeys(cells, 0)
    return LiveFigures({"members": members, "orgs": orgs})


def member_breakdowns(org: Org, as_of: date, rollup=None) -> list[dict]:
    """Every §10.2 member dimension of the subtree on `as_of` (from `rollup` when given, else counted)."""
    dims = cube.member_dimensions(as_of)
    if rollup is not None:
        stored = rollup.figures.get("members", {})
        counts = {"total": stored.get("total", 0)}
        for dim in dims.values():
            counts.update({f"{dim.code}:{c.code}": stored.get(f"{dim.code}:{c.code}", 0) for c in dim.cells})
    else:
        ids = subtree_ids_as_of(org.pk, as_of)
        total, by_dim = cube.dimension_counts(cube.placed(ids, as_of), dims.values()) if ids else (0, {})
        counts = {"total": total}
        for dim in dims.values():
            counts.update({f"{dim.code}:{c.code}": by_dim.get(dim.code, {}).get(c.code, 0) for c in dim.cells})
    out = []
    for dim in dims.values():
        rows = [
            {
                "code": c.code,
                "label": c.label,
                "value": counts[f"{dim.code}:{c.code}"],
                "url": _drill(org, as_of, dim.code, c.code),
            }
            for c in dim.cells
        ]
        if dim.code == "ethnicity":  # 56 names: the non-zero ones only
            rows = [r for r in rows if r["value"]]
        elif any(c.code == "" for c in dim.cells):
            rows = [r for r in rows if r["code"] or r["value"]]  # 未填写 only when some are
        out.append({"id": dim.code, "title": dim.label, "total": counts["total"], "rows": rows, "kind": "members"})
    return out


def org_breakdowns(org: Org, as_of: date, rollup=None) -> list[dict]:
    ids = subtree_ids_as_of(org.pk, as_of) if rollup is None else None
    out = []
    for dim in cube.org_dimensions().values():
        cells = cube.dimension_cells(dim)
        cells["total"] = ~Q(kind="local_committee")
        if rollup is not None:
            stored = rollup.figures.get("orgs", {})
            counts = {"total": stored.get("total", 0)}
            counts.update({c.code: stored.get(f"{dim.code}:{c.code}", 0) for c in dim.cells})
        else:
            counts = cube.count_cells(cube.live_orgs(ids, as_of), cells) if ids else dict.fromkeys(cells, 0)
        rows = [
            {"code": c.code, "label": c.label, "value": counts[c.code], "url": _drill(org, as_of, dim.code, c.code)}
            for c in dim.cells
            if counts[c.code]
        ]
        out.append({"id": dim.code, "title": dim.label, "total": counts["total"], "rows": rows, "kind": "orgs"})
    return out


@dataclass
class StructureWarnings:
    orgs: int  # 基层党组织 examined
    flagged: int  # with at least one finding
    by_rule: dict[str, int]
    examples: list[tuple[Org, list]]  # the first ones, for the list

    @property
    def share(self):
        return rules.share(self.flagged, self.orgs)


def findings_by_org(live: list[Org], today: date) -> dict[int, list]:
    """Org id → its ORG findings (orgs.rules.structure_findings) on today's data, for every org of `live`
    (a whole subtree, or every org): member counts from the maintained per-org counters added up to their
    ancestors within `live`, terms and officers from two grouped queries; no query per org."""
    from dangjian.orgs import rules as org_rules
    from dangjian.orgs.models import CommitteeTerm, OrgOfficer

    totals: dict[str, list[int]] = {o.path: [0, 0] for o in live}
    for o in live:
        for p in [*ancestor_paths(o.path), o.path]:
            if p in totals:
                totals[p][0] += o.member_count
                totals[p][1] += o.full_member_count
    ids = [o.pk for o in live]
    terms: dict[int, tuple] = {}
    for org_id, has_committee, ends_on in (
        CommitteeTerm.objects.filter(ids_q("org_id", ids)).order_by("org_id", "-elected_on", "-pk")
        .values_list("org_id", "has_committee", "ends_on")
    ):  # fmt: skip
        terms.setdefault(org_id, (has_committee, ends_on))
    officers = dict(
        OrgOfficer.objects.filter(ids_q("org_id", ids), ends_on__isnull=True)
        .order_by().values("org_id").annotate(n=Count("id")).values_list("org_id", "n")
    )  # fmt: skip
    out = {}
    for o in live:
        if o.kind == "local_committee":
            continue
        has_committee, ends_on = terms.get(o.pk, (False, None))
        members, full = (o.member_count, o.full_member_count) if o.kind in BRANCH_KINDS else totals[o.path]
        out[o.pk] = org_rules.structure_findings(
            kind=o.kind, full_members=full, members=members, has_committee=bool(has_committee),
            committee_size=officers.get(o.pk, 0) if has_committee else None,
            term_ends_on=ends_on, today=today,
        )  # fmt: skip
    return out


LIVE_ORG_FIELDS = ("id", "path", "name", "kind", "member_count", "full_member_count", "parent_id")


def structure_warnings(org: Org, today: date, *, limit: int = 20, rollup=None) -> StructureWarnings:
    """ORG rules over the live orgs of the subtree on today's data (from `rollup` when it holds them)."""
    stored = rollup.figures.get("warnings") if rollup is not None else None
    if stored and "examples" in stored:
        example_ids = [pk for pk, _f in stored["examples"][:limit]]
        names = Org.objects.in_bulk(example_ids)
        examples = [
            (names[pk], [OrgFinding(rule, level, msg) for rule, level, msg in found])
            for pk, found in stored["examples"][:limit]
            if pk in names
        ]
        return StructureWarnings(stored["orgs"], stored["flagged"], dict(sorted(stored["by_rule"].items())), examples)
    live = list(
        Org.objects.filter(path__in_subtree=org.path, dissolved_on__isnull=True).only(*LIVE_ORG_FIELDS).order_by("path")
    )
    found = findings_by_org(live, today)
    flagged = 0
    by_rule: dict[str, int] = {}
    examples = []
    for o in live:
        findings = found.get(o.pk)
        if findings:
            flagged += 1
            for f in findings:
                by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
            if len(examples) < limit:
                examples.append((o, findings))
    return StructureWarnings(len(found), flagged, dict(sorted(by_rule.items())), examples)


def dashboard(user, org: Org, as_of: date, today: date, *, live: bool = False) -> dict:
    """Everything the dashboard of `org` shows on `as_of` that `user` may see there (charts as plain data).

    Member and org figures come from the maintained rollup of (org, as_of) when there is one (unless
    `live`); `rollup_at` then says when it was computed and `rollup_stale` whether data changed since."""
    from dangjian.stats import rollups

    rollup = None if live else rollups.for_org(org.pk, as_of)
    source = rollup or live_figures(org, as_of)  # one count of the details serves every figure of the page
    bands = bands_for(org)
    permitted = {p: may(user, p, org) for p in (MEMBERS, ORGLIFE, DUES)}
    values = {ind.code: (ind, value) for ind, value in evaluate(org, as_of, rollup=source)}
    charts = org_breakdowns(org, as_of, source)
    if permitted[MEMBERS]:
        charts = member_breakdowns(org, as_of, source) + charts
    # structure warnings are today's answer whatever the day: today's rollup serves a past day too
    warn_rollup = rollup if rollup is not None or live or as_of == today else rollups.for_org(org.pk, today)
    warnings = structure_warnings(org, today, rollup=warn_rollup)
    tiles = []

    def tile(code, label, value, reason, band_code=None, url=""):
        colour = rules.rag(value, bands[band_code]) if band_code and value is not None else None
        tiles.append({"code": code, "label": label, "value": value, "reason": reason, "colour": colour,
                      "band": bands.get(band_code) if band_code else None, "url": url})  # fmt: skip

    for code in ("members.total", "members.full", "members.probationary"):
        ind, v = values[code]
        if permitted[MEMBERS]:
            tile(code, ind.label, v.number, v.reason)
    for code in ("orgs.total", "orgs.branches"):
        ind, v = values[code]
        tile(code, ind.label, v.number, v.reason)
    tile(
        "orgs.warning_share", rules.DEFAULT_THRESHOLDS["orgs.warning_share"][0], warnings.share,
        "" if warnings.share is not None else NOT_APPLICABLE, "orgs.warning_share",
    )  # fmt: skip
    rates = []  # the two rates as a chart too, with their table ("—" and 未接入 stay on the tiles only)
    for code, perm in (("orglife.completion_rate", ORGLIFE), ("dues.collection_rate", DUES)):
        if permitted[perm]:
            ind, v = values[code]
            url = _drill(org, as_of, "indicator", code)
            tile(code, ind.label, v.number, v.reason, code, url)
            if v.number is not None:
                rates.append({"code": code, "label": f"{ind.label}（%）", "value": v.number, "url": url})
    if rates:
        charts.append({"id": "rates", "title": "完成率与交纳率", "total": None, "rows": rates, "kind": "rates"})
    recruitment = []
    for ind, v in values.values():
        if ind.section == "recruitment" and may(user, ind.permission, org):
            shown = v.number is not None
            recruitment.append({
                "code": ind.code, "label": ind.label, "value": v.number, "reason": v.reason,
                "url": _drill(org, as_of, "indicator", ind.code) if shown else "",
                "cases": case_list_url(org, ind.code, as_of) if shown else "",
            })  # fmt: skip
    pipeline = [r for r in recruitment if r["value"] is not None]
    if pipeline:
        charts.append(
            {"id": "recruitment", "title": "发展党员", "total": None, "rows": pipeline, "kind": "recruitment"}
        )
    if warnings.by_rule:
        rule_rows = [{"code": rule, "label": rule, "value": n, "url": ""} for rule, n in warnings.by_rule.items()]
        charts.append({"id": "warnings", "title": "组织设置提示（按规则，个）", "total": None, "rows": rule_rows,
                       "kind": "warnings"})  # fmt: skip
    quarter, month = last_ended_quarter(as_of), last_ended_month(as_of)
    return {
        "org": org, "as_of": as_of, "charts": charts, "tiles": tiles, "warnings": warnings,
        "recruitment": recruitment, "quarter": quarter, "month": month, "bands": bands,
        "members_hidden": not permitted[MEMBERS], "computed_at": timezone.localtime(),
        "rollup_at": timezone.localtime(rollup.computed_at) if rollup else None,
        "rollup_stale": bool(rollup and rollups.is_stale(rollup)),
    }  # fmt: skip


def chart_data(charts: list[dict]) -> list[dict]:
    """What dashboard.js needs (JSON-safe): ids, titles, labels, values and the drill-down links."""
    return [
        {
            "id": c["id"],
            "title": c["title"],
            "pie": c["id"] in ("category", "sex", "kind"),
            "labels": [r["label"] for r in c["rows"]],
            "values": [float(r["value"]) if isinstance(r["value"], Decimal) else r["value"] for r in c["rows"]],
            "links": [r["url"] for r in c["rows"]],
        }
        for c in charts
    ]


# ------------------------------------------------------------------------------------- drill-down


def direct_children(org: Org, as_of: date) -> list[Org]:
    """The direct children of `org` on `as_of`, from the parent history (one query)."""
    from dangjian.orgs.models import OrgEdge

    edges = OrgEdge.objects.filter(parent=org, valid_from__lte=as_of).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=as_of)
    )
    return list(Org.objects.filter(pk__in=edges.values("org_id")).order_by("sort_order", "name"))


def drill(user, org: Org, as_of: date, dim_code: str, cell_code: str, *, live: bool = False) -> dict:
    """One figure of the dashboard split by the direct children of `org` (each over its subtree on `as_of`),
    read from the rollups of the day when the org and all its children have one (unless `live`)."""
    from dangjian.stats.indicators import Snapshot
    from dangjian.stats.models import Rollup

    children = direct_children(org, as_of)
    member_dims = cube.member_dimensions(as_of)
    org_dims = cube.org_dimensions()
    rows = []
    roster = None
    cases_code = ""  # a recruitment figure: each row links to the case list behind it
    stored = {}
    if not live:
        stored = {r.org_id: r for r in Rollup.objects.filter(org_id__in=[org.pk, *(c.pk for c in children)], day=as_of)}
        if len(stored) != len(children) + 1:
            stored = {}
    if dim_code == "indicator":
        indicator = REGISTRY.get(cell_code)
        if indicator is None or not may(user, indicator.permission, org):
            raise Http404
        title, cell_label = indicator.label, ""
        cases_code = cell_code if case_list_url(org, cell_code, as_of) else ""
        for child in children:
            v = indicator(child, as_of, snapshot=Snapshot(child, as_of, rollup=stored.get(child.pk)))
            rows.append({"org": child, "value": v.number, "reason": v.reason})
        own = indicator(org, as_of, snapshot=Snapshot(org, as_of, rollup=stored.get(org.pk)))
        total = own.number
    elif stored and (dim_code in member_dims or dim_code in org_dims):
        dim = member_dims.get(dim_code) or org_dims[dim_code]
        cell = dim.cell(cell_code)
        if cell is None or (dim.source == "members" and not may(user, MEMBERS, org)):
            raise Http404
        roster = cell.roster if dim.source == "members" else None
        title, cell_label = dim.label, cell.label
        key = f"{dim_code}:{cell_code}"
        for child in children:
            rows.append({"org": child, "value": stored[child.pk].figures[dim.source].get(key, 0), "reason": ""})
        total = stored[org.pk].figures[dim.source].get(key, 0)
        own = total - sum(r["value"] for r in rows)
        if own:
            rows.append({"org": None, "value": own, "reason": ""})
    elif dim_code in member_dims or dim_code in org_dims:
        dim = member_dims.get(dim_code) or org_dims[dim_code]
        cell = dim.cell(cell_code)
        if cell is None:
            raise Http404
        owner = cube.owners(org.pk, as_of)
        ids = set(owner)
        if dim.source == "members":
            if not may(user, MEMBERS, org):
                raise Http404
            base = cube.placed(ids, as_of)
            roster = cell.roster
        else:
            base = cube.live_orgs(ids, as_of)
        title, cell_label = dim.label, cell.label
        by = "org_id" if dim.source == "members" else "id"
        per_org = cube.count_cells(base, {"n": cell.q}, by=by)
        summed = cube.rollup(per_org, owner)
        for child in children:
            rows.append({"org": child, "value": summed.get(child.pk, {}).get("n", 0), "reason": ""})
        own = summed.get(org.pk, {}).get("n", 0)
        if own:
            rows.append({"org": None, "value": own, "reason": ""})  # members placed in the org itself
        total = sum(r["value"] for r in rows)
    else:
        raise Http404
    has_children = set(
        Org.objects.filter(parent_id__in=[c.pk for c in children]).values_list("parent_id", flat=True).distinct()
    )
    for r in rows:
        child = r["org"] or org
        r["drill"] = _drill(child, as_of, dim_code, cell_code) if r["org"] and r["org"].pk in has_children else ""
        if roster is not None:
            params = {"subtree": child.pk, **roster}
            r["roster"] = reverse("members:list") + "?" + urlencode(params)
        if cases_code:
            r["cases"] = case_list_url(child, cases_code, as_of)
    total_roster = (
        reverse("members:list") + "?" + urlencode({"subtree": org.pk, **roster}) if roster is not None else ""
    )
    return {"org": org, "as_of": as_of, "title": title, "cell_label": cell_label, "rows": rows, "total": total,
            "dim": dim_code, "cell": cell_code, "roster_note": roster is not None,
            "total_roster": total_roster, "cases_note": bool(cases_code),
            "total_cases": case_list_url(org, cases_code, as_of) if cases_code else ""}  # fmt: skip


def has_any(user, perm: str) -> bool:
    return bool(scope_paths(user, perm))


# ------------------------------------------------------------------------------------- comparison

COMPARE_CODES = (
    "members.total", "members.full", "members.probationary", "members.female", "members.minority",
    "members.college", "orgs.total", "orgs.committees", "orgs.general_branches", "orgs.branches",
)  # fmt: skip


def _change(a, b):
    if a is None or b is None:
        return None, None
    return b - a, rules.share(b - a, a)


def two_year_rows(org: Org, year_a: int, year_b: int) -> list[dict]:
    """两年党员数比较: the member and org counts on 12-31 of both years, the change and its percentage."""
    fa = {ind.code: v for ind, v in evaluate(org, date(year_a, 12, 31), COMPARE_CODES)}
    fb = {ind.code: v for ind, v in evaluate(org, date(year_b, 12, 31), COMPARE_CODES)}
    out = []
    for code in COMPARE_CODES:
        a, b = fa[code].number, fb[code].number
        diff, pct = _change(a, b)
        out.append({"code": code, "label": REGISTRY[code].label, "a": a, "b": b, "diff": diff, "pct": pct})
    return out


SORTS = {"name": lambda r: r["name"], "a": lambda r: r["a"], "b": lambda r: r["b"], "diff": lambda r: r["diff"]}


def child_comparison(org: Org, year_a: int, year_b: int, sort: str = "") -> list[dict]:
    """Members on 12-31 of both years per direct child (each over its subtree of that day); `sort` is a key
    of SORTS, descending with a leading "-"."""
    counts, names = {}, {}
    for year in (year_a, year_b):
        d = date(year, 12, 31)
        owner = cube.owners(org.pk, d)
        per_org = cube.count_cells(cube.placed(set(owner), d), {"n": Q()}, by="org_id") if owner else {}
        counts[year] = {k: v["n"] for k, v in cube.rollup(per_org, owner).items()}
        names.update({k: None for k in set(owner.values()) if k != org.pk})
    orgs = Org.objects.in_bulk(list(names))
    rows = []
    for pk, child in orgs.items():
        a, b = counts[year_a].get(pk, 0), counts[year_b].get(pk, 0)
        diff, pct = _change(a, b)
        rows.append({"org": child, "name": child.name, "a": a, "b": b, "diff": diff, "pct": pct,
                     "order": (child.sort_order, child.name)})  # fmt: skip
    key = sort.lstrip("-")
    if key in SORTS:
        rows.sort(key=SORTS[key], reverse=sort.startswith("-"))
    else:
        rows.sort(key=lambda r: r["order"])
    return rows
