"""The recruitment pipeline as statistics indicators (the codes `stats.indicators` reserves as 未接入).

As of a day, from the cases' own milestone dates: an 入党申请人 applied on or before the day and was not
yet an activist, and so on down the pipeline; 本年发展党员 are the admissions the upper committee approved
from 1 January to the day (an assembly in December approved in January counts in January's year); a case
closed without conversion (cancelled, not approved, void, transferred out) stops counting from the day of
its last change. The org is the case's current one
(a case moved to another org counts there for past days too: cases keep no org history of their own).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from dangjian.recruitment.models import CaseState, RecruitmentCase

PERMISSION = "recruitment.view_recruitmentcase"


def pipeline(snap) -> dict[str, int]:
    """All five figures in one query; cached on the snapshot."""
    cached = getattr(snap, "_recruitment", None)
    if cached is not None:
        return cached
    day: date = snap.as_of
    alive = Q(is_open=True) | Q(state=CaseState.FULL) | Q(updated_at__date__gt=day)

    def between(start: str, end: str) -> Q:
        return Q(**{f"{start}__lte": day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": day})) & alive

    figures = RecruitmentCase.objects.filter(snap.in_subtree("org", day)).aggregate(
        applicants=Count("pk", filter=between("application_date", "activist_date")),
        activists=Count("pk", filter=between("activist_date", "candidate_date")),
        candidates=Count("pk", filter=between("candidate_date", "acceptance_date")),
        developed=Count("pk", filter=Q(approval_date__gte=date(day.year, 1, 1), approval_date__lte=day)),
        overdue=Count("pk", filter=Q(is_open=True, next_due__lt=day)),
    )
    snap._recruitment = figures
    return figures


def register_indicators() -> None:
    from dangjian.stats.indicators import RECRUITMENT_CODES, Value, register

    for code, label in RECRUITMENT_CODES:
        key = code.split(".", 1)[1]
        register(code, label, PERMISSION, lambda snap, key=key: Value(pipeline(snap)[key]))
