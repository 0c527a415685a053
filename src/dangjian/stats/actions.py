"""Writes of the statistics module: setting a jurisdiction's red/amber/green thresholds."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import user_may_act_on_path
from dangjian.orgs.models import Org
from dangjian.stats import rules
from dangjian.stats.models import Threshold

CHANGE = "stats.change_threshold"


def set_threshold(
    org: Org, code: str, *, actor, green: Decimal, red: Decimal, expected_version: int | None = None
) -> Threshold:
    """Set (or replace) the thresholds of one indicator for `org`'s subtree."""
    if code not in rules.DEFAULT_THRESHOLDS:
        raise RuleViolation("STATS-THRESHOLD", f"指标「{code}」没有预警阈值", field="code")
    if actor is not None and not user_may_act_on_path(actor, CHANGE, org.path):
        raise OutOfScope()
    direction = rules.DEFAULT_THRESHOLDS[code][1].direction
    error = rules.band_error(direction, green, red)
    if error:
        raise RuleViolation("STATS-THRESHOLD", error, field="green")
    with transaction.atomic():
        current = Threshold.objects.select_for_update().filter(org=org, code=code).first()
        if current is not None and expected_version is not None and current.version != expected_version:
            raise ConcurrentEdit()
        before = {"green": str(current.green), "red": str(current.red)} if current else {}
        if current is None:
            current = Threshold.objects.create(org=org, code=code, green=green, red=red, updated_by=actor)
        else:
            current.green, current.red, current.updated_by = green, red, actor
            current.version += 1
            current.save()
        audit.record(
            "stats.threshold",
            actor=actor,
            obj=current,
            object_repr=f"{org.name} {code}",
            org_path=org.path,
            before=before,
            after={"green": str(green), "red": str(red)},
        )
    return current
