"""Every login starts without the second factor and is entered in the user→session index."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from dangjian.security import actions


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(actions.VERIFIED_SESSION_KEY, None)
    if not request.session.session_key:
        request.session.save()
    actions.index_session(user, request.session.session_key)
    from dangjian.security.models import BreakGlass

    entry = BreakGlass.objects.filter(user=user, ended_at__isnull=True).first()
    if entry is not None:
        request.session["break_glass_until"] = entry.expires_at.timestamp()
        from dangjian.security import breakglass

        breakglass.close_expired()  # an expired emergency account is disabled: its session ends at once
