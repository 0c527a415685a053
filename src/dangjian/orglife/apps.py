from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    verbose_name = "组织生活"

    def ready(self):
        from dangjian.core import todos
        from dangjian.core.nav import NavItem, register
        from dangjian.orglife import facts
        from dangjian.orglife.todos import orglife_todos

        facts.connect()

        register(
            NavItem(
                "组织生活", "orglife:meeting_list", "calendar", "orglife.view_meeting",
                description="三会一课、主题党日：安排、会议记录、出勤和完成情况", order=50,
            )
        )  # fmt: skip
        register(
            NavItem(
                "组织生活完成情况", "orglife:overview", "chart", "orglife.view_meeting",
                description="各党支部三会一课、主题党日开展情况和完成率", order=51,
            )
        )  # fmt: skip
        register(
            NavItem(
                "我的组织生活", "orglife:my", "user", "orglife.view_meeting",
                description="本人即将参加的组织生活和出勤情况", order=52,
            )
        )  # fmt: skip
        todos.register("组织生活", orglife_todos)
