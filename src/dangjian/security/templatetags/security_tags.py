from django import template

register = template.Library()


@register.filter
def may_reset_2fa(user) -> bool:
    from dangjian.core.scope import has_permission

    return bool(user and user.is_authenticated and has_permission(user, "accounts.reset_2fa"))
