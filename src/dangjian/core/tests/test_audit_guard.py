"""AU-03 below the application: the database refuses edits of the audit trail (triggers on SQLite and
PostgreSQL), the application role holds no UPDATE/DELETE/TRUNCATE (PostgreSQL, `harden_database`), and an
event altered by the superuser (triggers lifted) is named by verify()."""

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from dangjian.core import audit, audit_guard
from dangjian.core.models import AuditEvent, AuditHead
from dangjian.security.testing import audit_unguarded

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="database roles and privileges exist only on PostgreSQL"
)


def _events(n):
    with transaction.atomic():
        for i in range(n):
            audit.record("test.event", object_type="x", object_id=str(i), object_repr=f"事件{i}")


def _refused(sql, params=()):
    with pytest.raises(DatabaseError, match="append-only") as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return caught.value


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET object_repr = 'x' WHERE seq = 2",
        "UPDATE core_auditevent SET actor_id = NULL",
        "DELETE FROM core_auditevent WHERE seq = 3",
        "DELETE FROM core_auditevent",
        "DELETE FROM core_audithead",
        "UPDATE core_audithead SET seq = seq - 1",
        "UPDATE core_audithead SET seq = seq + 1, hash = 'f'",
    ],
)
def test_the_database_refuses_edits_of_the_trail(db, sql):
    _events(3)
    _refused(sql)
    assert audit.verify() is None
    assert AuditEvent.objects.count() == 3


def test_the_orm_cannot_edit_or_delete_an_event(db):
    _events(2)
    event = AuditEvent.objects.get(seq=1)
    event.object_repr = "篡改"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
    assert audit.verify() is None


@postgresql_only
def test_truncate_is_refused_on_postgresql(db):
    _events(1)
    with connection.cursor() as cursor:  # the test's own transaction holds deferred foreign-key checks
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    error = _refused("TRUNCATE core_auditevent CASCADE")
    assert getattr(error.__cause__, "sqlstate", None) == "42501"  # insufficient_privilege
    _refused("TRUNCATE core_audithead")


def test_appending_still_works_and_the_triggers_are_in_place(db):
    _events(3)
    assert AuditHead.objects.get().seq == 3
    assert audit_guard.missing_triggers() == []
    assert audit.verify() is None


def test_an_event_altered_by_the_superuser_is_named_by_verify(db):
    _events(5)
    with audit_unguarded():  # the superuser lifts the triggers
        AuditEvent.objects.filter(seq=4).update(after={"i": 99})
    assert audit_guard.missing_triggers() == []
    broken = audit.verify()
    assert broken.seq == 4
    assert "第 4 条" in str(broken)


@pytest.fixture
def app_role(db):
    """A login role that does not own the tables, as the application should connect (docs/install.md)."""
    name = f"dj_app_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
    yield name, password
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        me, superuser = cursor.fetchone()
        if not superuser:  # CI's owner role (CREATEROLE) must hold the role to drop what was granted to it
            cursor.execute(f"REVOKE {me} FROM {name}")  # a test may have made it a member of the owner
            cursor.execute(f"GRANT {name} TO {me}")
        cursor.execute(f"DROP OWNED BY {name}")
        cursor.execute(f"DROP ROLE {name}")


def _connect_as(name, password):
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, dbname=s["NAME"], user=name, password=password
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_application_role_gets_a_permission_error(app_role, capsys):
    import psycopg

    name, password = app_role
    _events(2)
    call_command("harden_database", app_role=name)
    assert "REVOKE" in capsys.readouterr().out
    with _connect_as(name, password) as conn:
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM core_auditevent")
        assert cur.fetchone()[0] == 3  # two events and the harden_database event
        for sql in (
            "UPDATE core_auditevent SET object_repr = 'x' WHERE seq = 1",
            "DELETE FROM core_auditevent WHERE seq = 1",
            "TRUNCATE core_auditevent CASCADE",
            "ALTER TABLE core_auditevent DISABLE TRIGGER USER",
            "CREATE TRIGGER t BEFORE INSERT ON core_auditevent FOR EACH ROW "
            "EXECUTE FUNCTION suppress_redundant_updates_trigger()",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute(sql)
        # The application's own work still runs: other tables are writable, the audit table takes inserts.
        cur.execute(
            "SELECT has_table_privilege('core_auditevent', 'INSERT'), has_table_privilege('orgs_org', 'UPDATE')"
        )
        assert cur.fetchone() == (True, True)
        cur.execute("SELECT has_table_privilege('core_auditevent', 'UPDATE')")
        assert cur.fetchone() == (False,)
    assert audit.verify() is None


@postgresql_only
def test_harden_refuses_the_owner_a_superuser_and_unknown_roles(app_role):
    owner = connection.settings_dict["USER"] or "postgres"  # the role the suite migrates as
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    # a superuser (developers' clusters) is refused as such, the tables' owner (CI's role) as the owner
    with pytest.raises(CommandError, match="超级用户" if superuser else "属主"):
        call_command("harden_database", app_role=owner)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT {owner} TO {app_role[0]}")
    with pytest.raises(CommandError, match="属主"):
        call_command("harden_database", app_role=app_role[0])
    with pytest.raises(CommandError, match="不存在"):
        call_command("harden_database", app_role="no_such_role_x")


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite only")
def test_harden_explains_sqlite(db):
    with pytest.raises(CommandError, match="SQLite"):
        call_command("harden_database", app_role="app")


def test_the_deploy_check_reports_the_protection(db):
    from dangjian.security import controls

    rows = {r.title: r for r in controls.run()}
    row = rows["审计表只增不改（触发器、应用账号无修改权限）"]
    if connection.vendor == "postgresql":
        assert row.status == controls.FAIL  # the suite connects as the tables' owner (or a superuser)
        assert "UPDATE" in row.detail
    else:
        assert row.status == controls.WARN
    with audit_unguarded():
        if connection.vendor == "sqlite":
            rows = {r.title: r for r in controls.run()}
            assert rows["审计表只增不改（触发器、应用账号无修改权限）"].status == controls.FAIL
            assert "core_auditevent_no_update" in rows["审计表只增不改（触发器、应用账号无修改权限）"].detail


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite only")
def test_sqlite_triggers_dropped_by_a_table_rebuild_come_back_after_migrate(db):
    from dangjian.core.apps import _restore_sqlite_audit_triggers

    audit_guard.remove(connection)  # what a later migration's table rebuild does on SQLite
    assert audit_guard.missing_triggers()
    _restore_sqlite_audit_triggers(sender=None, using="default")
    assert audit_guard.missing_triggers() == []
