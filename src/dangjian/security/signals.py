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
