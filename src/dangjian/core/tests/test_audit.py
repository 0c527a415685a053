"""The audit chain: every change leaves an event; any edit or deletion is found by verify()."""

import pytest
from django.core.management import call_command
from django.db import transaction

from dangjian.core import audit
from dangjian.core.models import AuditEvent, AuditHead
from dangjian.security.testing import audit_unguarded


def _events(n):
    with transaction.atomic():
        for i in range(n):
            audit.record("test.event", object_type="x", object_id=str(i), object_repr=f"事件{i}", after={"i": i})


def test_intact_chain_verifies(db):
    _events(5)
    assert AuditEvent.objects.count() == 5
    assert audit.verify() is None


def test_edited_event_breaks_the_chain_at_that_event(db):
    _events(5)
    with audit_unguarded():  # as the database superuser (AU-03 triggers lifted)
        AuditEvent.objects.filter(seq=3).update(object_repr="篡改")
    broken = audit.verify()
    assert broken is not None
    assert broken.seq == 3


def test_deleted_event_is_found(db):
    _events(5)
    with audit_unguarded():
        AuditEvent.objects.filter(seq=2).delete()
    broken = audit.verify()
    assert broken is not None
    assert broken.seq == 2


def test_deleted_tail_is_found(db):
    _events(3)
    with audit_unguarded():
        AuditEvent.objects.filter(seq=3).delete()
    broken = audit.verify()
    assert broken is not None
    assert broken.seq == 3


def test_rehashing_without_the_key_cannot_hide_an_edit(db):
    import hashlib

    _events(2)
    event = AuditEvent.objects.get(seq=2)
    event.object_repr = "篡改"
    event.hash = hashlib.sha256(b"forged").hexdigest()
    with audit_unguarded():
        event.save()
        AuditHead.objects.filter(id=1).update(hash=event.hash)
    assert audit.verify().seq == 2


def test_verify_audit_command_reports(db, capsys):
    _events(2)
    call_command("verify_audit")
    assert "完整" in capsys.readouterr().out
    with audit_unguarded():
        AuditEvent.objects.filter(seq=1).update(action="tampered")
    with pytest.raises(SystemExit):
        call_command("verify_audit")
    assert "第 1 条" in capsys.readouterr().out


def test_org_change_writes_event_in_same_transaction(orgs):
    from dangjian.orgs import actions

    before = AuditEvent.objects.count()
    actions.update_org(orgs["village"], actor=None, name="柳树村党支部委员会")
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.action == "org.update"
    assert event.before == {"name": "柳树村党支部"}
    assert event.after == {"name": "柳树村党支部委员会"}
    assert event.org_path == orgs["village"].path
