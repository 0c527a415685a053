"""The indicator registry: every statistic has a stable code and is computed over an org's subtree as of a day.

An indicator is called as ``REGISTRY[code](root_org, as_of)`` and returns a `Value`: a number (int, or a
Decimal percentage) or None with a reason (`NOT_CONNECTED` when the module holding the data does not exist
yet, `NOT_APPLICABLE` when nothing is due or there is nothing to measure).

The tree is the one that stood on the day (``orgs.queries.subtree_ids_as_of``, from the OrgEdge history),
never today's paths, so moving or dissolving an org never rewrites the past. The indicators of one
(root, day) share a `Snapshot` that reads each source once, set-based: one query for every member figure,
one for every org figure, a handful for organizational life and dues, whatever the size of the subtree.

Approximations (the roster keeps the current stage and status of a member, not their full history):
- A member counts on day d when a Placement interval covers d (valid_from ≤ d and valid_to null or > d),
  the member is a Party member today (预备 or 正式) and joined_on ≤ d (or joined_on is unknown).
- 正式 on d: full_on ≤ d, or full_on unknown and the member is full today. 预备 on d: full_on > d, or
  full_on unknown and the member is probationary today. A member whose probation was cancelled and who
  left the Party is counted as probationary until the exit.
- An exited member counts until the exit date (status_since, exclusive); the exit also closes the
  placement. 停止党籍 members are counted as members (their status history is not dated per interval).
- Sex, ethnicity, education and birth date are today's values; ages are full years on d (§10.2 bands);
  join bands use joined_on, so members without it fall in no join band.
- Org counts: orgs in the subtree on d with established_on ≤ d and (dissolved_on null or > d).
  `orgs.total` counts 基层党组织 (every kind but 地方党委); `orgs.committees` counts 基层党委, 党工委 and
  联合党委.
- Organizational life: the last quarter ended on or before d, over the branches that existed at its end
  in the tree of that day; whether a branch has a committee is today's answer (orglife.queries).
- Dues: the last month ended on or before d, over the bills of the orgs in the tree of the month's end.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q

from dangjian.core.sql import values_in
from dangjian.members.choices import COLLEGE_OR_ABOVE, MEMBER_STAGES, MemberStatus, Sex, Stage
from dangjian.members.rules import AGE_BANDS, JOIN_BANDS, age_band_birth_range, join_band_range

NOT_CONNECTED = "未接入"
NOT_APPLICABLE = "—"


@dataclass(frozen=True)
class Value:
    number: int | Decimal | None
    reason: str = ""

    @property
    def is_missing(self) -> bool:
        return self.number is None


def ids_q(field: str, ids: Iterable[int]) -> Q:
    """``field IN ids`` for any number of ids (`core.sql.values_in`)."""
    return values_in(field, sorted(ids))


def last_ended_quarter(day: date) -> tuple[date, date]:
    """First and last day of the last calendar quarter that ended on or before `day`."""
    q_end_month = (day.month - 1) // 3 * 3 + 3
    end = date(day.year, q_end_month, calendar.monthrange(day.year, q_end_month)[1])
    if end > day:
        end = date(day.year, q_end_month - 2, 1) - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def last_ended_month(day: date) -> tuple[date, date]:
    """First and last day of the last calendar month that ended on or before `day`."""
    end = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    if end > day:
        end = day.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class Snapshot:
    """What the indicators of one (root, day) read, each source fetched once, on first use."""

    def __init__(self, root, as_of: date, *, rollup=None):
        self.root = root
        self.as_of = as_of
        self.rollup = rollup  # a stats.models.Rollup of (root, as_of): member and org figures come from it
        self._subtrees: dict[date, set[int]] = {}
        self._unchanged: dict[date, bool] = {}
        self._members: dict[str, int] | None = None
        self._orgs: dict[str, int] | None = None
        if rollup is not None:
            from dangjian.stats.rollups import member_indicator_figures, org_indicator_figures

            self._members = member_indicator_figures(rollup.figures.get("members", {}))
            self._orgs = org_indicator_figures(rollup.figures.get("orgs", {}))
        self._orglife: Value | None = None
        self._dues: Value | None = None

    def subtree_ids(self, day: date) -> set[int]:
        from dangjian.orgs.queries import subtree_ids_as_of

        if day not in self._subtrees:
            self._subtrees[day] = subtree_ids_as_of(self.root.pk, day)
        return self._subtrees[day]

    def in_subtree(self, org_field: str, day: date) -> Q:
        """A filter on `org_field` (a foreign key to Org) for the orgs under the root as the tree stood on
        `day`: the root's path range less the dissolved orgs when no parent link changed since `day` (then
        today's tree is that day's, and no list of ids is needed), else the ids of `subtree_ids(day)`."""
        from dangjian.stats.rollups import tree_changed_since

        if day not in self._unchanged:
            self._unchanged[day] = not tree_changed_since(day)
        if self._unchanged[day]:
            return Q(**{f"{org_field}__path__in_subtree": self.root.path, f"{org_field}__dissolved_on__isnull": True})
        return ids_q(f"{org_field}_id", self.subtree_ids(day))

    # -- members -------------------------------------------------------------------------------------
    def members(self) -> dict[str, int]:
        if self._members is None:
            self._members = self._member_figures()
        return self._members

    def _member_figures(self) -> dict[str, int]:
        from dangjian.members.models import Placement

        d = self.as_of
        ids = self.subtree_ids(d)
        if not ids:
            return {}
        placed = (
            Placement.objects.filter(ids_q("org_id", ids), valid_from__lte=d)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=d))
            .filter(member__stage__in=MEMBER_STAGES)
            .filter(Q(member__joined_on__isnull=True) | Q(member__joined_on__lte=d))
            .filter(~Q(member__status=MemberStatus.EXITED) | Q(member__status_since__gt=d))
        )
        conditions: dict[str, Q] = {
            "full": Q(member__full_on__lte=d) | Q(member__full_on__isnull=True, member__stage=Stage.FULL),
            "probationary": Q(member__full_on__gt=d)
            | Q(member__full_on__isnull=True, member__stage=Stage.PROBATIONARY),
            "female": Q(member__sex=Sex.FEMALE),
            "minority": ~Q(member__ethnicity="汉族"),
            "college": Q(member__education__in=COLLEGE_OR_ABOVE),
        }
        for band, _label in AGE_BANDS:
            earliest, latest = age_band_birth_range(band, d)
            q = Q()
            if earliest is not None:
                q &= Q(member__birth_date__gte=earliest)
            if latest is not None:
                q &= Q(member__birth_date__lte=latest)
            conditions[f"age.{band}"] = q
        for band, _label in JOIN_BANDS:
            start, end = join_band_range(band)
            q = Q()
            if start is not None:
                q &= Q(member__joined_on__gte=start)
            if end is not None:
                q &= Q(member__joined_on__lte=end)
            conditions[f"join.{band}"] = q
        # Aggregate aliases must be identifiers: map them back to the codes afterwards.
        aliases = {f"f{i}": key for i, key in enumerate(conditions)}
        row = placed.aggregate(
            total=Count("member"),
            **{alias: Count("member", filter=conditions[key]) for alias, key in aliases.items()},
        )
        out = {"total": row["total"] or 0}
        out.update({key: row[alias] or 0 for alias, key in aliases.items()})
        return out

    # -- orgs ----------------------------------------------------------------------------------------
    def orgs(self) -> dict[str, int]:
        if self._orgs is None:
            self._orgs = self._org_figures()
        return self._orgs

    def _org_figures(self) -> dict[str, int]:
        from dangjian.orgs.models import BRANCH_KINDS, COMMITTEE_KINDS, Org, OrgKind

        d = self.as_of
        ids = self.subtree_ids(d)
        if not ids:
            return {}
        row = (
            Org.objects.filter(ids_q("id", ids), established_on__lte=d)
            .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=d))
            .aggregate(
                total=Count("id", filter=~Q(kind=OrgKind.LOCAL_COMMITTEE)),
                committees=Count("id", filter=Q(kind__in=COMMITTEE_KINDS - {OrgKind.LOCAL_COMMITTEE})),
                general_branches=Count("id", filter=Q(kind=OrgKind.GENERAL_BRANCH)),
                branches=Count("id", filter=Q(kind__in=BRANCH_KINDS)),
            )
        )
        return {k: v or 0 for k, v in row.items()}

    # -- organizational life -------------------------------------------------------------------------
    def orglife_completion(self) -> Value:
        if self._orglife is None:
            self._orglife = self._orglife_completion()
        return self._orglife

    def _orglife_completion(self) -> Value:
        if self.rollup is not None and "orglife" in self.rollup.figures:
            counts = self.rollup.figures["orglife"]
            return _completion(counts.get("required", 0), counts.get("gaps", 0))
        _first, last = last_ended_quarter(self.as_of)
        ids = self.subtree_ids(last)
        if not ids:
            return Value(None, NOT_APPLICABLE)
        per_branch = orglife_counts(ids, self.as_of)
        if not per_branch:
            return Value(None, NOT_APPLICABLE)
        return _completion(sum(r for r, _g in per_branch.values()), sum(g for _r, g in per_branch.values()))

    # -- dues ----------------------------------------------------------------------------------------
    def dues_collection(self) -> Value:
        if self._dues is None:
            self._dues = self._dues_collection()
        return self._dues

    def _dues_collection(self) -> Value:
        from dangjian.dues import rules as dues_rules

        if self.rollup is not None and "dues" in self.rollup.figures:
            counts = self.rollup.figures["dues"]
        else:
            _month, end = last_ended_month(self.as_of)
            ids = self.subtree_ids(end)
            if not ids:
                return Value(None, NOT_APPLICABLE)
            counts = {"billed": 0, "paid": 0, "waived": 0}
            for row in dues_counts(ids, self.as_of).values():
                for k in counts:
                    counts[k] += row[k]
        rate = dues_rules.collection_rate(counts.get("billed", 0) - counts.get("waived", 0), counts.get("paid", 0))
        return Value(None, NOT_APPLICABLE) if rate is None else Value(rate)


def _completion(required: int, gaps: int) -> Value:
    from dangjian.orglife import rules

    if required <= 0:
        return Value(None, NOT_APPLICABLE)
    return Value(rules.completion_rate(required, gaps))


def orglife_counts(ids: set[int], as_of: date) -> dict[int, tuple[int, int]]:
    """Branch id → (required, missed) meeting periods of the last quarter ended on or before `as_of`, for the
    branches among `ids` that existed at the quarter's end (the compliance table's figures, all at once)."""
    from dangjian.orglife import rules
    from dangjian.orglife.models import COUNTED_STATUSES, Exemption, Meeting
    from dangjian.orglife.queries import has_committee_map
    from dangjian.orgs.models import BRANCH_KINDS, Org

    first, last = last_ended_quarter(as_of)
    branches = list(
        Org.objects.filter(ids_q("id", ids), kind__in=BRANCH_KINDS, established_on__lte=last)
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=last))
        .only("id", "full_member_count")
    )
    if not branches:
        return {}
    branch_ids = [b.pk for b in branches]
    # What the compliance table (orglife.queries.compliance_rows) says for the periods that end in the
    # quarter (months, the quarter; the year in Q4), computed for all branches at once: the required
    # periods come from the rules once per committee flag, held meetings and exemptions in one query each.
    due = {
        flag: {
            p
            for p in rules.required_periods(year=last.year, through=last, has_committee=flag)
            if first <= rules.period_bounds(p[1])[1] <= last
        }
        for flag in (False, True)
    }
    kinds = {kind for kind, _period in due[True]}
    period_start = min(rules.period_bounds(p[1])[0] for p in due[True])
    held: dict[int, set[tuple[str, str]]] = {}
    for org_id, kind, day in (
        Meeting.objects.filter(
            ids_q("org_id", branch_ids), status__in=COUNTED_STATUSES, kind__in=kinds,
            held_on__gte=period_start, held_on__lte=last,
        )
        .values_list("org_id", "kind", "held_on")
        .distinct()
    ):  # fmt: skip
        held.setdefault(org_id, set()).add((kind, rules.period_of(kind, day)))
    exempt: dict[int, set[tuple[str, str]]] = {}
    for org_id, kind, period in Exemption.objects.filter(
        ids_q("org_id", branch_ids), period__in={p for _k, p in due[True]}
    ).values_list("org_id", "kind", "period"):
        exempt.setdefault(org_id, set()).add((kind, period))
    committee = has_committee_map(branches)
    out: dict[int, tuple[int, int]] = {}
    empty: set[tuple[str, str]] = set()
    for org_id in branch_ids:
        # An exempted period leaves the count altogether, held or not (as in the compliance table).
        periods = due[committee[org_id]] - exempt.get(org_id, empty)
        out[org_id] = (len(periods), len(periods - held.get(org_id, empty)))
    return out


def dues_counts(ids: set[int], as_of: date) -> dict[int, dict[str, int]]:
    """Org id → bills issued, paid and waived in the last month ended on or before `as_of`."""
    from dangjian.dues.models import Bill
    from dangjian.dues.queries import FIGURES

    month, _end = last_ended_month(as_of)
    figures = {k: FIGURES[k] for k in ("billed", "paid", "waived")}
    rows = Bill.objects.filter(ids_q("org_id", ids), month=month).order_by().values("org_id").annotate(**figures)
    return {row["org_id"]: {k: row[k] or 0 for k in figures} for row in rows}


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str  # Chinese, with the unit in brackets
    permission: str  # needed on the root org to see the figure
    compute: Callable[[Snapshot], Value]
    placeholder: bool = False  # declared, but no app has connected its data yet (shows 未接入)
    group: str = ""  # dashboard section: the code's first part unless given

    def __call__(self, root_org, as_of: date, *, snapshot: Snapshot | None = None) -> Value:
        return self.compute(snapshot or Snapshot(root_org, as_of))

    @property
    def section(self) -> str:
        return self.group or self.code.split(".", 1)[0]


REGISTRY: dict[str, Indicator] = {}

MEMBERS, ORGS = "members.view_member", "orgs.view_org"
ORGLIFE, DUES = "orglife.view_meeting", "dues.view_bill"


def register(
    code: str, label: str, permission: str, compute: Callable[[Snapshot], Value], *, group: str = ""
) -> Indicator:
    """Add an indicator to the registry (the hook for other apps: call it from your AppConfig.ready()).

    `compute(snapshot)` returns a `Value`; it reads `snapshot.root` (an Org), `snapshot.as_of` (a date) and
    `snapshot.subtree_ids(day)` (ids of the orgs under the root as the tree stood on `day`) and must be
    set-based (a few queries whatever the size of the subtree). A code declared with `declare()` (shown as
    未接入) is replaced; any other duplicate code is an error. Codes are stable identifiers: never rename one.
    """
    existing = REGISTRY.get(code)
    if existing is not None and not existing.placeholder:
        raise ValueError(f"duplicate indicator code {code!r}")
    REGISTRY[code] = indicator = Indicator(code, label, permission, compute, group=group)
    return indicator


def declare(code: str, label: str, permission: str, *, group: str = "") -> Indicator:
    """Reserve a code whose data another app will provide: until it registers it, the value is 未接入."""
    if code in REGISTRY:
        return REGISTRY[code]
    REGISTRY[code] = indicator = Indicator(code, label, permission, _not_connected, placeholder=True, group=group)
    return indicator


def _member(key: str) -> Callable[[Snapshot], Value]:
    return lambda snap: Value(snap.members().get(key, 0))


def _org(key: str) -> Callable[[Snapshot], Value]:
    return lambda snap: Value(snap.orgs().get(key, 0))


def _not_connected(_snap: Snapshot) -> Value:
    return Value(None, NOT_CONNECTED)


register("members.total", "党员总数（名）", MEMBERS, _member("total"))
register("members.full", "正式党员（名）", MEMBERS, _member("full"))
register("members.probationary", "预备党员（名）", MEMBERS, _member("probationary"))
register("members.female", "女党员（名）", MEMBERS, _member("female"))
register("members.minority", "少数民族党员（名）", MEMBERS, _member("minority"))
register("members.college", "大专及以上学历党员（名）", MEMBERS, _member("college"))
for _band, _label in AGE_BANDS:
    register(f"members.age.{_band}", f"年龄 {_label}（名）", MEMBERS, _member(f"age.{_band}"))
for _band, _label in JOIN_BANDS:
    register(f"members.join.{_band}", f"入党时间 {_label}（名）", MEMBERS, _member(f"join.{_band}"))
register("orgs.total", "基层党组织（个）", ORGS, _org("total"))
register("orgs.committees", "基层党委（个）", ORGS, _org("committees"))
register("orgs.general_branches", "党总支（个）", ORGS, _org("general_branches"))
register("orgs.branches", "党支部（个）", ORGS, _org("branches"))
register("orglife.completion_rate", "组织生活完成率（上一季度，%）", ORGLIFE, lambda s: s.orglife_completion())
register("dues.collection_rate", "党费交纳率（上月，%）", DUES, lambda s: s.dues_collection())

# The recruitment pipeline (发展党员) belongs to the recruitment app: these codes are reserved here and show
# 未接入 until that app registers them from its AppConfig.ready() (see docs/stats.md, 「其他模块接入指标」).
RECRUITMENT_CODES = (
    ("recruitment.applicants", "入党申请人（名）"),
    ("recruitment.activists", "入党积极分子（名）"),
    ("recruitment.candidates", "发展对象（名）"),
    ("recruitment.developed", "本年发展党员（名）"),
    ("recruitment.overdue", "发展党员超期事项（件）"),
)
for _code, _label in RECRUITMENT_CODES:
    declare(_code, _label, MEMBERS)


def evaluate(
    root_org, as_of: date, codes: Iterable[str] | None = None, *, rollup=None
) -> list[tuple[Indicator, Value]]:
    """The indicators named by `codes` (default: all, in registry order) for one subtree and day (member and
    org figures from `rollup` when given)."""
    snapshot = Snapshot(root_org, as_of, rollup=rollup)
    chosen = REGISTRY.values() if codes is None else [REGISTRY[c] for c in codes]
    return [(ind, ind(root_org, as_of, snapshot=snapshot)) for ind in chosen]
