"""Template helpers for 组织关系转接 and 流动党员: status badges and the member page's buttons."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dangjian.core.scope import user_may_act_on_path
from dangjian.members.choices import MemberStatus
from dangjian.members.models import TransferStatus

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
