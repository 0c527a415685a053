from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "dangjian.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self):
        from dangjian.core.nav import NavItem, register

        register(
            NavItem(
                "统计", "stats:dashboard", "chart", "orgs.view_org",
                description="党组织和党员基本情况、组织生活完成率、党费交纳率（可按任一日期查询）", order=70,
            )
        )  # fmt: skip
