from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from dangjian.accounts import lifecycle, signals  # noqa: F401
        from dangjian.core import events

        # AC-03: a member who leaves loses the account; one who moves takes the self-service role along.
        events.subscribe(events.MEMBER_LEFT, lifecycle.on_member_left)
        events.subscribe(events.MEMBER_PLACED, lifecycle.on_member_placed)
        from dangjian.core.nav import NavItem, register

        register(
            NavItem(
                "账号管理",
                "accounts:user_list",
                "users",
                "accounts.view_user",
                group="管理",
                order=110,
                description="账号、角色授权、解锁",
            )
        )
