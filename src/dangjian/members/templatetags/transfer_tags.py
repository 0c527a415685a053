"""Template helpers for 组织关系转接 and 流动党员: status badges, and the member page's buttons and tabs."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dangjian.core.scope import user_may_act_on_path
from dangjian.members import transfer_queries as queries
from dangjian.members.choices import MemberStatus
from dangjian.members.models import TransferStatus
from dangjian.members.transfer_actions import transferred_out

register = template.Library()

BADGES = {
    TransferStatus.PENDING: "bg-yellow-lt",
    TransferStatus.ACCEPTED: "bg-green-lt",
    TransferStatus.RETURNED: "bg-orange-lt",
    TransferStatus.CANCELLED: "bg-secondary-lt",
}


@register.simple_tag
def transfer_badge(transfer, overdue=False):
    """The status badge; a pending letter past its validity is red (REL-04 / REL-06)."""
    if overdue:
        return mark_safe('<span class="badge bg-red text-red-fg" data-overdue>已逾期</span>')
    return format_html(
        '<span class="badge {}">{}</span>',
        BADGES.get(transfer.status, "bg-secondary-lt"),
        transfer.get_status_display(),
    )


@register.inclusion_tag("members/_member_transfer_buttons.html", takes_context=True)
def member_transfer_buttons(context, member):
    """转出组织关系 / 登记外出 on a member's page, for holders of the transfer permission over the member's org."""
    user = context["request"].user
    allowed = member.status != MemberStatus.EXITED and user_may_act_on_path(
        user, "members.transfer_member", member.org.path
    )
    return {"member": member, "allowed": allowed}


@register.inclusion_tag("members/_member_transfers.html", takes_context=True)
def member_transfer_panes(context, member):
    """The "组织关系转接" and "流动情况" tabs of a member's page: what the viewer may see of both."""
    user = context["request"].user
    today = timezone.localdate()
    transfers = list(queries.member_transfers(member, user))
    return {
        "member": member,
        "transfers": [{"t": t, "overdue": queries.is_overdue(t, today)} for t in transfers],
        "records": list(queries.member_mobile_records(member, user)),
        "can_transfer": user_may_act_on_path(user, "members.transfer_member", member.org.path),
        "transferred_out": transferred_out(member),
    }
