"""Read side of 组织关系转接 and 流动党员: scoped lists, the two sides of a letter, overdue and due lists.

A transfer is seen from both of its orgs and from their superiors (`Transfer.scope_path` is a tuple);
"outgoing" and "incoming" split what a user sees by the side that lies in their scope. Overdue letters
(REL-04 / REL-06) and members away long enough to transfer (REL-02 / REL-07) are date queries, never flags.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from dangjian.core.dates import add_months
from dangjian.core.scope import path_filter, restrict, scope_paths, user_may_act_on_path
from dangjian.members import rules
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, MobileDirection, MobileRecord, Transfer, TransferStatus
from dangjian.orgs.models import Org

VIEW = "members.view_member"
PERM = "members.transfer_member"


def visible_transfers(user, action: str = VIEW):
    return restrict(Transfer.objects.select_related("member", "from_org", "to_org"), user, action)


def outgoing(queryset, user, action: str = VIEW):
    """Letters whose sending org lies in the user's scope (转出)."""
    return queryset.filter(path_filter("from_org__path", scope_paths(user, action)))


def incoming(queryset, user, action: str = VIEW):
    """Letters whose receiving org lies in the user's scope (转入)."""
    return queryset.filter(path_filter("to_org__path", scope_paths(user, action)))


def overdue(queryset, today: date):
    """REL-04 / REL-06: pending letters past their validity (`rules.transfer_overdue` on the stored date)."""
    return queryset.filter(status=TransferStatus.PENDING, valid_until__lt=today)


def is_overdue(transfer: Transfer, today: date) -> bool:
    return transfer.status == TransferStatus.PENDING and today > transfer.valid_until


def receiving_side(queryset, user):
    """Where the user may accept or return: the receiving org in scope, or for a letter to an org outside
    the system the sending org (which records that it came back)."""
    paths = scope_paths(user, PERM)
    return queryset.filter(
        path_filter("to_org__path", paths) | (Q(to_org__isnull=True) & path_filter("from_org__path", paths))
    )


def sending_side(queryset, user):
    return outgoing(queryset, user, PERM)


def may_act(user, org: Org | None) -> bool:
    return org is not None and user_may_act_on_path(user, PERM, org.path)


def abilities(transfer: Transfer, user) -> dict:
    """Which buttons the user gets on a transfer (the actions check again)."""
    pending = transfer.status == TransferStatus.PENDING
    external_out = transfer.to_org_id is None and transfer.from_org_id is not None
    send = may_act(user, transfer.from_org)
    receive = may_act(user, transfer.to_org)
    return {
        "accept": pending and receive,
        "return": pending and (receive or (external_out and send)),
        "cancel": pending and send,
        "receipt": pending and external_out and send,
    }


def member_transfers(member: Member, user):
    """A member's letters that the user may see (the member page)."""
    return visible_transfers(user).filter(member=member).order_by("-issued_on", "-pk")


def pending_transfer(member: Member):
    return Transfer.objects.filter(member=member, status=TransferStatus.PENDING).first()


def org_by_code(code: str) -> Org | None:
    """The receiving org of a letter by its 组织代码, anywhere in the system (a letter may go to any org; only
    the org's own name and code are read). An active org wins; a dissolved one is returned so that the
    action refuses it (REL-01); None: the org is outside the system."""
    code = (code or "").strip()
    if not code:
        return None
    found = Org.objects.filter(code=code)
    return found.filter(dissolved_on__isnull=True).first() or found.order_by("-dissolved_on").first()


# ------------------------------------------------------------------------------------------ mobile members


def visible_mobile_records(user, action: str = VIEW):
    return restrict(MobileRecord.objects.select_related("member", "member__org"), user, action)


def open_records(queryset, direction: str):
    return queryset.filter(direction=direction, until__isnull=True)


def ended_records(queryset):
    return queryset.filter(until__isnull=False)


def transfer_due_cutoff(today: date) -> date:
    """REL-02 / REL-07: the latest 外出日期 for which `rules.should_transfer(since, today)` holds, so that the
    list is a range query. Month-end clamping makes several days map onto one (08-29…31 + 6 months =
    02-28), hence the walk forward from the plain subtraction."""
    since = add_months(today, -rules.TRANSFER_AWAY_MONTHS)
    while rules.should_transfer(since + timedelta(days=1), today):
        since += timedelta(days=1)
    while not rules.should_transfer(since, today):
        since -= timedelta(days=1)
    return since


def due_to_transfer(user, today: date):
    """Members away for six months or more who have not transferred (REL-02 / REL-07), in the user's scope."""
    return (
        restrict(Member.objects.select_related("org"), user, VIEW)
        .filter(is_mobile=True, mobile_since__lte=transfer_due_cutoff(today))
        .exclude(status=MemberStatus.EXITED)
        .order_by("mobile_since", "org__path", "pk")
    )


def member_mobile_records(member: Member, user):
    return visible_mobile_records(user).filter(member=member).order_by("-since", "-pk")


def open_outflow(member: Member):
    return MobileRecord.objects.filter(member=member, direction=MobileDirection.OUTFLOW, until__isnull=True).first()


# ------------------------------------------------------------------------------------------ to-dos

TODO_LIMIT = 200


def transfer_todos(user, today: date, lead: int) -> list:
    """REL-04 / REL-06: pending letters that expire within `lead` days or already have, for both sides and
    their superiors (a provider for `core.todos.register`)."""
    from django.urls import reverse

    from dangjian.core.todos import Todo

    rows = (
        visible_transfers(user)
        .filter(status=TransferStatus.PENDING, valid_until__lte=today + timedelta(days=lead))
        .order_by("valid_until", "pk")[:TODO_LIMIT]
    )
    out = []
    for t in rows:
        to_label = t.to_org.name if t.to_org else t.to_org_name
        detail = f"第{t.serial}号介绍信转往{to_label}，有效期至{t.valid_until:%Y年%m月%d日}，尚未办结"
        out.append(
            Todo(
                "REL-04",
                f"{t.member.name}：组织关系介绍信{'已逾期' if today > t.valid_until else '即将到期'}",
                detail,
                t.valid_until,
                today > t.valid_until,
                reverse("members:transfer_detail", args=[t.pk]),
                t.from_org.name if t.from_org else t.from_org_name,
            )
        )
    return out


def member_for_inflow(id_number: str, name: str) -> Member | None:
    """The member a host org registers as 流入, found anywhere in the system by exact ID number *and* name (as
    printed on the 流动党员活动证): a host secretary cannot see the home org's roster, and one of the two alone
    must not be enough to learn whether somebody is a member."""
    from dangjian.members.models import id_number_index

    number = rules.normalize_id_number(id_number or "").upper()
    if not number or not name:
        return None
    return (
        Member.objects.current()
        .with_id_number()
        .select_related("org")
        .filter(id_number_index=id_number_index(number), name=name.strip())
        .first()
    )


def hosts_for(user, action: str = "members.transfer_member"):
    """Active orgs where the user may register 流入 members (the host side)."""
    return restrict(Org.objects.active(), user, action)
