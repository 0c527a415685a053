from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "dangjian.points"
    label = "points"
    verbose_name = "党员积分"

    def ready(self):
        from dangjian.core.nav import NavItem, register
        from dangjian.points import hooks

        register(
            NavItem(
                "党员积分", "points:ranking", "star", "points.view_pointentry",
                description="积分规则、积分记录与审核、星级和排名", order=65,
            )
        )  # fmt: skip
        register(
            NavItem("我的积分", "points:mine", "star", None, group="我的", description="本人的积分和星级", order=86)
        )
        hooks.connect()
