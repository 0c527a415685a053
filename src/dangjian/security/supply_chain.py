"""IP-03 supply chain: the hash-pinned lock of every dependency and the SBOM made from the installed set.

`requirements/lock.txt` is made by pip-compile from pyproject.toml's pins (docs/install.md); `.ci/run` installs
only from it with `--require-hashes` and writes a CycloneDX SBOM of the virtualenv. This module checks that the
three agree, with no Django and nothing installed beyond the standard library:

    python -m dangjian.security.supply_chain sbom build/sbom.cdx.json requirements/lock.txt
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\#]+)")


def canonical(name: str) -> str:
    """PEP 503 name: `Django` and `django`, `python_dateutil` and `python-dateutil` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock_text: str) -> dict[str, tuple[str, int]]:
    """{name: (version, number of hashes)} of a pip-compile lock with --generate-hashes."""
    result: dict[str, tuple[str, int]] = {}
    current = None
    for raw in lock_text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if match and not raw[0].isspace():
            current = canonical(match.group(1))
            result[current] = (match.group(2), 0)
        if current and "--hash=sha256:" in line:
            version, hashes = result[current]
            result[current] = (version, hashes + line.count("--hash=sha256:"))
    return result


def pinned(pyproject_text: str, extras: tuple[str, ...] = ("dev",)) -> dict[str, str]:
    """{name: version} of pyproject.toml's dependencies and the given extras; every one must be `==`."""
    project = tomllib.loads(pyproject_text)["project"]
    specs = list(project.get("dependencies", []))
    for extra in extras:
        specs += project.get("optional-dependencies", {}).get(extra, [])
    result = {}
    for spec in specs:
        match = _PIN.match(spec.strip())
        if not match:
            raise ValueError(f"pyproject.toml: {spec!r} is not pinned with ==")
        result[canonical(match.group(1))] = match.group(2)
    return result


def lock_problems(pyproject_text: str, lock_text: str) -> list[str]:
    """What makes the lock stale or unsafe: a pin of pyproject.toml missing or at another version, an entry
    without a hash."""
    lock = locked(lock_text)
    problems = []
    for name, version in sorted(pinned(pyproject_text).items()):
        if name not in lock:
            problems.append(f"{name}=={version} 不在 requirements/lock.txt 中")
        elif lock[name][0] != version:
            problems.append(f"{name}: pyproject.toml 为 {version}，requirements/lock.txt 为 {lock[name][0]}")
    problems += [f"{name}=={version} 没有 sha256 哈希" for name, (version, n) in sorted(lock.items()) if n == 0]
    return problems


def sbom_problems(sbom: dict, lock_text: str) -> list[str]:
    """Every locked distribution is in the SBOM at its locked version, with a package URL."""
    components = {canonical(c["name"]): c for c in sbom.get("components", [])}
    problems = []
    for name, (version, _) in sorted(locked(lock_text).items()):
        component = components.get(name)
        if component is None:
            problems.append(f"SBOM 缺少 {name}")
        elif component.get("version") != version:
            problems.append(f"SBOM 中 {name} 为 {component.get('version')}，锁定为 {version}")
        elif not component.get("purl", "").startswith("pkg:pypi/"):
            problems.append(f"SBOM 中 {name} 没有 pkg:pypi 包地址")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "sbom":
        sbom = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        problems = sbom_problems(sbom, Path(argv[2]).read_text(encoding="utf-8"))
        count = len(sbom.get("components", []))
    elif len(argv) == 3 and argv[0] == "lock":
        problems = lock_problems(Path(argv[1]).read_text(encoding="utf-8"), Path(argv[2]).read_text(encoding="utf-8"))
        count = len(locked(Path(argv[2]).read_text(encoding="utf-8")))
    else:
        print(
            "usage: python -m dangjian.security.supply_chain sbom SBOM.json LOCK | lock PYPROJECT LOCK", file=sys.stderr
        )
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{argv[0]}: {count} 个组件，{'通过' if not problems else f'{len(problems)} 个问题'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
