"""The named people shared by the demo and the tests (architecture pattern 7)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "Dangjian@2026"


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    role: str
    where: str  # "root", "county", "town", "village"
    title: str


PERSONAS = [
    Persona("county_admin", "周建国", "org_admin", "county", "县委组织部管理员"),
    Persona("town_secretary", "李红梅", "committee_secretary", "town", "镇党委书记"),
    Persona("village_secretary", "王德胜", "branch_secretary", "village", "村党支部书记"),
    Persona("party_member", "张三丰", "member", "village", "普通党员"),
    Persona("auditor", "陈审计", "audit_admin", "root", "审计管理员"),
    Persona("security_admin", "刘安全", "security_admin", "root", "安全管理员"),
    Persona("system_admin", "赵系统", "system_admin", "root", "系统管理员"),
]


def persona_orgs(org_model, root):
    """The orgs the personas sit in: the first county, its first town, that town's first village branch."""
    county = (
        root
        if root.kind == "local_committee" and root.name.endswith("县委员会")
        else (org_model.objects.filter(path__in_subtree=root.path, name__endswith="县委员会").order_by("path").first())
    )
    town = (
        org_model.objects.filter(parent=county, kind="committee", sector="rural").order_by("sort_order", "pk").first()
    )
    village = org_model.objects.filter(parent=town, kind="branch", sector="rural").order_by("sort_order", "pk").first()
    return {"root": root, "county": county, "town": town, "village": village}


def ensure_personas(root, *, password: str = DEMO_PASSWORD, is_demo: bool = True) -> list[tuple[Persona, object]]:
    """Create the persona accounts and their role assignments (idempotent)."""
    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role, RoleAssignment, User
    from dangjian.accounts.roles import sync_builtin_roles
    from dangjian.orgs.models import Org

    sync_builtin_roles(Role)  # a flushed database (transactional tests) has lost the migration's roles
    places = persona_orgs(Org, root)
    out = []
    for p in PERSONAS:
        user = User.objects.filter(username=p.username).first()
        if user is None:
            user, _ = account_actions.create_user(
                p.username, actor=None, display_name=p.display_name, password=password, is_demo=is_demo
            )
        org = places[p.where]
        role = Role.objects.get(code=p.role)
        if not RoleAssignment.objects.filter(user=user, role=role, org=org).exists():
            account_actions.assign_role(user, role, org, actor=None)
        out.append((p, user))
    return out
