"""The 发展信息 tab on the member page (members/detail.html): its link and its empty pane, shown to those who may
see recruitment cases over the member's org. The pane's content is `views.MemberTabView`, loaded on first show."""

from django import template

from dangjian.core.scope import user_may_act_on_path
from dangjian.recruitment.queries import VIEW

register = template.Library()


@register.inclusion_tag("recruitment/_member_tab_link.html", takes_context=True)
def recruitment_tab_link(context, member):
    return {"show": user_may_act_on_path(context["request"].user, VIEW, member.org.path), "member": member}


@register.inclusion_tag("recruitment/_member_tab_pane.html", takes_context=True)
def recruitment_tab_pane(context, member):
    return {"show": user_may_act_on_path(context["request"].user, VIEW, member.org.path)}
