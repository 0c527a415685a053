"""IP-03: the hash-pinned lock agrees with pyproject.toml's pins, and the SBOM check finds what is missing."""

from pathlib import Path

import pytest

from dangjian.security import supply_chain

ROOT = Path(__file__).resolve().parents[4]
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
LOCK = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")

SMALL_LOCK = """\
django==5.2.19 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
    # via dangjian (pyproject.toml)
python-dateutil==4.0.0 \\
    --hash=sha256:cccc
    # via arrow
"""


def test_the_committed_lock_holds_every_pin_of_pyproject_with_hashes():
    assert supply_chain.lock_problems(PYPROJECT, LOCK) == []
    lock = supply_chain.locked(LOCK)
    assert lock["django"][0] == supply_chain.pinned(PYPROJECT)["django"]
    assert all(hashes >= 1 for _version, hashes in lock.values())
    assert len(lock) > len(supply_chain.pinned(PYPROJECT))  # transitive dependencies are locked too


def test_parsing_a_lock():
    assert supply_chain.locked(SMALL_LOCK) == {"django": ("5.2.19", 2), "python-dateutil": ("4.0.0", 1)}


@pytest.mark.parametrize(
    ("pyproject_deps", "lock", "problem"),
    [
        ('["Django==5.2.20"]', SMALL_LOCK, "pyproject.toml 为 5.2.20"),
        ('["Django==5.2.19", "nh3==0.3.8"]', SMALL_LOCK, "nh3==0.3.8 不在"),
        ('["Django==5.2.19"]', "django==5.2.19\n", "没有 sha256 哈希"),
    ],
)
def test_a_stale_or_unhashed_lock_is_reported(pyproject_deps, lock, problem):
    pyproject = f'[project]\nname = "x"\ndependencies = {pyproject_deps}\n'
    problems = supply_chain.lock_problems(pyproject, lock)
    assert any(problem in p for p in problems), problems


def test_an_unpinned_dependency_is_refused():
    with pytest.raises(ValueError, match="not pinned"):
        supply_chain.pinned('[project]\nname = "x"\ndependencies = ["Django>=5.2"]\n')


def test_the_sbom_must_list_every_locked_distribution_at_its_version():
    good = {"components": [
        {"name": "Django", "version": "5.2.19", "purl": "pkg:pypi/django@5.2.19"},
        {"name": "python_dateutil", "version": "4.0.0", "purl": "pkg:pypi/python-dateutil@4.0.0"},
    ]}  # fmt: skip
    assert supply_chain.sbom_problems(good, SMALL_LOCK) == []
    older = {"components": [{**good["components"][0], "version": "5.2.18"}]}
    assert supply_chain.sbom_problems(older, SMALL_LOCK) == [
        "SBOM 中 django 为 5.2.18，锁定为 5.2.19",
        "SBOM 缺少 python-dateutil",
    ]
