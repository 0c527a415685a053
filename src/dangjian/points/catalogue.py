"""Which rule set and items apply to an org on a day: loaded once per run (rule sets are few), resolved in
memory. A rule set applies to its org's subtree; the nearest jurisdiction wins, then the latest version."""

from __future__ import annotations

from datetime import date

from dangjian.points.models import PointItem, PointRuleSet


class Catalogue:
    def __init__(self, paths: list[str] | None = None):
        sets = PointRuleSet.objects.select_related("org")
        self.sets = sorted(sets, key=lambda s: (len(s.org.path), s.effective_from), reverse=True)
        items = PointItem.objects.filter(rule_set__in=[s.pk for s in self.sets]).order_by("order", "pk")
        self.items: dict[int, list[PointItem]] = {}
        self._picked: dict[tuple, PointItem | None] = {}
        for item in items:
            self.items.setdefault(item.rule_set_id, []).append(item)

    def rule_set(self, org_path: str, day: date) -> PointRuleSet | None:
        """The set in force for an org (by path) on `day`: deepest jurisdiction first, latest version."""
        for s in self.sets:
            if org_path.startswith(s.org.path) and s.effective_from <= day:
                return s
        return None

    def items_of(self, rule_set: PointRuleSet | None) -> list[PointItem]:
        return self.items.get(rule_set.pk, []) if rule_set else []

    def pick(self, org_path: str, day: date, source: str, meeting_kind: str = "") -> PointItem | None:
        from dangjian.points import rules

        rule_set = self.rule_set(org_path, day)
        key = (rule_set.pk if rule_set else None, source, meeting_kind)
        if key not in self._picked:
            rows = [{"source": i.source, "meeting_kind": i.meeting_kind, "obj": i} for i in self.items_of(rule_set)]
            found = rules.pick_item(rows, source, meeting_kind)
            self._picked[key] = found["obj"] if found else None
        return self._picked[key]
