"""The 发展信息 tab on the member page: the person's recruitment cases and their dates (members/detail.html)."""

from django import template

from dangjian.core.scope import user_may_act_on_path

register = template.Library()
VIEW = "recruitment.view_recruitmentcase"


@register.inclusion_tag("recruitment/_member_tab_link.html", takes_context=True)
def recruitment_tab_link(context, member):
    return {"show": user_may_act_on_path(context["request"].user, VIEW, member.org.path)}


@register.inclusion_tag("recruitment/_member_tab_pane.html", takes_context=True)
def recruitment_tab_pane(context, member):
    from dangjian.recruitment import queries

    user = context["request"].user
    if not user_may_act_on_path(user, VIEW, member.org.path):
        return {"show": False}
    cases = queries.cases_of_member(member)
    can_start = member.stage not in ("probationary", "full") and not any(c.is_open for c in cases)
    can_start = can_start and user_may_act_on_path(user, "recruitment.change_recruitmentcase", member.org.path)
    return {
        "show": True,
        "cases": cases,
        "member": member,
        "can_start": can_start,
        "timeline": queries.timeline(cases[0]) if cases else [],
    }
