"""Fixtures of the dues tests: a dues clerk on 东山镇 (in scope: 柳树村, 杨庄村; out of scope: 河湾村)."""

import pytest

from dangjian.dues.tests.helpers import VIEW_ONLY, dues_user


@pytest.fixture
def clerk(orgs):
    return dues_user(orgs)


@pytest.fixture
def viewer(orgs):
    return dues_user(orgs, "dues_viewer", permissions=VIEW_ONLY)
