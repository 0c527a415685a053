from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "dangjian.security"
    label = "security"
    verbose_name = "安全与可靠性"

    def ready(self):
        from dangjian.core import todos
        from dangjian.security import alerts, checks, signals  # noqa: F401
        from dangjian.security import todos as security_todos

        todos.register("安全告警", security_todos.open_alerts)
        todos.register("导出审批", security_todos.export_approvals)
        todos.register("个人信息申请", security_todos.open_corrections)
        todos.register("个人信息处理告知", security_todos.notice_to_acknowledge)
        from dangjian.core.nav import NavItem, register

        register(
            NavItem(
                "我的个人信息",
                "security:my_data",
                "user",
                None,
                description="平台保存的本人信息、副本下载，申请更正、删除或限制处理",
                order=53,
            )
        )
        register(
            NavItem(
                "个人信息申请", "security:corrections", "edit", "security.answer_correction",
                description="党员提出的个人信息更正、删除、限制处理申请，30 日内答复", order=54,
            )
        )  # fmt: skip
        from dangjian.security.retention import apply_umask

        apply_umask()  # RI-02: every file the application writes is owner-only
