"""core/sessions.py: the session row is rewritten on change at once, otherwise at most once a minute."""

from datetime import timedelta

import time_machine
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_unchanged_session_is_not_rewritten_within_the_interval(client_as):
    client = client_as("village_secretary")
    assert client.get(reverse("home")).status_code == 200
    first = _expiry(client)
    assert client.get(reverse("home")).status_code == 200
    assert _expiry(client) == first  # nothing changed, written less than a minute ago
    with time_machine.travel(timezone.now() + timedelta(seconds=90)):
        assert client.get(reverse("home")).status_code == 200
        assert _expiry(client) > first + timedelta(seconds=60)  # the idle limit slides on


def test_changed_session_is_written_at_once(client_as):
    client = client_as("village_secretary")
    client.get(reverse("home"))
    session = client.session
    session["probe"] = "x"
    session.save()
    stored = Session.objects.get(session_key=session.session_key).get_decoded()
    assert stored["probe"] == "x"


@override_settings(SESSION_SAVE_INTERVAL_SECONDS=0)
def test_interval_zero_writes_every_request(client_as):
    client = client_as("village_secretary")
    client.get(reverse("home"))
    first = _expiry(client)
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        client.get(reverse("home"))
        assert _expiry(client) > first


def test_idle_limit_still_ends_the_session(client_as):
    client = client_as("village_secretary")
    assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert client.get(reverse("home")).status_code == 302
