"""Breakdowns of a subtree as of a day: members by the §10.2 vocabularies, orgs by kind and sector.

A *dimension* is a list of `Cell`s, each a code, a Chinese label, a filter (Q) on the base rows and the roster
filter parameters that list the members behind it. A breakdown counts every cell of a dimension in one
aggregate query (conditional counts), optionally grouped by org; `rollup` then adds the per-org counts up to
the root's direct children as the tree stood on the day. So the dashboard, the drill-down and the annual
tables read the same cells, and a child's figures sum to the parent's by construction of the tree, which the
tests verify by computing each subtree on its own.

Members are counted by their placement on the day (see `indicators` for the approximations); the flows of a
year (发展、转正、出党) are counted at the org whose placement covered the event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from dangjian.members.choices import (
    COLLEGE_OR_ABOVE,
    ETHNICITIES,
    MEMBER_STAGES,
    Education,
    MemberStatus,
    Occupation,
    Sex,
    Stage,
)
from dangjian.members.rules import AGE_BANDS, JOIN_BANDS, age_band_birth_range, join_band_range
from dangjian.orgs.models import OrgKind, Sector

UNFILLED = "未填写"


@dataclass(frozen=True)
class Cell:
    code: str
    label: str
    q: Q
    roster: dict = field(default_factory=dict)  # members roster filter parameters (today's data)


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    source: str  # "members" | "orgs"
    cells: tuple[Cell, ...]
    field: str = ""  # a plain column whose values are the cell codes (grouped on directly)

    def cell(self, code: str) -> Cell | None:
        return next((c for c in self.cells if c.code == code), None)


def _range_q(field_name: str, start: date | None, end: date | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{field_name}__gte": start})
    if end is not None:
        q &= Q(**{f"{field_name}__lte": end})
    return q


def member_dimensions(day: date, prefix: str = "member__") -> dict[str, Dimension]:
    """The §10.2 member vocabularies as of `day` (ages are full years on that day)."""
    p = prefix

    def choice_cells(field_name: str, choices, roster_key: str) -> tuple[Cell, ...]:
        cells = [Cell(v, lbl, Q(**{f"{p}{field_name}": v}), {roster_key: v}) for v, lbl in choices]
        cells.append(Cell("", UNFILLED, Q(**{f"{p}{field_name}": ""}), {}))
        return tuple(cells)

    ages = []
    for band, label in AGE_BANDS:
        earliest, latest = age_band_birth_range(band, day)
        ages.append(Cell(band, label, _range_q(f"{p}birth_date", earliest, latest), {"age_band": band}))
    joins = [
        Cell(band, label, _range_q(f"{p}joined_on", *join_band_range(band)), {"join_band": band})
        for band, label in JOIN_BANDS
    ]
    joins.append(Cell("", "未登记入党日期", Q(**{f"{p}joined_on__isnull": True}), {}))
    ethnic = [Cell(name, name, Q(**{f"{p}ethnicity": name}), {"ethnicity": name}) for name in ETHNICITIES]
    dims = [
        Dimension(
            "category",
            "人员类别",
            "members",
            (
                Cell("full", "正式党员", full_q(day, p), {"stage": Stage.FULL}),
                Cell("probationary", "预备党员", ~full_q(day, p), {"stage": Stage.PROBATIONARY}),
            ),
        ),
        Dimension("sex", "性别", "members", choice_cells("sex", Sex.choices, "sex")[:-1], f"{p}sex"),
        Dimension("age", "年龄", "members", tuple(ages)),
        Dimension("join", "入党时间", "members", tuple(joins)),
        Dimension(
            "education", "学历", "members", choice_cells("education", Education.choices, "education"), f"{p}education"
        ),
        Dimension("ethnicity", "民族", "members", tuple(ethnic), f"{p}ethnicity"),
        Dimension(
            "occupation",
            "工作岗位",
            "members",
            choice_cells("occupation", Occupation.choices, "occupation"),
            f"{p}occupation",
        ),
    ]
    return {d.code: d for d in dims}


def full_q(day: date, p: str = "member__") -> Q:
    """正式 on `day`: converted on or before it, or no conversion date recorded and full today."""
    return Q(**{f"{p}full_on__lte": day}) | Q(**{f"{p}full_on__isnull": True, f"{p}stage": Stage.FULL})


def org_dimensions() -> dict[str, Dimension]:
    kinds = tuple(
        Cell(v, lbl, Q(kind=v), {}) for v, lbl in OrgKind.choices if v != OrgKind.LOCAL_COMMITTEE
    )  # 基层党组织 only
    sectors = tuple(Cell(v, lbl, Q(sector=v) & ~Q(kind=OrgKind.LOCAL_COMMITTEE), {}) for v, lbl in Sector.choices)
    return {
        "kind": Dimension("kind", "组织类别", "orgs", kinds),
        "sector": Dimension("sector", "所在领域", "orgs", sectors),
    }


# ---------------------------------------------------------------------------------------------- base rows


def placed(ids: Iterable[int], day: date):
    """Placements of Party members in orgs `ids` on `day` (the `members.total` population)."""
    from dangjian.members.models import Placement
    from dangjian.stats.indicators import ids_q

    return (
        Placement.objects.filter(ids_q("org_id", ids), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .filter(member__stage__in=MEMBER_STAGES)
        .filter(Q(member__joined_on__isnull=True) | Q(member__joined_on__lte=day))
        .filter(~Q(member__status=MemberStatus.EXITED) | Q(member__status_since__gt=day))
    )


def placed_at_event(ids: Iterable[int], event_field: str, first: date, last: date, *, exit_event: bool = False):
    """Placements in orgs `ids` that covered a member's event dated in [first, last] (one per event).

    An exit closes the placement on its date, so an exit is counted at the placement that ended on it."""
    from dangjian.members.models import Placement
    from dangjian.stats.indicators import ids_q

    ev = f"member__{event_field}"
    qs = Placement.objects.filter(ids_q("org_id", ids), **{f"{ev}__gte": first, f"{ev}__lte": last})
    if exit_event:
        from django.db.models import F

        return qs.filter(valid_from__lt=F(ev)).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=F(ev)))
    from django.db.models import F

    return qs.filter(valid_from__lte=F(ev)).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=F(ev)))


def live_orgs(ids: Iterable[int], day: date):
    from dangjian.orgs.models import Org
    from dangjian.stats.indicators import ids_q

    return Org.objects.filter(ids_q("id", ids), established_on__lte=day).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day)
    )


# ---------------------------------------------------------------------------------------------- counting


def count_cells(qs, cells: dict[str, Q], *, by: str | None = None, count_field: str = "id") -> dict:
    """Conditional counts of `cells` (key → Q) over `qs`: {key: n}, or {group: {key: n}} grouped by `by`."""
    aliases = {f"c{i}": key for i, key in enumerate(cells)}
    aggregates = {alias: Count(count_field, filter=cells[key]) for alias, key in aliases.items()}
    if by is None:
        row = qs.aggregate(**aggregates) if aggregates else {}
        return {key: row.get(alias) or 0 for alias, key in aliases.items()}
    out: dict = {}
    for row in qs.order_by().values(by).annotate(**aggregates):
        out[row[by]] = {key: row[alias] or 0 for alias, key in aliases.items()}
    return out


GROUP_BY_CELLS = 20  # a plain-column dimension with more cells than this is grouped on (民族: 56 names)


def dimension_counts(qs, dims: Iterable[Dimension]) -> tuple[int, dict[str, dict[str, int]]]:
    """Every cell of `dims` over `qs`: one query of conditional counts for the short dimensions (and the first
    cell of each long one, its most common value: 汉族), one GROUP BY over the remaining rows of each long
    plain-column dimension. Returns (total, {dim: {cell: n}})."""
    dims = list(dims)
    grouped = [d for d in dims if d.field and len(d.cells) > GROUP_BY_CELLS]
    counted = [d for d in dims if d not in grouped]
    cells = {"total": Q()}
    for dim in counted:
        cells.update({f"{dim.code}:{c.code}": c.q for c in dim.cells})
    for dim in grouped:
        cells[f"{dim.code}:{dim.cells[0].code}"] = dim.cells[0].q
    flat = count_cells(qs, cells)
    counts = {dim.code: {c.code: flat[f"{dim.code}:{c.code}"] for c in dim.cells} for dim in counted}
    for dim in grouped:
        first = dim.cells[0]
        counts[dim.code] = dict.fromkeys((c.code for c in dim.cells), 0)
        counts[dim.code][first.code] = flat[f"{dim.code}:{first.code}"]
        for value, n in qs.exclude(first.q).order_by().values_list(dim.field).annotate(n=Count("id")):
            if value in counts[dim.code] and value != first.code:
                counts[dim.code][value] += n
    return flat["total"], counts


def dimension_cells(dim: Dimension, *, with_total: bool = True) -> dict[str, Q]:
    cells = {"total": Q()} if with_total else {}
    cells.update({c.code: c.q for c in dim.cells})
    return cells


def owners(root_id: int, day: date) -> dict[int, int]:
    """Org id → the direct child of `root_id` whose subtree holds it on `day` (the root maps to itself)."""
    from dangjian.orgs.queries import parent_map_as_of

    parents = parent_map_as_of(day)
    out: dict[int, int] = {root_id: root_id}

    def owner(node: int) -> int | None:
        chain = []
        while node not in out:
            parent = parents.get(node)
            if parent is None:
                for n in chain:
                    out[n] = None
                return None
            chain.append(node)
            if parent == root_id:
                out[node] = node
                chain.pop()
                break
            node = parent
        found = out[node]
        for n in chain:
            out[n] = found
        return found

    for org_id in parents:
        owner(org_id)
    return {k: v for k, v in out.items() if v is not None}


def rollup(per_org: dict[int, dict[str, int]], owner: dict[int, int]) -> dict[int, dict[str, int]]:
    """Sum per-org counts into the owners' rows (a direct child, or the root itself for its own members)."""
    out: dict[int, dict[str, int]] = {}
    for org_id, counts in per_org.items():
        key = owner.get(org_id)
        if key is None:
            continue
        row = out.setdefault(key, {})
        for k, v in counts.items():
            row[k] = row.get(k, 0) + v
    return out


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_at_most_q(day: date, years: int, p: str = "member__") -> Q:
    """Aged `years` or less on `day`: born after the day `years + 1` years before."""
    return Q(**{f"{p}birth_date__gt": years_before(day, years + 1)})


COLLEGE_Q = Q(member__education__in=COLLEGE_OR_ABOVE)
FEMALE_Q = Q(member__sex=Sex.FEMALE)
MINORITY_Q = ~Q(member__ethnicity="汉族")
