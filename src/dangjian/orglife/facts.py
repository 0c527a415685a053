"""The period facts of the compliance roll-up (models.PeriodFact): per org, year, kind (and party group for
the 党小组会) the months in which a counted meeting was held, as a bit mask.

`refresh` recomputes the facts of some (org, year) pairs from their meetings: it runs after every save and
delete of a meeting (signals connected in apps.py), old and new (org, year) alike, so an amendment that
moves a meeting to another year or a return by the upper level is reflected at once. Writers that bypass
model saves (bulk_create, raw SQL: the demo, the benchmark) call `rebuild` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from dangjian.orglife.models import COUNTED_STATUSES, Meeting, PeriodFact


def refresh(pairs: Iterable[tuple[int, int]]) -> None:
    """Recompute the facts of each (org id, year) from the org's counted meetings of that year."""
    for org_id, year in set(pairs):
        masks: dict[tuple[str, int | None], int] = {}
        for kind, group_id, day in Meeting.objects.filter(
            org_id=org_id, status__in=COUNTED_STATUSES, held_on__year=year
        ).values_list("kind", "party_group_id", "held_on"):
            masks[(kind, group_id)] = masks.get((kind, group_id), 0) | (1 << (day.month - 1))
        with transaction.atomic():
            PeriodFact.objects.filter(org_id=org_id, year=year).delete()
            PeriodFact.objects.bulk_create(
                PeriodFact(org_id=org_id, year=year, kind=kind, party_group_id=group_id, months=mask)
                for (kind, group_id), mask in masks.items()
            )


def rebuild(year: int | None = None) -> int:
    """Recompute every fact (of one year, or all) from the meetings in one statement; returns the row count."""
    if connection.vendor == "postgresql":
        year_of, month_of = "EXTRACT(YEAR FROM held_on)::int", "EXTRACT(MONTH FROM held_on)::int"
    else:
        year_of, month_of = "CAST(strftime('%%Y', held_on) AS INTEGER)", "CAST(strftime('%%m', held_on) AS INTEGER)"
    marks = ", ".join(["%s"] * len(COUNTED_STATUSES))
    where, params = f"status IN ({marks})", list(COUNTED_STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        if year is None:
            cursor.execute(f"DELETE FROM {PeriodFact._meta.db_table}")
        else:
            cursor.execute(f"DELETE FROM {PeriodFact._meta.db_table} WHERE year = %s", [year])
            where += " AND held_on >= %s AND held_on <= %s"
            params += [f"{year}-01-01", f"{year}-12-31"]
        # The sum of the distinct powers of two of the months is their bitwise OR (portable: no bit_or).
        cursor.execute(
            f"""INSERT INTO {PeriodFact._meta.db_table} (org_id, year, kind, party_group_id, months)
                SELECT org_id, y, kind, party_group_id, SUM(DISTINCT bit) FROM (
                    SELECT org_id, {year_of} AS y, kind, party_group_id, (1 << ({month_of} - 1)) AS bit
                    FROM {Meeting._meta.db_table} WHERE {where}
                ) x GROUP BY org_id, y, kind, party_group_id""",
            params,
        )
        return cursor.rowcount


# The fields a fact depends on: a save that names others only (a version bump after attendance) changes none.
FACT_FIELDS = frozenset({"org", "org_id", "held_on", "kind", "status", "party_group", "party_group_id"})


def _relevant(kwargs) -> bool:
    fields = kwargs.get("update_fields")
    return fields is None or bool(FACT_FIELDS & set(fields))


def _before_save(sender, instance: Meeting, **kwargs) -> None:
    if instance.pk is not None and _relevant(kwargs):
        old = Meeting.objects.filter(pk=instance.pk).values_list("org_id", "held_on").first()
        instance._facts_before = (old[0], old[1].year) if old else None


def _after_save(sender, instance: Meeting, **kwargs) -> None:
    if not _relevant(kwargs):
        return
    pairs = {(instance.org_id, instance.held_on.year)}
    before = getattr(instance, "_facts_before", None)
    if before:
        pairs.add(before)
    refresh(pairs)


def _after_delete(sender, instance: Meeting, **kwargs) -> None:
    refresh({(instance.org_id, instance.held_on.year)})


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    pre_save.connect(_before_save, sender=Meeting, dispatch_uid="orglife_facts_pre")
    post_save.connect(_after_save, sender=Meeting, dispatch_uid="orglife_facts_post")
    post_delete.connect(_after_delete, sender=Meeting, dispatch_uid="orglife_facts_delete")
