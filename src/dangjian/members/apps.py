from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员"

    def ready(self):
        from dangjian.core import todos
        from dangjian.core.nav import NavItem, register
        from dangjian.members.todos import roster_todos

        register(
            NavItem(
                "党员花名册",
                "members:list",
                "users",
                "members.view_member",
                description="党员信息、党籍变动、失联和流动党员",
            )
        )
        register(
            NavItem(
                "导入名册", "members:import", "upload", "members.import_member", description="从Excel批量导入党员名册"
            )
        )
        todos.register("党员管理", roster_todos)
