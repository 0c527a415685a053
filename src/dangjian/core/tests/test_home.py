"""The home page's to-do summary: kept with the 待办事项 list (core.todos.cached), others' changes after the cache."""

from datetime import timedelta

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dangjian.members import transfer_actions


def _away(member):
    long_ago = timezone.localdate() - timedelta(days=400)
    transfer_actions.record_outflow(member, actor=None, province="广东省", since=long_ago)


@override_settings(TODO_CACHE_SECONDS=60)
def test_home_summary_is_cached_until_the_cache_goes(client_as, people):
    cache.clear()
    client = client_as("village_secretary")
    before = client.get(reverse("home")).context["todo_total"]
    _away(people["zhang"])  # a new REL-02 to-do (someone else's change): away more than six months
    assert client.get(reverse("home")).context["todo_total"] == before  # the cached summary
    cache.clear()
    assert client.get(reverse("home")).context["todo_total"] == before + 1


def test_home_summary_is_live_without_the_cache(client_as, people):
    client = client_as("village_secretary")
    before = client.get(reverse("home")).context["todo_total"]
    _away(people["zhang"])
    assert client.get(reverse("home")).context["todo_total"] == before + 1
