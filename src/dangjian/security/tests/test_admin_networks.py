"""AC-11: the administration pages answer only to the management networks; from elsewhere they are 404, for every
administration URL of the URLconf (generated, not listed by hand), anonymous or signed in, any method."""

import re
from types import SimpleNamespace

import pytest
from django.core import checks
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from dangjian.core.models import AuditEvent
from dangjian.security import checks as security_checks
from dangjian.security import controls, networks
from dangjian.security.models import TwoFactorDevice

INSIDE = "10.8.0.25"
OUTSIDE = "203.0.113.9"
ADMINS = ("system_admin", "security_admin", "auditor")


def _urls(personas):
    """Every administration URL of the URLconf with its arguments filled in (an account id where one is needed)."""
    out = []
    for route, name in networks.admin_routes():
        args = [personas["party_member"].pk] * len(re.findall(r"<[^>]+>", route))
        try:
            out.append((name, reverse(name, args=args)))
        except NoReverseMatch:  # pragma: no cover - a route with a converter we do not fill
            pytest.fail(f"cannot build a URL for {name} ({route})")
    return out


def test_the_administration_pages_are_found_in_the_urlconf(personas):
    names = {name for _route, name in networks.admin_routes()}
    assert {"accounts:user_list", "accounts:user_create", "accounts:user_detail", "security:reset_2fa"} <= names
    assert {"security:alerts", "audit:list", "audit:export"} <= names
    for entry in networks.ADMIN_PAGES:  # every listed name exists (a rename would silently open a page)
        assert entry.endswith(":*") or entry in names
    assert not networks.is_admin_page("members:list")
    assert not networks.is_admin_page("accounts:profile")


def test_outside_the_management_network_every_administration_page_is_404(personas, client, settings):
    settings.ADMIN_NETWORKS = ["10.8.0.0/24", "192.168.10.5/32"]
    urls = _urls(personas)
    assert len(urls) >= 7
    reset_before = TwoFactorDevice.objects.count(), AuditEvent.objects.filter(action="account.2fa.reset").count()
    for name, url in urls:
        # anonymous: 404, not a redirect to the login page
        assert client.get(url, REMOTE_ADDR=OUTSIDE).status_code == 404, name
        assert client.post(url, REMOTE_ADDR=OUTSIDE).status_code == 404, name
    for username in ADMINS:
        client.force_login(personas[username])
        for name, url in urls:
            assert client.get(url, REMOTE_ADDR=OUTSIDE).status_code == 404, (username, name)
            assert client.post(url, REMOTE_ADDR=OUTSIDE).status_code == 404, (username, name)
    # refused requests change nothing but the audit trail of the refusals (signed-in users only)
    assert (
        TwoFactorDevice.objects.count(),
        AuditEvent.objects.filter(action="account.2fa.reset").count(),
    ) == reset_before
    denied = AuditEvent.objects.filter(action="security.admin_network_denied")
    assert denied.count() == 2 * len(urls) * len(ADMINS)
    assert denied.first().outcome == "denied"
    assert denied.first().client_ip == OUTSIDE


def test_inside_the_management_network_every_administration_page_answers(personas, client, settings):
    settings.ADMIN_NETWORKS = ["10.8.0.0/24"]
    for name, url in _urls(personas):
        answered = set()
        for username in ADMINS:
            client.force_login(personas[username])
            status = client.get(url, REMOTE_ADDR=INSIDE).status_code
            if status == 405:  # a POST-only action (reset the second factor)
                status = client.post(url, REMOTE_ADDR=INSIDE).status_code
            answered.add(status)
        assert answered & {200, 302}, (name, answered)
        assert 404 not in answered or name == "security:reset_2fa", (name, answered)


def test_business_pages_and_an_unrestricted_deployment_are_not_affected(personas, client, settings):
    client.force_login(personas["system_admin"])
    settings.ADMIN_NETWORKS = []
    assert client.get(reverse("accounts:user_list"), REMOTE_ADDR=OUTSIDE).status_code == 200
    settings.ADMIN_NETWORKS = ["10.8.0.0/24"]
    assert client.get(reverse("accounts:profile"), REMOTE_ADDR=OUTSIDE).status_code == 200
    client.force_login(personas["county_admin"])
    assert client.get(reverse("members:list"), REMOTE_ADDR=OUTSIDE).status_code == 200


def test_the_address_is_the_one_the_audit_trail_uses(personas, client, settings):
    """X-Forwarded-For counts only behind the documented proxy (DANGJIAN_BEHIND_PROXY=1 sets the proxy header)."""
    settings.ADMIN_NETWORKS = ["10.8.0.0/24"]
    client.force_login(personas["system_admin"])
    url = reverse("accounts:user_list")
    forged = {"REMOTE_ADDR": OUTSIDE, "HTTP_X_FORWARDED_FOR": INSIDE}
    assert client.get(url, **forged).status_code == 404  # not behind a proxy: the header is the client's word
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"{INSIDE}, 10.0.0.1"}
    assert client.get(url, **proxied).status_code == 200
    assert client.get(url, REMOTE_ADDR="10.8.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 404


@pytest.mark.parametrize(
    ("address", "ok"),
    [("10.8.0.1", True), ("10.8.1.1", False), ("::ffff:10.8.0.7", True), ("2001:db8::5", True),
     ("2001:db9::5", False), ("", False), (None, False), ("not-an-ip", False)],
)  # fmt: skip
def test_network_membership(settings, address, ok):
    settings.ADMIN_NETWORKS = ["10.8.0.0/24", "2001:db8::/32", "bogus"]
    assert networks.allowed(address) is ok


def test_the_django_admin_is_not_installed_and_the_check_reports_the_networks(settings, db, monkeypatch):
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    with pytest.raises(Resolver404):
        resolve("/admin/")
    table = {r.title: r for r in controls.run()}
    assert table["未启用 Django 自带管理后台"].status == controls.PASS
    assert table["管理页面仅限管理网段访问"].status == controls.FAIL  # empty in the test settings
    assert "DANGJIAN_ADMIN_NETWORKS" in table["管理页面仅限管理网段访问"].remedy
    settings.ADMIN_NETWORKS = ["0.0.0.0/0"]
    assert {r.title: r for r in controls.run()}["管理页面仅限管理网段访问"].status == controls.FAIL
    settings.ADMIN_NETWORKS = ["10.8.0.0/24"]
    assert {r.title: r for r in controls.run()}["管理页面仅限管理网段访问"].status == controls.PASS
    settings.ADMIN_NETWORKS = ["10.8.0.0/33"]
    assert "dangjian.P017" in {m.id for m in checks.run_checks()}
    # (installing an app for real would rebuild the app registry: the check reads the setting)
    fake = SimpleNamespace(INSTALLED_APPS=[*settings.INSTALLED_APPS, "django.contrib.admin"], ADMIN_NETWORKS=[])
    monkeypatch.setattr(security_checks, "settings", fake)
    assert [m.id for m in security_checks.administration_surface(None)] == ["dangjian.P016"]
