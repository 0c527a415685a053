from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "dangjian.recruitment"
    label = "recruitment"
    verbose_name = "发展党员"

    def ready(self):
        from dangjian.core import todos
        from dangjian.core.nav import NavItem, register
        from dangjian.recruitment.indicators import register_indicators
        from dangjian.recruitment.todos import recruitment_todos

        register_indicators()  # the pipeline figures of the statistics dashboard and `dangjian stats show`

        register(
            NavItem(
                "发展党员",
                "recruitment:board",
                "user-plus",
                "recruitment.view_recruitmentcase",
                description="入党申请人、积极分子、发展对象、预备党员：25个步骤、期限和提醒",
                order=30,
            )
        )
        register(
            NavItem(
                "发展党员审批",
                "recruitment:queues",
                "stamp",
                "recruitment.approve_recruitmentcase",
                description="上级党委：备案、同意、预审、审批和转正审批",
                order=31,
            )
        )
        register(
            NavItem(
                "发展党员总览",
                "recruitment:overview",
                "chart",
                "recruitment.view_recruitmentcase",
                description="管辖范围内各党组织发展党员情况、逾期和违规",
                order=32,
            )
        )
        todos.register("发展党员", recruitment_todos)
