"""Maintained rollups: the dashboard figures of every org's subtree on a day, computed for all orgs at once.

`refresh(day)` counts each org's own members (one conditional-count query grouped by org, one GROUP BY
(org, 民族)) and the orgs themselves, then adds every org's figures into its parent's, deepest first, over
the tree as it stood on the day (the parent history): no query per org. The result replaces the day's
`Rollup` rows in one transaction. The dashboard, the indicators and the API read a rollup when one exists
for (org, day) and say when it was computed; `is_stale` tells whether domain data changed since.

Run it nightly (`dangjian manage stats_rollup`, default today) and for the report days (12-31).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.members.choices import COLLEGE_OR_ABOVE
from dangjian.orgs.queries import parent_map_as_of
from dangjian.stats import cube
from dangjian.stats.indicators import dues_counts, last_ended_month, last_ended_quarter, orglife_counts
from dangjian.stats.models import Rollup

CHUNK = 2000
MIN_ORGS = 2  # orgs without sub-organizations (most 党支部) get no rollup: their figures count fast live
EXAMPLES_FROM = 200  # subtrees of at least this many orgs keep their warning examples in the rollup


def member_keys(day: date):
    dims = cube.member_dimensions(day)
    short = [d for d in dims.values() if not (d.field and len(d.cells) > cube.GROUP_BY_CELLS)]
    long = [d for d in dims.values() if d not in short]
    return short, long


def own_figures(ids: set[int], day: date) -> dict[int, dict[str, int]]:
    """org id → its own figures (members placed in it, itself as an org), keys "members|…" and "orgs|…"."""
    short, long = member_keys(day)
    cells = {"total": Q()}
    for dim in short:
        cells.update({f"{dim.code}:{c.code}": c.q for c in dim.cells})
    out: dict[int, dict[str, int]] = defaultdict(dict)
    base = cube.placed(ids, day)
    for org_id, counts in cube.count_cells(base, cells, by="org_id").items():
        out[org_id].update({f"members|{k}": v for k, v in counts.items() if v})
    for dim in long:
        valid = {c.code for c in dim.cells}
        for org_id, value, n in base.order_by().values_list("org_id", dim.field).annotate(n=Count("id")):
            if value in valid:
                out[org_id][f"members|{dim.code}:{value}"] = n
    for org_id, kind, sector in cube.live_orgs(ids, day).values_list("id", "kind", "sector"):
        if kind == "local_committee":
            continue
        figs = out[org_id]
        figs["orgs|total"] = 1
        figs[f"orgs|kind:{kind}"] = 1
        figs[f"orgs|sector:{sector}"] = 1
    return out


def accumulate(parents: dict[int, int | None], own: dict[int, dict]) -> dict[int, dict]:
    """Each org's figures plus those of all its descendants in the tree `parents`, deepest first."""
    ids = set(parents)
    depth: dict[int, int] = {}

    def depth_of(node: int) -> int:
        chain = []
        while node not in depth:
            parent = parents.get(node)
            if parent is None or parent not in parents:
                depth[node] = 0
                break
            chain.append(node)
            node = parent
        d = depth[node]
        for n in reversed(chain):
            d += 1
            depth[n] = d
        return d

    for org_id in ids:
        depth_of(org_id)
    totals: dict[int, dict] = {org_id: dict(own.get(org_id, {})) for org_id in ids}
    for org_id in sorted(ids, key=lambda i: -depth[i]):
        parent = parents.get(org_id)
        if parent is None or parent not in totals:
            continue
        into = totals[parent]
        for key, n in totals[org_id].items():
            into[key] = into.get(key, 0) + n
    return totals


def subtree_figures(day: date) -> dict[int, dict[str, int]]:
    """org id → member and org figures of its whole subtree on `day`, for every org in the tree of that day,
    plus the organizational-life counts of the last ended quarter and the dues counts of the last ended
    month, each over the tree of that period's last day (as the live indicators compute them)."""
    parents = parent_map_as_of(day)
    totals = accumulate(parents, own_figures(set(parents), day) if parents else {})
    _first, q_end = last_ended_quarter(day)
    q_parents = parents if q_end == day else parent_map_as_of(q_end)
    per_branch = orglife_counts(set(q_parents), day) if q_parents else {}
    orglife = accumulate(q_parents, {k: {"orglife|required": r, "orglife|gaps": g} for k, (r, g) in per_branch.items()})
    _month, m_end = last_ended_month(day)
    m_parents = parents if m_end == day else parent_map_as_of(m_end)
    per_org = dues_counts(set(m_parents), day) if m_parents else {}
    dues = accumulate(m_parents, {k: {f"dues|{f}": n for f, n in v.items()} for k, v in per_org.items()})
    for org_id, flat in totals.items():
        flat.update(orglife.get(org_id, {"orglife|required": 0, "orglife|gaps": 0}))
        flat.update(dues.get(org_id, {"dues|billed": 0, "dues|paid": 0, "dues|waived": 0}))
    return totals


def warning_figures(today: date, *, min_orgs: int = EXAMPLES_FROM, limit: int = 20) -> dict[int, dict]:
    """Org id → the dashboard's structure-warning summary of its current subtree (orgs examined, flagged,
    by rule), with the first `limit` flagged orgs and their findings for subtrees of `min_orgs` or more."""
    from dangjian.orgs.models import Org
    from dangjian.stats.queries import LIVE_ORG_FIELDS, findings_by_org

    live = list(Org.objects.filter(dissolved_on__isnull=True).only(*LIVE_ORG_FIELDS).order_by("path"))
    found = findings_by_org(live, today)
    parents = {o.pk: o.parent_id for o in live}
    by_id = {o.pk: o for o in live}
    own = {}
    for pk, findings in found.items():
        row = {"orgs": 1, "flagged": 1 if findings else 0, "size": 1}
        for f in findings:
            row[f"rule:{f.rule_id}"] = row.get(f"rule:{f.rule_id}", 0) + 1
        own[pk] = row
    for pk in parents:
        own.setdefault(pk, {"size": 1})
    counts = accumulate(parents, own)
    # examples: the first flagged orgs in path order, merged upwards, kept only where the subtree is large
    flagged_paths = sorted(by_id[pk].path for pk, f in found.items() if f)
    path_to_id = {o.path: o.pk for o in live}
    out = {}
    for pk, row in counts.items():
        entry = {
            "orgs": row.get("orgs", 0),
            "flagged": row.get("flagged", 0),
            "by_rule": {k[5:]: v for k, v in row.items() if k.startswith("rule:")},
        }
        if row.get("size", 0) >= min_orgs:
            prefix = by_id[pk].path
            start = bisect_left(flagged_paths, prefix)
            examples = []
            for path in flagged_paths[start : start + limit]:
                if not path.startswith(prefix):
                    break
                org_id = path_to_id[path]
                examples.append([org_id, [[f.rule_id, f.level, f.message] for f in found[org_id]]])
            entry["examples"] = examples
        out[pk] = entry
    return out


def unflatten(flat: dict[str, int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {"members": {}, "orgs": {}, "orglife": {}, "dues": {}}
    for key, n in flat.items():
        section, name = key.split("|", 1)
        out[section][name] = n
    return out


def last_audit_seq() -> int:
    row = AuditEvent.objects.exclude(action__startswith="auth.").order_by("-seq").values_list("seq", flat=True)
    return row.first() or 0


def refresh(day: date | None = None, *, min_orgs: int = MIN_ORGS) -> int:
    """Recompute the rollups of `day` (default today) for every org whose subtree on that day holds at least
    `min_orgs` orgs (the others are small enough to count live); returns the number of rows written."""
    day = day or timezone.localdate()
    seq = last_audit_seq()
    figures = subtree_figures(day)
    parents = parent_map_as_of(day)
    sizes = accumulate(parents, {pk: {"n": 1} for pk in parents})
    warnings = warning_figures(timezone.localdate())
    now = timezone.now()
    rows = []
    for org_id, flat in figures.items():
        if sizes.get(org_id, {}).get("n", 0) < min_orgs:
            continue
        data = unflatten(flat)
        if org_id in warnings:
            data["warnings"] = warnings[org_id]
        rows.append(Rollup(org_id=org_id, day=day, figures=data, computed_at=now, audit_seq=seq))
    with transaction.atomic():
        Rollup.objects.filter(day=day).delete()
        Rollup.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


def for_org(org_id: int, day: date) -> Rollup | None:
    return Rollup.objects.filter(org_id=org_id, day=day).first()


def is_stale(rollup: Rollup) -> bool:
    """Whether a domain change (any audited action but logins and statistics) happened after the rollup."""
    return (
        AuditEvent.objects.filter(seq__gt=rollup.audit_seq)
        .exclude(action__startswith="auth.")
        .exclude(action__startswith="stats.")
        .exists()
    )


def member_indicator_figures(members: dict[str, int]) -> dict[str, int]:
    """The `Snapshot.members()` figures derived from a rollup's member cells."""
    total = members.get("total", 0)
    out = {
        "total": total,
        "full": members.get("category:full", 0),
        "probationary": members.get("category:probationary", 0),
        "female": members.get("sex:female", 0),
        "minority": total - members.get("ethnicity:汉族", 0),
        "college": sum(members.get(f"education:{e}", 0) for e in COLLEGE_OR_ABOVE),
    }
    for key, n in members.items():
        if key.startswith(("age:", "join:")) and not key.endswith(":"):
            out[key.replace(":", ".", 1)] = n
    return out


def org_indicator_figures(orgs: dict[str, int]) -> dict[str, int]:
    k = lambda name: orgs.get(f"kind:{name}", 0)  # noqa: E731
    return {
        "total": orgs.get("total", 0),
        "committees": k("committee") + k("working_committee") + k("joint_committee"),
        "general_branches": k("general_branch"),
        "branches": k("branch") + k("joint_branch"),
    }
