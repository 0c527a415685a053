"""The built-in roles: what each may do. Roles are data (table `Role`); these are their defaults.

Permission codes are ``<app>.<action>_<model>``. A role assignment on an org grants its
permissions over that org's subtree. The three administrator roles are mutually exclusive and hold
no business data (AC-07): the system administrator keeps accounts and the org tree, the security
administrator keeps roles and unlocks, the audit administrator reads the audit trail.
"""

from functools import cache

from dangjian.accounts.models import Separation

ORG_READ = ["orgs.view_org"]
ORG_WRITE = ["orgs.add_org", "orgs.change_org", "orgs.move_org", "orgs.dissolve_org"]
MEMBER_READ = ["members.view_member", "members.export_member"]
MEMBER_WRITE = ["members.add_member", "members.change_member", "members.transfer_member"]
MEMBER_UNMASK = ["members.unmask_member"]  # see ID numbers, phones and addresses in clear (audited)
MEMBER_IMPORT = ["members.import_member"]
ORGLIFE = ["orglife.view_meeting", "orglife.change_meeting"]
DUES = ["dues.view_bill", "dues.change_bill"]
RECRUIT = ["recruitment.view_recruitmentcase", "recruitment.change_recruitmentcase"]
RECRUIT_APPROVE = ["recruitment.approve_recruitmentcase", "recruitment.change_localoption"]
STATS_THRESHOLDS = ["stats.change_threshold"]  # set a jurisdiction's red/amber/green thresholds
SECURITY_ADMIN_EXTRA = ["accounts.reset_2fa", "security.view_alert"]  # issue 8: reset a lost authenticator
AUDIT_ADMIN_EXTRA = ["security.view_alert"]  # issue 8: alerts such as a broken audit chain

BUILTIN_ROLES: list[dict] = [
    {
        "code": "org_admin",
        "name": "组织部管理员",
        "description": "县（市）委组织部工作人员：管理所辖党组织",
        "permissions": ORG_READ
        + ORG_WRITE
        + MEMBER_READ
        + MEMBER_WRITE
        + MEMBER_UNMASK
        + MEMBER_IMPORT
        + ORGLIFE
        + DUES
        + RECRUIT
        + RECRUIT_APPROVE
        + STATS_THRESHOLDS,
        "separation": Separation.NONE,
    },
    {
        "code": "committee_secretary",
        "name": "党委书记/副书记",
        "description": "党（工）委书记、副书记：查看并维护所辖党组织",
        "permissions": [
            *ORG_READ,
            "orgs.add_org",
            "orgs.change_org",
            *MEMBER_READ,
            *MEMBER_WRITE,
            *ORGLIFE,
            *DUES,
            *RECRUIT,
            *RECRUIT_APPROVE,
        ],
        "separation": Separation.NONE,
    },
    {
        "code": "branch_secretary",
        "name": "支部书记",
        "description": "党支部（总支）书记：管理本支部",
        "permissions": [
            *ORG_READ,
            "orgs.change_org",
            *MEMBER_READ,
            *MEMBER_WRITE,
            *MEMBER_UNMASK,
            *ORGLIFE,
            *DUES,
            *RECRUIT,
        ],
        "separation": Separation.NONE,
    },
    {
        "code": "organizing_member",
        "name": "组织委员",
        "description": "党组织组织委员：协助书记办理组织工作",
        "permissions": [
            *ORG_READ,
            *MEMBER_READ,
            "members.add_member",
            "members.change_member",
            *ORGLIFE,
            *DUES,
            *RECRUIT,
        ],
        "separation": Separation.NONE,
    },
    {
        "code": "member",
        "name": "党员",
        "description": "党员自助服务：查看本人信息和所在支部",
        "permissions": [*ORG_READ, "orglife.view_meeting"],
        "separation": Separation.NONE,
    },
    {
        "code": "system_admin",
        "name": "系统管理员",
        "description": "三员之一：账号、组织树和系统配置；不查看业务数据和审计记录",
        "permissions": [*ORG_READ, *ORG_WRITE, "accounts.view_user", "accounts.manage_user"],
        "separation": Separation.SYSTEM,
    },
    {
        "code": "security_admin",
        "name": "安全管理员",
        "description": "三员之一：角色授权、安全策略和账号解锁；可查看组织树，不查看党员等业务数据",
        # The org tree (names and structure, no personal data) is needed to choose where a role applies.
        "permissions": [
            *ORG_READ,
            "accounts.view_user",
            "accounts.assign_role",
            "accounts.unlock_user",
            *SECURITY_ADMIN_EXTRA,
        ],
        "separation": Separation.SECURITY,
    },
    {
        "code": "audit_admin",
        "name": "审计管理员",
        "description": "三员之一：查阅、检索和导出审计记录",
        "permissions": ["core.view_auditevent", "core.export_auditevent", *AUDIT_ADMIN_EXTRA],
        "separation": Separation.AUDIT,
    },
]


# orglife: the upper committees approve or return the branches' meeting records (review chain).
ORGLIFE_REVIEW = ["orglife.review_meeting"]
for _role in BUILTIN_ROLES:
    if _role["code"] in ("org_admin", "committee_secretary"):
        _role["permissions"] = [*_role["permissions"], *ORGLIFE_REVIEW]


def sync_builtin_roles(role_model, using: str = "default") -> None:
    """Create or update the built-in roles (the data migration, every post_migrate, the demo)."""
    for order, spec in enumerate(BUILTIN_ROLES):
        role_model.objects.db_manager(using).update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "permissions": spec["permissions"],
                "separation": str(spec["separation"]),
                "is_builtin": True,
                "sort_order": order,
            },
        )


# Member points (积分, issue 6): appended so that the role table above stays as it is.
POINTS_READ = ["points.view_pointentry", "points.view_pointruleset"]
POINTS_ENTER = ["points.change_pointentry"]
POINTS_APPROVE = ["points.approve_pointentry"]
POINT_RULES = ["points.change_pointruleset"]
_POINTS_GRANTS = {
    "org_admin": POINTS_READ + POINTS_ENTER + POINTS_APPROVE + POINT_RULES,
    "committee_secretary": POINTS_READ + POINTS_ENTER + POINTS_APPROVE + POINT_RULES,
    "branch_secretary": POINTS_READ + POINTS_ENTER + POINTS_APPROVE,
    "organizing_member": POINTS_READ + POINTS_ENTER,
}
for _spec in BUILTIN_ROLES:
    _spec["permissions"] = [*_spec["permissions"], *_POINTS_GRANTS.get(_spec["code"], [])]


# Issue 8 PRV-04: approve another person's export with full personal data (four-eyes); the roles that
# may see personal data in clear. PRV-06: answer members' correction requests (the branch).
EXPORT_APPROVE = ["security.approve_export"]
CORRECTION_ANSWER = ["security.answer_correction"]
for _spec in BUILTIN_ROLES:
    if _spec["code"] in ("org_admin", "branch_secretary"):
        _spec["permissions"] = [*_spec["permissions"], *EXPORT_APPROVE, *CORRECTION_ANSWER]
    elif _spec["code"] == "committee_secretary":
        _spec["permissions"] = [*_spec["permissions"], *CORRECTION_ANSWER]


@cache
def builtin_permissions() -> dict[str, frozenset[str]]:
    """Code → permissions of each built-in role as this code defines them (AC-12: what the role table must hold)."""
    return {spec["code"]: frozenset(spec["permissions"]) for spec in BUILTIN_ROLES}
