"""Template context shared by every page."""

from django.conf import settings

from dangjian.core.nav import items_for


def site(request):
    user = getattr(request, "user", None)
    nav = items_for(user) if user is not None and user.is_authenticated else []
    return {"SITE_NAME": settings.SITE_NAME, "DEMO_MODE": settings.DEMO_MODE, "nav_items": nav}
