"""The audit list and export: the audit administrator only, scoped, the export itself audited."""

from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.orgs import actions


def test_audit_administrator_lists_and_filters(client_as, orgs):
    actions.update_org(orgs["village"], actor=None, short_name="柳树村")
    client = client_as("auditor")
    page = client.get(reverse("audit:list"), {"action": "org."})
    assert page.status_code == 200
    html = page.content.decode()
    assert "org.update" in html
    assert "auth.login" not in html


def test_other_roles_cannot_read_the_audit_trail(client_as, orgs):
    for username in ("county_admin", "security_admin", "system_admin", "village_secretary"):
        assert client_as(username).get(reverse("audit:list")).status_code == 403


def test_export_is_csv_neutralised_and_audited(client_as, orgs):
    actions.update_org(orgs["village"], actor=None, name="=HYPERLINK(1)")
    client = client_as("auditor")
    response = client.get(reverse("audit:export"))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in body
    assert AuditEvent.objects.filter(action="audit.export", actor_username="auditor").exists()


def test_nobody_can_edit_or_delete_events_through_the_application(client_as, orgs):
    from django.urls import get_resolver

    names = [p.name for p in get_resolver().url_patterns if getattr(p, "name", None)]
    assert not [n for n in names if "audit" in n and any(w in n for w in ("edit", "delete", "update"))]
    client = client_as("auditor")
    assert client.post(reverse("audit:list")).status_code == 405
