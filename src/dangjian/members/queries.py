"""Read side of the roster: scoped lists with a bounded count, a member's history, to-dos."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.db.models import Sum
from django.utils.functional import cached_property

from dangjian.core.models import AuditEvent
from dangjian.core.scope import restrict, scope_paths
from dangjian.members import rules
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, Placement, StatusChange
from dangjian.orgs.models import Org

EXACT_COUNT_LIMIT = 1_000_000
FILTERED_COUNT_BOUND = 10_000


def visible(user, action: str = "view"):
    return restrict(Member.objects.select_related("org"), user, action)


class BoundedPaginator(Paginator):
    """Counts exactly up to EXACT_COUNT_LIMIT members in scope. Beyond that no page runs an exact COUNT over
    more than a million rows: the unfiltered list shows the org counters' total as an estimate ("约"); a
    filtered one (a search, a band…) counts its matches up to FILTERED_COUNT_BOUND and, past it, says
    "以上" and pages through that many (an ID-number search over a province shows "共 1 人", not "约 300万")."""

    def __init__(
        self, object_list, per_page, *, estimate: int | None = None, narrowed: bool = False, keep=None, **kwargs
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.estimate = estimate
        self.narrowed = narrowed
        self.is_lower_bound = False
        self.keep = keep  # keep(compute) -> compute() or a kept earlier result (the view's count cache)

    @property
    def is_large(self) -> bool:
        return self.estimate is not None and self.estimate > EXACT_COUNT_LIMIT

    @property
    def is_estimate(self) -> bool:
        return self.is_large and not self.narrowed

    @cached_property
    def count(self):
        if self.keep is None or self.is_estimate:
            return self._count()
        count, self.is_lower_bound = self.keep(lambda: (self._count(), self.is_lower_bound))
        return count

    def _count(self):
        if self.is_estimate:
            return self.estimate
        if self.is_large:
            found = self.object_list.order_by()[: FILTERED_COUNT_BOUND + 1].count()
            self.is_lower_bound = found > FILTERED_COUNT_BOUND
            return min(found, FILTERED_COUNT_BOUND)
        return super().count


def members_in_scope_estimate(user, subtree: Org | None = None) -> int:
    """Members under the user's view scope (or `subtree`) from the org counters: one indexed SUM."""
    paths = [subtree.path] if subtree is not None else scope_paths(user, "members.view_member")
    total = 0
    for path in paths:
        total += Org.objects.filter(path__in_subtree=path).aggregate(n=Sum("member_count"))["n"] or 0
    return total


def page_of(queryset, number, *, per_page: int = 50, estimate: int | None = None, narrowed: bool = False, keep=None):
    return BoundedPaginator(queryset, per_page, estimate=estimate, narrowed=narrowed, keep=keep).get_page(number)


def placements(member: Member):
    return Placement.objects.filter(member=member).select_related("org").order_by("-valid_from")


def status_changes(member: Member):
    return StatusChange.objects.filter(member=member).select_related("recorded_by").order_by("-on", "-recorded_at")


READ_ACTION = "member.view"  # PRV-08: a read of the record (actions.record_read), not a change


def change_log(member: Member, limit: int = 100):
    """Who changed this member and when: the audit events about this record (values already masked), without
    the reads (who read it is the audit administrator's to see). Read for a member the caller may already see;
    not a way into the audit trail as a whole."""
    events = AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk))
    return events.exclude(action=READ_ACTION).order_by("-seq")[:limit]


def deadlines(member: Member, today: date) -> list[dict]:
    """The to-dos this member's record implies (MEM-06 lost contact and suspension, REL-02 mobile)."""
    out = []
    if member.is_lost_contact and member.lost_contact_on and member.status == MemberStatus.NORMAL:
        due = rules.lost_contact_suspension_due(member.lost_contact_on)
        out.append(
            {
                "rule": "MEM-06",
                "due": due,
                "overdue": today >= due,
                "text": f"失联满6个月（{due:%Y年%m月%d日}）仍无法取得联系的，应停止党籍",
            }
        )
    if member.status == MemberStatus.SUSPENDED and member.status_since:
        due = rules.suspension_removal_due(member.status_since)
        out.append(
            {
                "rule": "MEM-06",
                "due": due,
                "overdue": today >= due,
                "text": f"停止党籍满2年（{due:%Y年%m月%d日}）仍无法取得联系的，按自行脱党予以除名",
            }
        )
    if member.is_mobile and member.mobile_since and rules.should_transfer(member.mobile_since, today):
        out.append(
            {"rule": "REL-02", "due": None, "overdue": True, "text": "外出满6个月且地点相对固定，应转移组织关系"}
        )
    return out
