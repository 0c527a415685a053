"""The 待办事项 cache (core.todos.cached): others' changes within TODO_CACHE_SECONDS, one's own at once."""

from datetime import timedelta

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dangjian.members import transfer_actions


def _away(member, actor=None):
    long_ago = timezone.localdate() - timedelta(days=400)
    transfer_actions.record_outflow(member, actor=actor, province="广东省", since=long_ago)


@override_settings(TODO_CACHE_SECONDS=60)
def test_others_changes_wait_for_the_delay_own_changes_show_at_once(client_as, personas, people):
    cache.clear()
    client = client_as("town_secretary")
    assert people["zhang"].name not in client.get(reverse("todos")).content.decode()
    _away(people["zhang"])  # somebody else's change (no actor): within the documented delay
    assert people["zhang"].name not in client.get(reverse("todos")).content.decode()
    _away(people["wang"], actor=personas["town_secretary"])  # the user's own audited change: at once
    page = client.get(reverse("todos")).content.decode()
    assert people["zhang"].name in page
    assert people["wang"].name in page


@override_settings(TODO_CACHE_SECONDS=60)
def test_cache_is_per_user_and_reads_do_not_drop_it(client_as, personas, people):
    from dangjian.core import audit

    cache.clear()
    assert people["zhang"].name not in client_as("town_secretary").get(reverse("todos")).content.decode()
    _away(people["zhang"])
    audit.record("member.reveal", actor=personas["town_secretary"], obj=people["wang"], org_path="")
    page = client_as("town_secretary").get(reverse("todos")).content.decode()
    assert people["zhang"].name not in page  # a reveal is no change of the data behind the to-dos
    assert people["zhang"].name in client_as("village_secretary").get(reverse("todos")).content.decode()


def test_live_without_the_cache(client_as, people):
    client = client_as("village_secretary")
    assert people["zhang"].name not in client.get(reverse("todos")).content.decode()
    _away(people["zhang"])
    assert people["zhang"].name in client.get(reverse("todos")).content.decode()
