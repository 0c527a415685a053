from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from dangjian.core import checks, crypto, dbfork  # noqa: F401  (system checks; fork guard of connections)

        crypto.self_test()
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
