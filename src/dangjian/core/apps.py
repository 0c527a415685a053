from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _restore_sqlite_audit_triggers(sender, using="default", **kwargs):
    """AU-03: SQLite rebuilds a table (dropping its triggers) when a later migration alters it; put them back.
    Idempotent (CREATE TRIGGER IF NOT EXISTS). PostgreSQL keeps triggers across ALTER TABLE."""
    from django.db import connections

    from dangjian.core import audit_guard

    connection = connections[using]
    if connection.vendor == "sqlite" and audit_guard.EVENT_TABLE in connection.introspection.table_names():
        audit_guard.install(connection)


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from dangjian.core import checks, crypto, dbfork  # noqa: F401  (system checks; fork guard of connections)

        crypto.self_test()
        post_migrate.connect(_restore_sqlite_audit_triggers, sender=self)
        from dangjian.core.nav import NavItem, register

        register(NavItem("待办事项", "todos", "todo", None, order=90, description="即将到期和已到期的事项"))
        register(
            NavItem(
                "审计记录",
                "audit:list",
                "audit",
                "core.view_auditevent",
                group="管理",
                order=100,
                description="登录、数据变更、导出等审计事件",
            )
        )
