from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员"

    def ready(self):
        from dangjian.core.nav import NavItem, register

        register(
            NavItem(
                "党员花名册",
                "members:list",
                "users",
                "members.view_member",
                description="党员信息、党籍变动、失联和流动党员",
            )
        )
