"""AU-03 database-level tamper protection of the audit trail (append-only below the application).

Two layers, both outside the application's Python code:

1. **Triggers** (migration `core.0002_audit_append_only`, SQLite and PostgreSQL): any UPDATE or DELETE of an
   audit event, and on PostgreSQL any TRUNCATE of the table, is refused by the database itself, whoever
   issues it. The chain head (`core_audithead`) may only move forward by one event, to an event that exists,
   and cannot be deleted. There is no exception path: the platform has no purge of audit events (they are kept
   for good; the archive export of AU-04 copies them off-site and deletes nothing), so nothing in the
   application ever needs to change or remove one.
2. **Privileges** (PostgreSQL only, `dangjian manage harden_database --app-role NAME`): the role the
   application connects as is not the owner of the tables and holds no UPDATE, DELETE, TRUNCATE, TRIGGER or
   REFERENCES on the audit table. Only the owner can disable or drop a trigger, so an attacker with the
   application's SQL access (an injection, a stolen `DATABASE_URL`) can neither edit rows nor remove the
   triggers. The owner (the migration role) and the database superuser can: against them the HMAC-SM3 chain
   (`audit.verify`, run daily) still shows the first altered event.

On SQLite there are no roles: whoever can write the database file can drop the triggers. The triggers there
stop the application (and any SQL that reaches it) from editing the trail; the file's permissions (600,
owned by the service account) and the hash chain do the rest. `dangjian check --deploy` reports both layers.
"""

from __future__ import annotations

from django.db import connections

EVENT_TABLE = "core_auditevent"
HEAD_TABLE = "core_audithead"
REFUSED = "dangjian: audit events are append-only"

SQLITE_TRIGGERS = {
    "core_auditevent_no_update": f"""
        CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON {EVENT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED} (UPDATE refused)'); END""",
    "core_auditevent_no_delete": f"""
        CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON {EVENT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED} (DELETE refused)'); END""",
    "core_audithead_forward_only": f"""
        CREATE TRIGGER IF NOT EXISTS core_audithead_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
          OR NOT EXISTS (SELECT 1 FROM {EVENT_TABLE} WHERE seq = NEW.seq AND hash = NEW.hash)
        BEGIN SELECT RAISE(ABORT, '{REFUSED} (the chain head only moves forward to an existing event)'); END""",
    "core_audithead_no_delete": f"""
        CREATE TRIGGER IF NOT EXISTS core_audithead_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED} (DELETE of the chain head refused)'); END""",
}

POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION dangjian_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED} (% refused on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$""",
    f"""
    CREATE OR REPLACE FUNCTION dangjian_audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
           OR NOT EXISTS (SELECT 1 FROM {EVENT_TABLE} WHERE seq = NEW.seq AND hash = NEW.hash) THEN
            RAISE EXCEPTION '{REFUSED} (the chain head only moves forward to an existing event)'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$""",
    f"""CREATE TRIGGER core_auditevent_no_update_delete BEFORE UPDATE OR DELETE ON {EVENT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION dangjian_audit_append_only()""",
    f"""CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON {EVENT_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION dangjian_audit_append_only()""",
    f"""CREATE TRIGGER core_audithead_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION dangjian_audit_head_forward_only()""",
    f"""CREATE TRIGGER core_audithead_no_delete BEFORE DELETE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION dangjian_audit_append_only()""",
    f"""CREATE TRIGGER core_audithead_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION dangjian_audit_append_only()""",
]
POSTGRESQL_TRIGGERS = [
    ("core_auditevent_no_update_delete", EVENT_TABLE),
    ("core_auditevent_no_truncate", EVENT_TABLE),
    ("core_audithead_forward_only", HEAD_TABLE),
    ("core_audithead_no_delete", HEAD_TABLE),
    ("core_audithead_no_truncate", HEAD_TABLE),
]
POSTGRESQL_REMOVE = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in POSTGRESQL_TRIGGERS] + [
    "DROP FUNCTION IF EXISTS dangjian_audit_append_only()",
    "DROP FUNCTION IF EXISTS dangjian_audit_head_forward_only()",
]

# What the application role must not hold on the audit tables (AU-03); TRIGGER would let it add triggers.
REVOKED = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def install(connection) -> None:
    """Create the triggers (idempotent on SQLite; the migration runs it once on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in SQLITE_TRIGGERS.values():
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            for sql in POSTGRESQL_INSTALL:
                cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for sql in POSTGRESQL_REMOVE:
                cursor.execute(sql)


def missing_triggers(using: str = "default") -> list[str]:
    """Names of the protecting triggers that are not in the database (or are disabled on PostgreSQL)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
            return [name for name in SQLITE_TRIGGERS if name not in present]
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname IN (%s, %s) AND NOT t.tgisinternal AND t.tgenabled IN ('O', 'A')",
                [EVENT_TABLE, HEAD_TABLE],
            )
            present = {row[0] for row in cursor.fetchall()}
            return [name for name, _ in POSTGRESQL_TRIGGERS if name not in present]
    return []


def role_privileges(using: str = "default") -> dict[str, object]:
    """PostgreSQL: what the connected role may do to the audit table that it must not (AU-03).

    Returns {"role", "owner", "superuser", "granted"}: granted lists the privileges of REVOKED that the role
    holds on the audit table (the owner and a superuser hold them all, whatever is revoked)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, pg_get_userbyid(c.relowner), r.rolsuper FROM pg_class c, pg_roles r "
            "WHERE c.oid = %s::regclass AND r.rolname = current_user",
            [EVENT_TABLE],
        )
        role, owner, superuser = cursor.fetchone()
        granted = []
        for privilege in REVOKED:
            cursor.execute("SELECT has_table_privilege(current_user, %s, %s)", [EVENT_TABLE, privilege])
            if cursor.fetchone()[0]:
                granted.append(privilege)
    is_owner = role == owner or _member_of(using, owner)
    return {"role": role, "owner": owner, "superuser": superuser, "granted": granted, "is_owner": is_owner}


def _member_of(using: str, role: str) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [role])
        return bool(cursor.fetchone()[0])


class HardenError(Exception):
    pass


def harden(app_role: str, *, using: str = "default") -> list[str]:
    """PostgreSQL: let `app_role` use every table of the schema but never edit the audit trail.

    Run as the owner of the tables (the migration role). Grants the role what the application needs
    (CONNECT, USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on the tables, the sequences) and the same for
    tables later migrations create (default privileges of the owner), then revokes UPDATE, DELETE, TRUNCATE,
    TRIGGER and REFERENCES on the audit events and DELETE, TRUNCATE on the chain head. Returns the statements."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise HardenError("只有 PostgreSQL 有数据库账号权限；SQLite 由触发器和文件权限保护。")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            raise HardenError(f"数据库账号 {app_role} 不存在：请先 CREATE ROLE {app_role} LOGIN PASSWORD '…'。")
        cursor.execute(
            "SELECT pg_get_userbyid(relowner), current_schema(), current_database() FROM pg_class "
            "WHERE oid = %s::regclass",
            [EVENT_TABLE],
        )
        owner, schema, database = cursor.fetchone()
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone()[0]:
            raise HardenError(f"{app_role} 是超级用户，权限无法收回：应用请使用普通账号。")
        cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app_role, owner])
        if app_role == owner or cursor.fetchone()[0]:
            raise HardenError(
                f"{app_role} 是数据表的属主（或属主角色的成员）{owner}，属主可以重新授权或停用触发器："
                "应用须使用另一个账号连接，属主账号只用于迁移。"
            )
    q = connection.ops.quote_name
    role, sch = q(app_role), q(schema)
    statements = [
        f"GRANT CONNECT ON DATABASE {q(database)} TO {role}",
        f"GRANT USAGE ON SCHEMA {sch} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA {sch} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA {sch} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"REVOKE {', '.join(REVOKED)} ON {q(EVENT_TABLE)} FROM {role}",
        f"REVOKE DELETE, TRUNCATE, TRIGGER, REFERENCES ON {q(HEAD_TABLE)} FROM {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {q(EVENT_TABLE)} FROM PUBLIC",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return statements


class lifted_for_wipe:
    """`dangjian demo --reset` on PostgreSQL empties every table, the audit trail included (a demo database).
    TRUNCATE is refused by the triggers, so they are disabled around the flush with ALTER TABLE, which only the
    owner of the tables (or a superuser) may do: connected as a hardened application role this fails with a
    permission error and nothing is emptied. SQLite demos are reset by deleting the database file instead."""

    def __init__(self, using: str = "default"):
        self.connection = connections[using]

    def _alter(self, state: str) -> None:
        if self.connection.vendor != "postgresql":
            return
        with self.connection.cursor() as cursor:
            for table in (EVENT_TABLE, HEAD_TABLE):
                cursor.execute(f"ALTER TABLE {table} {state} TRIGGER USER")

    def __enter__(self):
        self._alter("DISABLE")
        return self

    def __exit__(self, *exc):
        self._alter("ENABLE")
        return False
