"""Read side of statistics: the indicators of an org the user may see, finding an org by code or name."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.db.models import Q
from django.http import Http404

from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.orgs.models import Org
from dangjian.stats.indicators import evaluate


class Row(NamedTuple):
    code: str
    label: str
    value: object  # int, Decimal or None
    reason: str


def rows(org: Org, as_of: date, *, permitted=None) -> list[Row]:
    """Every indicator (or those whose permission `permitted(perm)` accepts) for `org`'s subtree on `as_of`.

    Unscoped: the caller has already decided the org may be seen (operators on the command line)."""
    out = []
    for indicator, value in evaluate(org, as_of):
        if permitted is None or permitted(indicator.permission):
            out.append(Row(indicator.code, indicator.label, value.number, value.reason))
    return out


def indicators_for(user, org: Org, as_of: date) -> list[Row]:
    """The indicators of `org` on `as_of` that `user` may see there.

    The org must lie in the user's `orgs.view_org` scope (dissolved orgs included, for past dates), or
    Http404 is raised; each indicator is shown only where the user holds its permission on the org
    (member figures need `members.view_member`, the dues rate `dues.view_bill`…)."""
    if not restrict(Org.objects.filter(pk=org.pk), user, "view").exists():
        raise Http404("党组织不存在或不在您的管辖范围内")
    return rows(org, as_of, permitted=lambda perm: user_may_act_on_path(user, perm, org.path))


class AmbiguousOrg(LookupError):
    def __init__(self, text: str, candidates: list[Org]):
        self.candidates = candidates
        listing = "；".join(f"{o.code} {o.name}{'（已撤销）' if o.dissolved_on else ''}" for o in candidates)
        super().__init__(f"名称「{text}」对应多个党组织，请改用组织代码：{listing}")


def find_org(text: str) -> Org:
    """An org by exact code, else by exact full name (AmbiguousOrg when several share it; Org.DoesNotExist)."""
    text = text.strip()
    by_code = Org.objects.filter(code=text).first()
    if by_code is not None:
        return by_code
    named = list(Org.objects.filter(Q(name=text)).order_by("dissolved_on", "path")[:20])
    if not named:
        raise Org.DoesNotExist(f"找不到党组织「{text}」（请输入组织代码或党组织全称）")
    if len(named) > 1:
        raise AmbiguousOrg(text, named)
    return named[0]
