"""The 发展信息 tab on the member page (members/detail.html): its URL for those who may see recruitment cases over
the member's org, else "" (no tab). The pane's content is `views.MemberTabView`, loaded when first shown."""

from django import template
from django.urls import reverse

from dangjian.core.scope import user_may_act_on_path
from dangjian.recruitment.queries import VIEW

register = template.Library()


@register.simple_tag(takes_context=True)
def recruitment_tab_url(context, member) -> str:
    if not user_may_act_on_path(context["request"].user, VIEW, member.org.path):
        return ""
    return reverse("recruitment:member_tab", args=[member.pk])
