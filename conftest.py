"""Fixtures shared by every test: a small canonical tree and the personas placed in it.

    中共测试县委员会 (county, local_committee)
    ├── 中共东山镇委员会 (town, committee, rural)
    │   ├── 柳树村党支部 (village, branch)            ← village_secretary, party_member
    │   ├── 杨庄村党支部 (village2, branch)
    │   └── 石桥村党总支部委员会 (general, general_branch)
    │       └── 第一党支部 (general_1, branch)
    ├── 中共西河镇委员会 (town2, committee, rural)
    │   └── 河湾村党支部 (village3, branch)
    └── 中共测试县直机关工作委员会 (organs, working_committee, government)
        └── 县财政局机关党支部 (organ_branch, branch)

county_admin sits on the county, town_secretary on 东山镇, auditor / security_admin /
system_admin on the county.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests check behaviour, never speed (performance lives in bench/): no per-example deadline, which
# failed tests at random on a loaded 2-core machine.
hypothesis_settings.register_profile("dangjian", deadline=None)
hypothesis_settings.load_profile("dangjian")

TREE = [
    ("county", None, "中共测试县委员会", "local_committee", "government"),
    ("town", "county", "中共东山镇委员会", "committee", "rural"),
    ("village", "town", "柳树村党支部", "branch", "rural"),
    ("village2", "town", "杨庄村党支部", "branch", "rural"),
    ("general", "town", "石桥村党总支部委员会", "general_branch", "rural"),
    ("general_1", "general", "第一党支部", "branch", "rural"),
    ("town2", "county", "中共西河镇委员会", "committee", "rural"),
    ("village3", "town2", "河湾村党支部", "branch", "rural"),
    ("organs", "county", "中共测试县直机关工作委员会", "working_committee", "government"),
    ("organ_branch", "organs", "县财政局机关党支部", "branch", "government"),
]


@pytest.fixture
def orgs(db):
    """The canonical tree, built through the bulk action (key → Org)."""
    from dangjian.orgs import actions
    from dangjian.orgs.models import Org

    specs = [
        {
            "key": key,
            "parent_key": parent,
            "name": name,
            "kind": kind,
            "sector": sector,
            "code": f"T{i:04d}",
            "established_on": date(2000, 1, 1),
            "sort_order": i,
        }
        for i, (key, parent, name, kind, sector) in enumerate(TREE)
    ]
    ids = actions.bulk_create_tree(specs, actor=None)
    by_id = Org.objects.in_bulk(list(ids.values()))
    return {key: by_id[pk] for key, pk in ids.items()}


@pytest.fixture
def personas(orgs):
    """username → User, with the roles of the personas."""
    from dangjian.demo.personas import ensure_personas

    return {p.username: user for p, user in ensure_personas(orgs["county"], is_demo=False)}


@pytest.fixture
def client_as(client, personas):
    """client_as("village_secretary") → the Django test client logged in as that persona."""

    def login(username: str):
        client.force_login(personas[username])
        return client

    return login


@pytest.fixture
def nobody(db):
    """An account without any role."""
    from dangjian.accounts import actions

    user, _ = actions.create_user("nobody", actor=None, password="Nobody#2026x")
    return user


@pytest.fixture
def people(orgs):
    """A few members: two in 柳树村 (village), one in 杨庄村 (village2), one in 河湾村 (village3).

    Returns key → Member. ID numbers are valid synthetic ones; phones are mobile numbers.
    """
    from dangjian.members import actions, rules

    def add(org_key, name, birth, sex, seq, **extra):
        number = rules.synthetic_id_number("371302", birth, seq, sex)
        fields = {
            "name": name,
            "id_number": number,
            "sex": sex,
            "birth_date": birth,
            "ethnicity": "汉族",
            "education": "bachelor",
            "stage": "full",
            "joined_on": date(birth.year + 25, 7, 1),
            "full_on": date(birth.year + 26, 7, 1),
            "occupation": "farmer",
            "phone": f"1380000{seq:04d}",
            "address": "东山镇柳树村三组12号",
        }
        fields.update(extra)
        return actions.add_member(orgs[org_key], actor=None, **fields)

    return {
        "zhang": add("village", "张三丰", date(1970, 3, 5), "male", 11),
        "li": add(
            "village",
            "李秀英",
            date(1992, 8, 20),
            "female",
            12,
            stage="probationary",
            joined_on=date(2026, 3, 1),
            full_on=None,
        ),
        "wang": add("village2", "王建国", date(1958, 1, 9), "male", 13, occupation="retired"),
        "zhao": add("village3", "赵德胜", date(1985, 11, 30), "male", 14),
    }


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """Tests that log in with `force_login` (client_as) stand for a completed login, second factor
    included (IA-08, docs/security.md). The 2FA tests log in through the real form instead, or call
    `Client._login` directly."""
    from django.test import Client

    from dangjian.security.actions import VERIFIED_SESSION_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[VERIFIED_SESSION_KEY] = True
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty rate-limit counters (IP-06) and an empty per-process cache (PRV-08's read log
    and the per-user values are keyed by ids that recur between rolled-back tests)."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    caches["default"].clear()


@pytest.fixture(autouse=True)
def _fresh_role_binding_alarms():
    """AC-12 raises its alarm once per broken row per process; row ids recur between tests (rolled back)."""
    from dangjian.accounts import bindings

    bindings._alarmed.clear()


@pytest.fixture(autouse=True, scope="session")
def _flush_passes_the_audit_triggers():
    """Transactional tests empty every table between tests (Django's flush); the AU-03 triggers refuse that
    for the audit trail, so the flush lifts them as the database superuser would (security.testing)."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from dangjian.security.testing import audit_unguarded

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with audit_unguarded(self.connection.alias):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original
