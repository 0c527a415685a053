from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "dangjian.security"
    label = "security"
    verbose_name = "安全与可靠性"

    def ready(self):
        from dangjian.core import todos
        from dangjian.security import checks, signals  # noqa: F401
        from dangjian.security import todos as security_todos

        todos.register("安全告警", security_todos.open_alerts)
        todos.register("导出审批", security_todos.export_approvals)
        from dangjian.security.retention import apply_umask

        apply_umask()  # RI-02: every file the application writes is owner-only
