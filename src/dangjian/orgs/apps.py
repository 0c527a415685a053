from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = "党组织"

    def ready(self):
        from dangjian.core.nav import NavItem, register

        register(
            NavItem(
                "组织架构",
                "orgs:tree",
                "tree",
                "orgs.view_org",
                description="党组织树、班子和届次、组织设置预警",
                order=10,
            )
        )
