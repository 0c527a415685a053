"""Set-based compliance for a whole subtree: the county → township → branch drill-down.

For every branch in the window it asks the database once for the number of distinct months, quarters and
"any" of held meetings per (branch, kind) (conditional aggregates over the held_on index) and compares them
with what the branch's cadence requires in the window; branches with exemptions in the year fall back to
the exact per-branch computation of queries.compliance_rows (rules.meeting_gaps). A test proves the two
agree on demo-like data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q

from dangjian.core.scope import restrict
from dangjian.core.tree import LABEL_WIDTH, SUBTREE_END
from dangjian.orglife import queries, rules
from dangjian.orglife.models import COUNTED_STATUSES, Exemption, Meeting
from dangjian.orgs.models import BRANCH_KINDS, Org


@dataclass
class BranchResult:
    org_id: int
    path: str
    name: str
    required: int
    gaps: int
    gaps_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> Decimal:
        return rules.completion_rate(self.required, self.gaps)

    @property
    def colour(self) -> str:
        return rules.traffic_light(self.gaps)


@dataclass
class Node:
    org: Org
    branches: int = 0
    required: int = 0
    gaps: int = 0
    branches_with_gaps: int = 0
    is_branch: bool = False

    @property
    def rate(self) -> Decimal:
        return rules.completion_rate(self.required, self.gaps)

    @property
    def colour(self) -> str:
        if self.is_branch:
            return rules.traffic_light(self.gaps)
        green = Decimal(str(getattr(settings, "ORGLIFE_RATE_GREEN", "95")))
        amber = Decimal(str(getattr(settings, "ORGLIFE_RATE_AMBER", "80")))
        return rules.rate_light(self.rate, green=green, amber=amber)


def _month_end_before(day: date) -> date:
    """The last day of the last month that has ended by `day` (day itself if it is a month's last day)."""
    if (day + timedelta(days=1)).month != day.month:
        return day
    return day.replace(day=1) - timedelta(days=1)


def _quarter_end_before(day: date) -> date:
    q_last_month = ((day.month - 1) // 3 + 1) * 3
    end = rules.period_bounds(f"{day.year}-Q{(day.month - 1) // 3 + 1}")[1]
    if day >= end:
        return end
    return date(day.year, q_last_month - 2, 1) - timedelta(days=1)


def branch_results(
    branch_list: list[Org], year: int, start: date, through: date, *, subtree: str | None = None
) -> list[BranchResult]:
    """The compliance of many branches in the window [start, through] of `year`, set-based. `subtree`: a path
    all the branches lie under (the meetings are then read by that path range instead of an id list)."""
    if not branch_list or through < start:
        return [BranchResult(o.pk, o.path, o.name, 0, 0) for o in branch_list]
    ids = [o.pk for o in branch_list]
    committee = queries.has_committee_map(branch_list, subtree=subtree)
    cadences = queries.cadence_map(branch_list, date(year, 12, 31))
    group_cadences = queries.group_cadence_map(branch_list, date(year, 12, 31))
    facts = queries.group_facts(ids, year)
    exempted = set(
        Exemption.objects.filter(Q(period=str(year)) | Q(period__startswith=f"{year}-")).values_list(
            "org_id", flat=True
        )
    ) & set(ids)
    m_end, q_end, y_end = _month_end_before(through), _quarter_end_before(through), date(year, 12, 31)
    # One conditional count per month and per quarter of the window that has ended (plain date comparisons
    # on the held_on index: no per-row date functions, which SQLite runs in Python).
    months = [rules.period_bounds(f"{year}-{m:02d}") for m in range(start.month, 13)]
    months = [(a, b) for a, b in months if b <= m_end]
    quarters = [rules.period_bounds(f"{year}-Q{q}") for q in range((start.month - 1) // 3 + 1, 5)]
    quarters = [(a, b) for a, b in quarters if b <= q_end]
    aggregates = {f"m{i}": Count("id", filter=Q(held_on__gte=a, held_on__lte=b)) for i, (a, b) in enumerate(months)}
    aggregates.update(
        {f"q{i}": Count("id", filter=Q(held_on__gte=a, held_on__lte=b)) for i, (a, b) in enumerate(quarters)}
    )
    aggregates["y"] = Count("id", filter=Q(held_on__lte=y_end))
    wanted = set(ids)
    counts: dict[tuple[int, str], tuple[int, int, int]] = {}
    # Only the kinds some branch must hold in the window, and only from the window's start unless a yearly
    # period (which starts on 1 January) ends inside it.
    needed: dict[str, str] = {}
    for cad in {tuple(sorted(c.items())) for c in cadences.values()}:
        for kind, every in cad:
            if rules.required_in_window(year, start, through, {kind: every}, has_committee=True):
                needed[kind] = every
    since = date(year, 1, 1) if rules.YEARLY in needed.values() else start
    base = Meeting.objects.filter(
        status__in=COUNTED_STATUSES, kind__in=sorted(needed), held_on__gte=since, held_on__lte=through
    )
    if subtree is not None:
        slices = [base.filter(org__path__in_subtree=subtree)]
    else:
        slices = [base.filter(org_id__in=ids[i : i + 2000]) for i in range(0, len(ids), 2000)]
    names_m = [f"m{i}" for i in range(len(months))]
    names_q = [f"q{i}" for i in range(len(quarters))]
    for qs in slices:
        # Plain cursor over the ORM's SQL: the rows are ints and strings, no per-value converters needed.
        sql, params = (
            qs.values("org_id", "kind").annotate(**aggregates).values_list("org_id", "kind", *names_m, *names_q, "y")
        ).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for row in rows:
            if row[0] not in wanted:
                continue
            vals = row[2:]
            m_cov = sum(1 for v in vals[: len(names_m)] if v)
            q_cov = sum(1 for v in vals[len(names_m) : len(names_m) + len(names_q)] if v)
            counts[(row[0], row[1])] = (m_cov, q_cov, vals[-1])
    exact = {}
    slow = list(Org.objects.filter(pk__in=exempted)) if exempted else []
    if slow:
        for row in queries.compliance_rows(slow, year, through):
            in_window = [(k, p) for k, p in row.gaps if rules.period_bounds(p)[1] >= start]
            by_kind: dict[str, int] = {}
            for k, _p in in_window:
                by_kind[k] = by_kind.get(k, 0) + 1
            req = rules.required_in_window(year, start, through, cadences[row.org.pk], has_committee=row.has_committee)
            exempt_n = Exemption.objects.filter(org=row.org, period__in=[p for ps in req.values() for p in ps]).filter(
                kind__in=list(req)
            )
            excused = sum(1 for e in exempt_n if e.period in req.get(e.kind, []))
            required = sum(len(v) for v in req.values()) - excused
            g_req, g_gaps = facts.gaps(row.org.pk, year, start, through, group_cadences[row.org.pk])
            if g_gaps:
                by_kind[rules.GROUP_KIND] = len(g_gaps)
            exact[row.org.pk] = BranchResult(
                row.org.pk, row.org.path, row.org.name, required + g_req, len(in_window) + len(g_gaps), by_kind
            )
    cache: dict[tuple, dict[str, list[str]]] = {}
    out = []
    for org in branch_list:
        if org.pk in exact:
            out.append(exact[org.pk])
            continue
        cad = cadences[org.pk]
        key = (tuple(sorted(cad.items())), committee[org.pk])
        if key not in cache:
            cache[key] = rules.required_in_window(year, start, through, cad, has_committee=committee[org.pk])
        req = cache[key]
        gaps, by_kind, required = 0, {}, 0
        for kind, labels in req.items():
            months, quarters, year_any = counts.get((org.pk, kind), (0, 0, 0))
            every = cad[kind]
            covered = months if every == rules.MONTHLY else quarters if every == rules.QUARTERLY else min(year_any, 1)
            missing = max(len(labels) - covered, 0)
            required += len(labels)
            if missing:
                by_kind[kind] = missing
                gaps += missing
        if org.pk in facts.groups:
            g_req, g_gaps = facts.gaps(org.pk, year, start, through, group_cadences[org.pk])
            required += g_req
            gaps += len(g_gaps)
            if g_gaps:
                by_kind[rules.GROUP_KIND] = len(g_gaps)
        out.append(BranchResult(org.pk, org.path, org.name, required, gaps, by_kind))
    return out


@dataclass(slots=True)
class BranchRef:
    """What the roll-up needs of a branch (model instances cost a third of the time for a whole city)."""

    pk: int
    path: str
    name: str
    full_member_count: int


def branches_under(user, node: Org | None) -> list[BranchRef]:
    qs = Org.objects.active().filter(kind__in=BRANCH_KINDS)
    if node is not None:
        qs = qs.filter(path__in_subtree=node.path)
    rows = restrict(qs, user, queries.VIEW).order_by("path").values_list("pk", "path", "name", "full_member_count")
    return [BranchRef(*row) for row in rows]


def _bits(first: date, last: date) -> int:
    """The month mask (bit 0 = January) of the months from `first` to `last` of one year."""
    return sum(1 << (m - 1) for m in range(first.month, last.month + 1))


def _covered(year: int, start: date, through: date, col: str) -> dict[str, str]:
    """SQL over a month mask column: how many of the window's ended months, ended quarters and the year
    (once it has ended) it covers, by cadence. Only integers from this function enter the SQL."""
    m_end, q_end = _month_end_before(through), _quarter_end_before(through)
    months = [rules.period_bounds(f"{year}-{m:02d}") for m in range(start.month, 13)]
    quarters = [rules.period_bounds(f"{year}-Q{q}") for q in range((start.month - 1) // 3 + 1, 5)]

    def count(masks: list[int]) -> str:
        return " + ".join(f"(CASE WHEN ({col} & {int(b)}) <> 0 THEN 1 ELSE 0 END)" for b in masks) or "0"

    return {
        rules.MONTHLY: count([_bits(a, b) for a, b in months if b <= m_end]),
        rules.QUARTERLY: count([_bits(a, b) for a, b in quarters if b <= q_end]),
        rules.YEARLY: f"(CASE WHEN {col} <> 0 THEN 1 ELSE 0 END)",
    }


def _group_sql(year: int, start: date, through: date, every: str | None) -> tuple[str, list]:
    """The CTEs `grp`, `gper` of subtree_rollup: per branch, the (group, period) pairs its party groups had to
    hold a group meeting in (LIFE-03, within each group's life) and those without one (from the facts)."""
    bounds = [(first, last) for _l, first, last in rules.group_periods(year, start, through, every, date.min, None)]
    if not bounds:
        return "", []
    alive = "(grp.est <= %s AND (grp.dis IS NULL OR grp.dis >= %s))"
    required = " + ".join(f"CASE WHEN {alive} THEN 1 ELSE 0 END" for _ in bounds)
    missing = " + ".join(
        f"CASE WHEN {alive} AND (COALESCE(f.months, 0) & {_bits(first, last)}) = 0 THEN 1 ELSE 0 END"
        for first, last in bounds
    )
    alive_params = [d for first, last in bounds for d in (last, first)]
    sql = """, grp AS (
            SELECT g.id, g.org_id, g.established_on AS est, g.dissolved_on AS dis
            FROM orglife_partygroup g JOIN b ON b.id = g.org_id
            WHERE g.established_on <= %s AND (g.dissolved_on IS NULL OR g.dissolved_on >= %s)
        ), gper AS ("""
    sql += f"""
            SELECT grp.org_id, SUM({required}) AS required, SUM({missing}) AS gaps
            FROM grp LEFT JOIN orglife_periodfact f ON f.party_group_id = grp.id AND f.year = %s AND f.kind = %s
            GROUP BY grp.org_id
        )"""
    params = [bounds[-1][1], bounds[0][0], *alive_params, *alive_params, year, rules.GROUP_KIND]
    return sql, params


def subtree_rollup(
    branch_qs, subtree: str, year: int, start: date, through: date, cadence: dict[str, str], width: int,
    group_cadence: str | None = rules.DEFAULT_GROUP_CADENCE,
) -> dict[str, tuple[int, int, int, int]]:  # fmt: skip
    """One SQL statement for many branches sharing one cadence: child path prefix (the first `width`
    characters of the path) → (branches, required periods, gaps, branches with gaps), the party groups'
    meetings included (LIFE-03, `group_cadence`). `branch_qs` is a scoped queryset of the branches (its SQL
    becomes the statement's first step); every branch lies under the path `subtree`, whose range bounds the
    committee terms read. The meetings are read from their period facts (orglife.facts). Exemptions are not
    looked at: the caller leaves exempted branches out and computes them exactly."""
    req_rows = []
    for has in (False, True):
        for kind, labels in rules.required_in_window(year, start, through, cadence, has_committee=has).items():
            req_rows.append((has, kind, len(labels), cadence[kind]))
    req_rows += [(False, "", 0, rules.YEARLY), (True, "", 0, rules.YEARLY)]  # every branch joins a row
    kinds = sorted({k for _h, k, _n, _c in req_rows if k})
    b_sql, b_params = branch_qs.order_by().values("id", "path", "full_member_count").query.sql_with_params()
    covered = _covered(year, start, through, "COALESCE(h.months, 0)")
    g_sql, g_params = _group_sql(year, start, through, group_cadence)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(req_rows))
    kind_marks = ", ".join(["%s"] * len(kinds)) or "''"
    sql = f"""
        WITH terms AS (
            SELECT t.org_id, t.has_committee,
                   ROW_NUMBER() OVER (PARTITION BY t.org_id ORDER BY t.elected_on DESC, t.id DESC) AS rn
            FROM orgs_committeeterm t JOIN orgs_org o ON o.id = t.org_id
            WHERE o.path >= %s AND o.path < %s
        ), b AS (
            SELECT x.id, x.path, COALESCE(t.has_committee, x.full_member_count >= %s) AS hc
            FROM ({b_sql}) x LEFT JOIN terms t ON t.org_id = x.id AND t.rn = 1
        ), req (hc, kind, n, cadence) AS (VALUES {values}
        ), held AS (
            SELECT f.org_id, f.kind, f.months FROM orglife_periodfact f
            WHERE f.year = %s AND f.kind IN ({kind_marks}) AND f.party_group_id IS NULL
        ), per_branch AS (
            SELECT b.id, b.path, SUM(req.n) AS required,
                   SUM(req.n - CASE req.cadence WHEN 'monthly' THEN {covered[rules.MONTHLY]}
                                                WHEN 'quarterly' THEN {covered[rules.QUARTERLY]}
                                                ELSE {covered[rules.YEARLY]} END) AS gaps
            FROM b JOIN req ON req.hc = b.hc
            LEFT JOIN held h ON h.org_id = b.id AND h.kind = req.kind
            GROUP BY b.id, b.path
        ){g_sql}, total AS (
            SELECT pb.path, pb.required{" + COALESCE(gper.required, 0)" if g_sql else ""} AS required,
                   pb.gaps{" + COALESCE(gper.gaps, 0)" if g_sql else ""} AS gaps
            FROM per_branch pb{" LEFT JOIN gper ON gper.org_id = pb.id" if g_sql else ""}
        )
        SELECT SUBSTR(path, 1, {int(width)}), COUNT(*), SUM(required), SUM(gaps),
               SUM(CASE WHEN gaps > 0 THEN 1 ELSE 0 END)
        FROM total GROUP BY SUBSTR(path, 1, {int(width)})
    """
    from dangjian.orgs.rules import COMMITTEE_THRESHOLD_FULL_MEMBERS

    lo, hi = subtree, subtree + SUBTREE_END
    params = [
        lo, hi, COMMITTEE_THRESHOLD_FULL_MEMBERS, *b_params, *[v for row in req_rows for v in row], year, *kinds,
        *g_params,
    ]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement aggregating up to a province: room to hash in memory, no JIT compile (it costs more
            # than it saves at this size); both only for this transaction.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in cursor.fetchall()}


def drill_down(user, node: Org, year: int, quarter: int | None, today: date) -> tuple[Node, list[Node]]:
    """The node's total and one row per child (each child's subtree aggregated; a branch child is itself).

    Set-based: the branches under one cadence are summed per child by one SQL statement (subtree_rollup).
    Branches that need the exact computation go through branch_results instead: those with an exemption in
    the year, and those under an org that sets its own cadence inside the subtree (LIFE-05)."""
    start, through = rules.window(year, quarter, today)
    children = {
        c.path: Node(c, is_branch=c.kind in BRANCH_KINDS)
        for c in restrict(Org.objects.active().filter(parent=node), user, queries.VIEW).order_by("sort_order", "path")
    }
    total = Node(node, is_branch=node.kind in BRANCH_KINDS)
    width = len(node.path) + LABEL_WIDTH

    def add(prefix: str, branches: int, required: int, gaps: int, with_gaps: int) -> None:
        for target in (total, children.get(prefix)):
            if target is not None:
                target.branches += branches
                target.required += required
                target.gaps += gaps
                target.branches_with_gaps += with_gaps

    if through < start:
        return total, []
    scoped = restrict(
        Org.objects.active().filter(kind__in=BRANCH_KINDS, path__in_subtree=node.path), user, queries.VIEW
    )
    # Cadence rules set inside the subtree send their branches to the exact path; rules set above the node
    # apply to every branch alike.
    from dangjian.core.tree import ancestor_paths, depth_of
    from dangjian.orglife.models import CadenceRule

    uniform_rows, inner_paths = [], set()
    for path, kind, every, since in CadenceRule.objects.filter(
        Q(org__path__in=[*ancestor_paths(node.path), node.path]) | Q(org__path__in_subtree=node.path)
    ).values_list("org__path", "kind", "cadence", "effective_from"):
        if path.startswith(node.path) and path != node.path:
            inner_paths.add(path)
        else:
            uniform_rows.append((depth_of(path), kind, every, since))
    year_end = date(year, 12, 31)
    uniform = rules.effective_cadence([r for r in uniform_rows if r[1] != rules.GROUP_KIND], year_end)
    group_rows = [r for r in uniform_rows if r[1] == rules.GROUP_KIND]
    group_every = rules.effective_cadence(group_rows, year_end, {rules.GROUP_KIND: rules.DEFAULT_GROUP_CADENCE})

    exempted = set(
        Exemption.objects.filter(Q(period=str(year)) | Q(period__startswith=f"{year}-"))
        .filter(org__path__in_subtree=node.path)
        .values_list("org_id", flat=True)
    )
    fast = scoped
    exact = Q(pk__in=exempted) if exempted else Q(pk__in=[])
    for path in inner_paths:
        exact |= Q(path__in_subtree=path)
    if exempted or inner_paths:
        fast = scoped.exclude(exact)
    rolled = subtree_rollup(fast, node.path, year, start, through, uniform, width, group_every.get(rules.GROUP_KIND))
    for prefix, counts in rolled.items():
        add(prefix, *counts)
    if exempted or inner_paths:
        slow = [BranchRef(*row) for row in scoped.filter(exact).values_list("pk", "path", "name", "full_member_count")]
        for r in branch_results(slow, year, start, through):
            add(r.path[:width], 1, r.required, r.gaps, 1 if r.gaps else 0)
    return total, [c for c in children.values() if c.branches]


def branches_with_gaps(user, node: Org | None, year: int, quarter: int | None, today: date) -> list[BranchResult]:
    """The county's list: every branch in scope with a gap in the window, most gaps first."""
    start, through = rules.window(year, quarter, today)
    results = branch_results(branches_under(user, node), year, start, through)
    return sorted((r for r in results if r.gaps), key=lambda r: (-r.gaps, r.path))
