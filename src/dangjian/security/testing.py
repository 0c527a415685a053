"""Test helper: a full login through the real pages, password then second factor."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.security import actions
from dangjian.security.models import TwoFactorDevice


def login(client, username: str, password: str = DEMO_PASSWORD):
    """Log in through the login form, then enrol or verify the second factor when one is needed."""
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response
    user = get_user_model().objects.get(username=username)
    if not actions.needs_two_factor(user):
        return response
    if actions.confirmed_device(user) is None:
        client.get(reverse("security:enrol"))
        device = TwoFactorDevice.objects.get(user=user)
        response = client.post(reverse("security:enrol"), {"code": actions.current_code(device)})
        assert response.status_code == 200, response
    else:
        device = actions.confirmed_device(user)
        response = client.post(reverse("security:verify"), {"code": actions.current_code(device)})
        assert response.status_code == 302, response
    return response
