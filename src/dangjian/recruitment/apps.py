from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "dangjian.recruitment"
    label = "recruitment"
    verbose_name = "发展党员"

    def ready(self):
        from django.db.models.signals import post_save

        from dangjian.core import todos
        from dangjian.core.nav import NavItem, register
        from dangjian.members.models import Placement, StatusChange
        from dangjian.recruitment.indicators import register_indicators
        from dangjian.recruitment.todos import recruitment_todos

        post_save.connect(_follow_placement, sender=Placement, dispatch_uid="recruitment_follow_placement")
        post_save.connect(_follow_exit, sender=StatusChange, dispatch_uid="recruitment_follow_exit")
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


def _follow_placement(sender, instance, created, raw=False, **kwargs):
    """A new roster placement (REL-01): the person's open recruitment case follows it (actions.follow_roster)."""
    if created and not raw and instance.valid_to is None:
        from dangjian.recruitment.actions import follow_roster

        follow_roster(instance.member_id, instance.org_id, instance.valid_from)


def _follow_exit(sender, instance, created, raw=False, **kwargs):
    """A roster record transferred to an org outside the system: its open case is transferred out with it."""
    from dangjian.members.transfer_actions import EXTERNAL_OUT_KIND

    if created and not raw and instance.kind == EXTERNAL_OUT_KIND:
        from dangjian.recruitment.actions import follow_roster_exit

        follow_roster_exit(instance.member_id, instance.on)
