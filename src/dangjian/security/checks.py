"""System checks for the controls of issue 8 (dangjian.P013 onwards), run by `dangjian check`."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from dangjian.security import rules


@register(Tags.security, deploy=True)
def two_factor_policy(app_configs, **kwargs):
    missing = [r for r in rules.ADMIN_ROLES if r not in settings.TWO_FACTOR_REQUIRED_ROLES]
    if missing and not settings.TWO_FACTOR_REQUIRED_FOR_ALL:
        return [
            Error(
                f"管理员角色未强制双因素认证：{'、'.join(missing)}。",
                hint="DANGJIAN_2FA_ROLES 须包含 system_admin、security_admin、audit_admin、org_admin。",
                id="dangjian.P013",
            )
        ]
    return []
