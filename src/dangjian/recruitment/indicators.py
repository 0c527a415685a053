"""The recruitment pipeline as statistics indicators (the codes `stats.indicators` reserves as 未接入).

As of a day, from the cases' own milestone dates: an 入党申请人 applied on or before the day and was not
yet an activist, and so on down the pipeline; 本年发展党员 are the admissions the upper committee approved
from 1 January to the day (an assembly in December approved in January counts in January's year); a case
closed without conversion (cancelled, not approved, void, transferred out) stops counting from the day of
its last change. The org is the case's current one
(a case moved to another org counts there for past days too: cases keep no org history of their own).

The statistics rollups keep the five figures per subtree (`own_counts`, registered as the rollups'
"recruitment" section); every action that writes a case calls `stats.events.orgs_changed` with its org (both
orgs on a transfer) so the rollups follow, and the dashboard reads them instead of counting.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from dangjian.recruitment.models import CaseState, RecruitmentCase

PERMISSION = "recruitment.view_recruitmentcase"
KEYS = ("applicants", "activists", "candidates", "developed", "overdue")


def conditions(day: date) -> dict[str, Q]:
    """Each figure as a filter on the cases, as of `day`."""
    alive = Q(is_open=True) | Q(state=CaseState.FULL) | Q(updated_at__date__gt=day)

    def between(start: str, end: str) -> Q:
        return Q(**{f"{start}__lte": day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": day})) & alive

    return {
        "applicants": between("application_date", "activist_date"),
        "activists": between("activist_date", "candidate_date"),
        "candidates": between("candidate_date", "acceptance_date"),
        "developed": Q(approval_date__gte=date(day.year, 1, 1), approval_date__lte=day),
        "overdue": Q(is_open=True, next_due__lt=day),
    }


def pipeline(snap) -> dict[str, int]:
    """All five figures: from the snapshot's rollup when it holds them (`own_counts` summed over the subtree,
    kept current by the actions), else in one query; cached on the snapshot."""
    cached = getattr(snap, "_recruitment", None)
    if cached is not None:
        return cached
    rolled = snap.rollup.figures.get("recruitment") if snap.rollup is not None else None
    if rolled is not None:
        figures = {k: rolled.get(k, 0) for k in KEYS}
    else:
        day: date = snap.as_of
        figures = RecruitmentCase.objects.filter(snap.in_subtree("org", day)).aggregate(
            **{k: Count("pk", filter=q) for k, q in conditions(day).items()}
        )
    snap._recruitment = figures
    return figures


def own_counts(ids: set[int], day: date) -> dict[int, dict[str, int]]:
    """Org id → the five figures of the cases of that org itself on `day`, for the orgs `ids` (one grouped
    query): the statistics rollups' "recruitment" section (`stats.rollups.register_counter`)."""
    from dangjian.stats.indicators import ids_q

    rows = (
        RecruitmentCase.objects.filter(ids_q("org_id", ids))
        .order_by()
        .values("org_id")
        .annotate(**{k: Count("pk", filter=q) for k, q in conditions(day).items()})
    )
    return {row["org_id"]: {k: row[k] for k in KEYS if row[k]} for row in rows}


def register_indicators() -> None:
    from dangjian.stats.indicators import RECRUITMENT_CODES, Value, register
    from dangjian.stats.rollups import register_counter

    for code, label in RECRUITMENT_CODES:
        key = code.split(".", 1)[1]
        register(code, label, PERMISSION, lambda snap, key=key: Value(pipeline(snap)[key]))
    register_counter("recruitment", own_counts)
