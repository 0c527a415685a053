"""Template helpers for the roster."""

from django import template

from dangjian.members import rules

register = template.Library()


@register.filter
def age_on(birth, today):
    return rules.age_on(birth, today) if birth else ""
