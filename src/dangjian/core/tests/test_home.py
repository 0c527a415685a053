"""The home page's to-do summary: cached per user for a minute when configured, the 待办事项 page always live."""

from datetime import timedelta

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dangjian.members import transfer_actions


def _away(member):
    long_ago = timezone.localdate() - timedelta(days=400)
    transfer_actions.record_outflow(member, actor=None, province="广东省", since=long_ago)


@override_settings(HOME_TODO_CACHE_SECONDS=60)
def test_home_summary_is_cached_and_the_todo_page_is_live(client_as, people):
    cache.clear()
    client = client_as("village_secretary")
    before = client.get(reverse("home")).context["todo_total"]
    _away(people["zhang"])  # a new REL-02 to-do: away more than six months
    assert client.get(reverse("home")).context["todo_total"] == before  # the cached summary
    todos = client.get(reverse("todos")).content.decode()
    assert people["zhang"].name in todos  # the page itself is live
    cache.clear()
    assert client.get(reverse("home")).context["todo_total"] == before + 1


def test_home_summary_is_live_without_the_cache(client_as, people):
    client = client_as("village_secretary")
    before = client.get(reverse("home")).context["todo_total"]
    _away(people["zhang"])
    assert client.get(reverse("home")).context["todo_total"] == before + 1
