"""Maintained rollups: the dashboard figures of every org's subtree on a day.

Two layers. `OrgCount` holds each org's *own* figures (its own members by every §10.2 cell, itself as an
org, its own meeting periods, its own bills, its own structure findings), one row per org and basis, with
the org's path in the tree of the basis's day. `Rollup` holds each org's subtree figures, the sums of the
counters over the path prefixes, computed in SQL (`subtree_sums`: one GROUP BY over the counters joined to
the prefix lengths; no walk over a parent map, no query per org).

`refresh(day)` (the scheduled `stats_rollup` command) recomputes both layers of a day from the details. In
between, the write actions of members (`members.actions.recount`), meetings and dues call
`stats.events.orgs_changed(org_ids)`; after their commit `refresh_orgs` recounts the own figures of just
those orgs (set-based) for the days kept current (the latest refreshed day and the year ends), and adds the
difference to the rollups of the orgs on their paths (the ancestors are the labels of the path: no tree
walk). Changes of the tree itself (moves, new or dissolved orgs) and structure warnings wait for the next
`refresh`; `is_stale` says when such a change happened since.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
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


# Own figures other apps keep in the rollups: section → counts(ids, day) → {org id: {name: n}}, the figures
# of the cases, requests… *of each org itself* on `day` (set-based: one or a few queries for all `ids`).
# Registered from the app's AppConfig.ready() with `register_counter`; the app calls
# `stats.events.orgs_changed` at every write that changes them.
COUNTERS: dict[str, Callable[[set[int], date], dict[int, dict[str, int]]]] = {}


def register_counter(section: str, counts: Callable[[set[int], date], dict[int, dict[str, int]]]) -> None:
    """Keep `section` in every rollup: the sums over the subtree of `counts`' own figures of each org, on the
    same "day" basis as the members (the tree of the rollup's day), added in by `refresh_orgs` like them.
    The indicators read them from `Snapshot.rollup.figures[section]` when the section is there."""
    if section in BASE_SECTIONS or section in ("size", "warn"):
        raise ValueError(f"rollup section {section!r} is taken")
    COUNTERS[section] = counts
    SECTIONS.add(section)


def own_figures(ids: set[int], day: date) -> dict[int, dict[str, int]]:
    """org id → its own figures (members placed in it, itself as an org, the registered counters), keys
    "members|…", "orgs|…" and "<section>|…"."""
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
    for section, counts in COUNTERS.items():
        for org_id, figs in counts(ids, day).items():
            out[org_id].update({f"{section}|{k}": n for k, n in figs.items() if n})
    return out


BASES = ("day", "quarter", "month", "warn")
# What a Rollup's figures hold ("size" and "warn" are internal), with the sections of `register_counter`.
BASE_SECTIONS = frozenset({"members", "orgs", "orglife", "dues"})
SECTIONS = set(BASE_SECTIONS)
ORGLIFE_ZERO = {"orglife|required": 0, "orglife|gaps": 0}
DUES_ZERO = {"dues|billed": 0, "dues|paid": 0, "dues|waived": 0}
# Audit actions whose changes to the figures `refresh_orgs` does not add in: the tree and a restore.
NOT_MAINTAINED = ("org.", "system.restore")


def basis_day(basis: str, day: date, today: date) -> date:
    """The day whose tree a basis of `day`'s figures follows."""
    if basis == "quarter":
        return last_ended_quarter(day)[1]
    if basis == "month":
        return last_ended_month(day)[1]
    if basis == "warn":
        return today
    return day


def tree_changed_since(on: date) -> bool:
    from dangjian.orgs.models import OrgEdge

    return OrgEdge.objects.filter(Q(valid_from__gt=on) | Q(valid_to__gt=on)).exists()


def paths_on(on: date, ids: set[int] | None = None) -> dict[int, str]:
    """Org id → its path in the tree of `on`, for the orgs of that tree (among `ids` when given): the stored
    paths when the tree has not changed since, else derived from the parent history."""
    from dangjian.core.tree import expected_paths
    from dangjian.orgs.models import Org, OrgEdge

    if not tree_changed_since(on):
        edges = OrgEdge.objects.filter(valid_from__lte=on, valid_to__isnull=True)
        orgs = Org.objects.all()
        if ids is not None:
            edges = edges.filter(org_id__in=sorted(ids))
            orgs = orgs.filter(pk__in=sorted(ids))
        in_tree = set(edges.values_list("org_id", flat=True))
        return {pk: path for pk, path in orgs.values_list("id", "path") if pk in in_tree}
    paths = expected_paths(parent_map_as_of(on))
    return paths if ids is None else {k: v for k, v in paths.items() if k in ids}


def own_rows(basis: str, ids: set[int], day: date) -> dict[int, dict[str, int]]:
    """Org id → its own figures of `basis` on `day` (flat keys "section|name"), for the orgs `ids`."""
    if not ids:
        return {}
    if basis == "day":
        out = own_figures(ids, day)
        for org_id in ids:
            out[org_id]["size|n"] = 1
        return out
    if basis == "quarter":
        return {k: {"orglife|required": r, "orglife|gaps": g} for k, (r, g) in orglife_counts(ids, day).items()}
    if basis == "month":
        return {k: {f"dues|{f}": n for f, n in v.items()} for k, v in dues_counts(ids, day).items()}
    raise ValueError(basis)


def warning_rows(today: date) -> tuple[dict[int, dict[str, int]], dict[int, str], dict[int, list]]:
    """Each live org's own structure findings on today's data (keys "warn|…"), today's paths, the findings."""
    from dangjian.orgs.models import Org
    from dangjian.stats.queries import LIVE_ORG_FIELDS, findings_by_org

    live = list(Org.objects.filter(dissolved_on__isnull=True).only(*LIVE_ORG_FIELDS).order_by("path"))
    found = findings_by_org(live, today)
    own: dict[int, dict[str, int]] = {o.pk: {"warn|size": 1} for o in live}
    for pk, findings in found.items():
        row = own[pk]
        row["warn|orgs"] = 1
        row["warn|flagged"] = 1 if findings else 0
        for f in findings:
            row[f"warn|rule:{f.rule_id}"] = row.get(f"warn|rule:{f.rule_id}", 0) + 1
    return own, {o.pk: o.path for o in live}, found


def subtree_sums(day: date, basis: str) -> dict[str, dict[str, int]]:
    """Path → the sums of the counters of `basis` on `day` over the subtree at that path, every key, in SQL:
    the counters are spread into (path, key, n) rows of a temporary table once, then, deepest level first,
    each level's rows are summed into their parent's path (the path minus its last label) by one
    INSERT … SELECT … GROUP BY; a last GROUP BY adds up each path's own and pushed-up rows."""
    from django.db import connection

    from dangjian.core.tree import LABEL_WIDTH
    from dangjian.stats.models import OrgCount

    table = connection.ops.quote_name(OrgCount._meta.db_table)
    each = "jsonb_each_text" if connection.vendor == "postgresql" else "json_each"
    out: dict[str, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS stats_sums "
            "(path varchar(255), key varchar(100), n bigint, len integer)"
        )
        cur.execute("CREATE INDEX IF NOT EXISTS stats_sums_len ON stats_sums (len)")
        cur.execute("DELETE FROM stats_sums")
        cur.execute(
            f"INSERT INTO stats_sums (path, key, n, len) SELECT c.path, e.key, CAST(e.value AS BIGINT), LENGTH(c.path) "
            f"FROM {table} c CROSS JOIN {each}(c.figures) e WHERE c.day = %s AND c.basis = %s",
            [day.isoformat(), basis],
        )
        cur.execute("SELECT MAX(len) FROM stats_sums")
        longest = cur.fetchone()[0] or 0
        for length in range(longest, LABEL_WIDTH, -LABEL_WIDTH):
            cur.execute(
                "INSERT INTO stats_sums (path, key, n, len) SELECT SUBSTR(path, 1, %s), key, SUM(n), %s "
                "FROM stats_sums WHERE len = %s GROUP BY SUBSTR(path, 1, %s), key",
                [length - LABEL_WIDTH, length - LABEL_WIDTH, length, length - LABEL_WIDTH],
            )
        cur.execute("SELECT path, key, SUM(n) FROM stats_sums GROUP BY path, key")
        for path, key, n in cur.fetchall():
            out[path][key] = int(n)
        cur.execute("DELETE FROM stats_sums")
    return out


def _warnings_entry(
    sums: dict[str, int],
    path: str,
    flagged_paths: list[str],
    path_ids: dict[str, int],
    found: dict[int, list],
    limit: int = 20,
) -> dict:
    entry = {
        "orgs": sums.get("warn|orgs", 0),
        "flagged": sums.get("warn|flagged", 0),
        "by_rule": {k[10:]: v for k, v in sums.items() if k.startswith("warn|rule:")},
    }
    if sums.get("warn|size", 0) >= EXAMPLES_FROM:  # the first flagged orgs in path order
        start = bisect_left(flagged_paths, path)
        examples = []
        for p in flagged_paths[start : start + limit]:
            if not p.startswith(path):
                break
            examples.append([path_ids[p], [[f.rule_id, f.level, f.message] for f in found[path_ids[p]]]])
        entry["examples"] = examples
    return entry  # fmt: skip


def unflatten(flat: dict[str, int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {section: {} for section in sorted(SECTIONS)}
    for key, n in flat.items():
        section, name = key.split("|", 1)
        if section in SECTIONS:
            out[section][name] = n
    return out


def last_audit_seq() -> int:
    row = AuditEvent.objects.exclude(action__startswith="auth.").order_by("-seq").values_list("seq", flat=True)
    return row.first() or 0


def refresh(day: date | None = None, *, min_orgs: int = MIN_ORGS) -> int:
    """Recompute the counters and rollups of `day` (default today) from the details, for every org whose
    subtree on that day holds at least `min_orgs` orgs (the others are small enough to count live);
    returns the number of rollups written."""
    from dangjian.stats.models import OrgCount, RollupDay

    today = timezone.localdate()
    day = day or today
    seq = last_audit_seq()
    counters: list[OrgCount] = []
    paths: dict[str, dict[int, str]] = {}
    by_day: dict[date, dict[int, str]] = {}
    for basis in ("day", "quarter", "month"):
        on = basis_day(basis, day, today)
        if on not in by_day:
            by_day[on] = paths_on(on)
        paths[basis] = by_day[on]
        for org_id, figs in own_rows(basis, set(paths[basis]), day).items():
            if figs and org_id in paths[basis]:
                counters.append(OrgCount(day=day, basis=basis, org_id=org_id, path=paths[basis][org_id], figures=figs))
    warn_own, paths["warn"], found = warning_rows(today)
    counters.extend(
        OrgCount(day=day, basis="warn", org_id=pk, path=paths["warn"][pk], figures=figs)
        for pk, figs in warn_own.items()
    )
    flagged_paths = sorted(paths["warn"][pk] for pk, f in found.items() if f)
    path_ids = {p: pk for pk, p in paths["warn"].items()}
    now = timezone.now()
    with transaction.atomic():
        OrgCount.objects.filter(day=day).delete()
        OrgCount.objects.bulk_create(counters, batch_size=CHUNK)
        sums = {basis: subtree_sums(day, basis) for basis in BASES}
        rows = []
        for org_id, path in paths["day"].items():
            flat = dict(sums["day"].get(path, {}))
            if flat.get("size|n", 0) < min_orgs:
                continue
            q_path, m_path, w_path = (paths[b].get(org_id) for b in ("quarter", "month", "warn"))
            flat.update(sums["quarter"].get(q_path, ORGLIFE_ZERO) if q_path else ORGLIFE_ZERO)
            flat.update(sums["month"].get(m_path, DUES_ZERO) if m_path else DUES_ZERO)
            data = unflatten(flat)
            if w_path:
                data["warnings"] = _warnings_entry(sums["warn"].get(w_path, {}), w_path, flagged_paths, path_ids, found)
            rows.append(Rollup(org_id=org_id, day=day, figures=data, computed_at=now, audit_seq=seq))
        Rollup.objects.filter(day=day).delete()
        Rollup.objects.bulk_create(rows, batch_size=CHUNK)
        RollupDay.objects.update_or_create(day=day, defaults={"computed_at": now})
    return len(rows)


def maintained_days() -> list[date]:
    """The days `refresh_orgs` keeps current: the latest refreshed day and every refreshed 31 December."""
    from dangjian.stats.models import RollupDay

    days = sorted(RollupDay.objects.values_list("day", flat=True))
    return sorted({*days[-1:], *(d for d in days if (d.month, d.day) == (12, 31))})


def refresh_orgs(org_ids) -> int:
    """Recount the own figures of `org_ids` (orgs whose members, meetings or bills changed) for every
    maintained day and add the change to the rollups on their paths; returns the number of rollups changed.

    Set-based: per day and basis one count of those orgs' details, one read of their counters, one locked
    read of the rollups of the orgs on their paths (the path's labels are the ancestors' ids)."""
    from dangjian.core.tree import ids_in_path
    from dangjian.stats.models import OrgCount

    ids = {int(i) for i in org_ids if i}
    if not ids:
        return 0
    today = timezone.localdate()
    now = timezone.now()
    changed = 0
    for day in maintained_days():
        for basis in ("day", "quarter", "month"):
            on = basis_day(basis, day, today)
            with transaction.atomic():
                old = {
                    c.org_id: c
                    for c in OrgCount.objects.select_for_update().filter(day=day, basis=basis, org_id__in=sorted(ids))
                }
                known = {pk: c.path for pk, c in old.items()}
                missing = ids - set(known)
                if missing:
                    known.update(paths_on(on, missing))
                if not known:
                    continue
                new = own_rows(basis, set(known), day)
                deltas: dict[str, dict[str, int]] = {}
                for org_id, path in known.items():
                    before = old[org_id].figures if org_id in old else {}
                    after = new.get(org_id, {})
                    diff = {k: after.get(k, 0) - before.get(k, 0) for k in {*before, *after}}
                    diff = {k: v for k, v in diff.items() if v}
                    if not diff:
                        continue
                    deltas[path] = diff
                    if org_id in old:
                        old[org_id].figures = after
                        old[org_id].save(update_fields=["figures"])
                    else:
                        OrgCount.objects.create(day=day, basis=basis, org_id=org_id, path=path, figures=after)
                changed += _add_to_paths(day, deltas, now, ids_in_path)
    return changed


def _add_to_paths(day: date, deltas: dict[str, dict[str, int]], now, ids_in_path) -> int:
    """Add each path's differences to the rollups of `day` of every org on that path (itself included)."""
    on_path: dict[int, list[str]] = defaultdict(list)
    for path in deltas:
        for org_id in ids_in_path(path):
            on_path[org_id].append(path)
    if not on_path:
        return 0
    rollups = list(Rollup.objects.select_for_update().filter(day=day, org_id__in=sorted(on_path)).order_by("org_id"))
    for rollup in rollups:
        figures = rollup.figures
        for path in on_path[rollup.org_id]:
            for key, n in deltas[path].items():
                section, name = key.split("|", 1)
                # a section the rollup lacks (computed before its counter was registered) stays absent:
                # its indicators count live until the next refresh
                if section in SECTIONS and section in figures:
                    part = figures[section]
                    part[name] = part.get(name, 0) + n
        rollup.computed_at = now
    Rollup.objects.bulk_update(rollups, ["figures", "computed_at"])
    return len(rollups)


def mark_stale(org_ids) -> None:
    """After a failed `refresh_orgs`: the rollups on those orgs' paths say so until the next refresh."""
    from dangjian.core.tree import ids_in_path
    from dangjian.orgs.models import Org

    on_path = {i for path in Org.objects.filter(pk__in=list(org_ids)).values_list("path", flat=True)
               for i in ids_in_path(path)}  # fmt: skip
    Rollup.objects.filter(org_id__in=sorted(on_path)).update(stale=True)


def for_org(org_id: int, day: date) -> Rollup | None:
    return Rollup.objects.filter(org_id=org_id, day=day).first()


def is_stale(rollup: Rollup) -> bool:
    """Whether the rollup may no longer match the details: its incremental refresh failed, or since it was
    computed the tree changed (not added in by events), or, for a day not kept current by events, any domain
    change (every audited action but logins and statistics) happened."""
    if rollup.stale:
        return True
    events = AuditEvent.objects.filter(seq__gt=rollup.audit_seq).exclude(action__startswith="auth.")
    events = events.exclude(action__startswith="stats.")
    if rollup.day in maintained_days():
        maintained = Q()
        for prefix in NOT_MAINTAINED:
            maintained |= Q(action__startswith=prefix)
        events = events.filter(maintained)
    return events.exists()


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
