"""The navigation is built once per set of held permissions (core/nav.py): a role change shows at once."""

from django.urls import reverse

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role


def _nav(client):
    return {item["url_name"] for item in client.get(reverse("home")).context["nav_items"]}


def test_nav_follows_a_role_change_at_the_next_request(client_as, personas, orgs):
    client = client_as("party_member")
    assert "members:list" not in _nav(client)
    account_actions.assign_role(
        personas["party_member"], Role.objects.get(code="branch_secretary"), orgs["village"], actor=None
    )
    assert "members:list" in _nav(client)
    assert _nav(client_as("village_secretary")) == _nav(client_as("village_secretary"))
