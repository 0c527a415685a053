from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员"

    def ready(self):
        from dangjian.core import todos
        from dangjian.core.nav import NavItem, register
        from dangjian.members.todos import roster_todos
        from dangjian.members.transfer_queries import transfer_todos

        register(
            NavItem(
                "党员花名册",
                "members:list",
                "users",
                "members.view_member",
                description="党员信息、党籍变动、失联和流动党员",
                order=20,
            )
        )
        register(
            NavItem(
                "导入名册",
                "members:import",
                "upload",
                "members.import_member",
                description="从Excel批量导入党员名册",
                order=80,
            )
        )
        register(
            NavItem(
                "组织关系转接", "members:transfer_list", "transfer", "members.view_member",
                description="开具、接收、退回介绍信，逾期提醒", order=30,
            )
        )  # fmt: skip
        register(
            NavItem(
                "流动党员", "members:mobile_list", "walk", "members.view_member",
                description="流出、流入登记，外出满6个月应转接", order=40,
            )
        )  # fmt: skip
        todos.register("党员管理", roster_todos)
        todos.register("组织关系转接", transfer_todos)
