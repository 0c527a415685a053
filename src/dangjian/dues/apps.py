from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self):
        from dangjian.core import todos
        from dangjian.core.nav import NavItem, register
        from dangjian.dues.todos import arrears_todos

        register(
            NavItem(
                "党费", "dues:bill_list", "coin", "dues.view_bill",
                description="党费计算基数、按月收缴、欠交提醒和交纳率", order=60,
            )
        )  # fmt: skip
        register(
            NavItem(
                "我的党费", "dues:mine", "coin", None, group="我的", description="本人的党费账单、交纳记录", order=85
            )
        )
        todos.register("党费收缴", arrears_todos)
