"""AC-12 / CRY-06: integrity of the access-control data. Every role binding (`RoleAssignment`) carries an
HMAC-SM3 over the fields that grant anything: the account, the role (its id and code), the org and the
administrator duty. The key is its own purpose (`rolebind`: ``keys/rolebind.key`` or ``DANGJIAN_KEY_ROLEBIND``).

`accounts.actions.assign_role` writes the MAC with the row (the demo, `bootstrap_admin`, `break_glass` and the
benchmarks all grant through it); migration 0003 computed it for the rows that existed before. Whenever bindings
are loaded to compute permissions, scope, role codes or administrator duties (`accounts.queries`), each row is
verified: a row whose MAC does not verify grants nothing, and the alarm goes off once per broken row (an audit
event ``account.role.integrity`` and a security alert to the security and audit administrators).
The role definitions are checked too (`with_intact_roles`): a built-in role whose permissions in the table differ
from the code's grants nothing to anyone holding it, with the same alarm.

Cost on the request path: the verdict for a (fields, MAC) pair is remembered in the process (an LRU of 4,096
entries), so a request recomputes nothing for bindings it has seen; a changed row is a new pair and is verified.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from dangjian.core import crypto

log = logging.getLogger("dangjian.security")

KEY_PURPOSE = "rolebind"
FORMAT = "ra1"

# The columns a verifying query must load (besides what it needs for itself).
FIELDS = ("pk", "user_id", "role_id", "role__code", "org_id", "separation", "mac")


def _message(user_id, role_id, role_code, org_id, separation) -> bytes:
    return f"{FORMAT}|{user_id}|{role_id}|{role_code}|{org_id}|{separation or ''}".encode()


def binding_mac(user_id, role_id, role_code, org_id, separation, *, key: bytes | None = None) -> str:
    """The MAC of one binding (hex) under the current `rolebind` key, or under `key` when given (rekeying).
    Integers and codes only: no personal data enters it."""
    key = key if key is not None else crypto.provider().key(KEY_PURPOSE)
    return crypto.hmac_sm3(key, _message(user_id, role_id, role_code, org_id, separation)).hex()


def mac_of(assignment) -> str:
    return binding_mac(
        assignment.user_id, assignment.role_id, assignment.role.code, assignment.org_id, assignment.separation
    )


@lru_cache(maxsize=4096)
def _verdict(user_id, role_id, role_code, org_id, separation, mac) -> bool:
    if not mac:
        return False
    return crypto.constant_time_equal(binding_mac(user_id, role_id, role_code, org_id, separation), mac)


def verified(rows: list[tuple], *, start: int = 0) -> list[tuple]:
    """Keep the rows whose MAC verifies. Each row holds the columns of `FIELDS` at ``row[start:start+7]``
    (pk, user_id, role_id, role code, org_id, separation, mac); the others raise the alarm and are dropped."""
    good = []
    for row in rows:
        pk, user_id, role_id, role_code, org_id, separation, mac = row[start : start + 7]
        if _verdict(user_id, role_id, role_code, org_id, separation, mac):
            good.append(row)
        else:
            broken(pk, user_id, role_id, role_code, org_id, separation, mac)
    return good


_alarmed: set[tuple] = set()


def broken(pk, user_id, role_id, role_code, org_id, separation, mac, *, permissions: tuple = ()) -> None:
    """Raise the alarm for a binding that grants nothing: its MAC does not verify or, when `permissions` are
    given, its built-in role holds other permissions than the code defines. Once per row and content (an
    in-process memo in front of the stored alert, so a broken row costs nothing more on later requests)."""
    state = (pk, user_id, role_id, role_code, org_id, separation, mac, permissions)
    if state in _alarmed:
        return
    _alarmed.add(state)
    log.critical("role binding %s failed its integrity check; it grants nothing", pk)
    from dangjian.security import alerts

    alerts.role_binding_broken(
        pk=pk,
        user_id=user_id,
        role_id=role_id,
        role_code=role_code,
        org_id=org_id,
        separation=separation,
        role_changed=bool(permissions),
    )


def with_intact_roles(rows: list[tuple], *, permissions_at: int) -> list[tuple]:
    """AC-12 for the role definitions: the permissions of a built-in role are those this code defines
    (`accounts.roles.builtin_permissions`, written to the table by every migrate). A row (of `verified`, FIELDS
    first) whose built-in role, as loaded at ``row[permissions_at]``, holds anything else grants nothing and raises
    the alarm. Roles that are not built in can only be bound through the application (the binding's MAC covers
    the role's id and code), so a changed code or a row pointed at another role fails `verified` already."""
    good = []
    for row in rows:
        if role_intact(row[3], row[permissions_at]):
            good.append(row)
        else:
            broken(*row[:7], permissions=tuple(sorted(row[permissions_at] or ())))
    return good


def role_intact(role_code: str, permissions) -> bool:
    """A built-in role holds exactly the permissions the code defines; other roles are not compared."""
    from dangjian.accounts.roles import builtin_permissions

    defined = builtin_permissions().get(role_code)
    return defined is None or frozenset(permissions or ()) == defined


def broken_rows() -> list[int]:
    """Ids of every binding that grants nothing: its MAC does not verify or its built-in role holds other
    permissions than the code defines (the deployment check); raises no alarm."""
    from dangjian.accounts.models import RoleAssignment

    out = []
    for row in RoleAssignment.objects.values_list(*FIELDS, "role__permissions").iterator(chunk_size=2000):
        pk, user_id, role_id, role_code, org_id, separation, mac, permissions = row
        if not _verdict(user_id, role_id, role_code, org_id, separation, mac) or not role_intact(
            role_code, permissions
        ):
            out.append(pk)
    return out


@dataclass
class Rekeyed:
    rekeyed: int  # verified under the old key, now carry the current key's MAC
    current: int  # already carried the current key's MAC (the command ran before, or the row is new)
    broken: list[int]  # verify under neither key: left as they are, alarm raised


def rekey(old_key: bytes, *, actor=None, dry_run: bool = False) -> Rekeyed:
    """After the `rolebind` key has been replaced (``keys/rolebind.key`` or ``DANGJIAN_KEY_ROLEBIND``), give
    every binding the MAC of the new key. Only a binding whose MAC verifies under the old key is rewritten, so a
    row changed behind the application's back is not laundered by the rotation: it stays broken (it grants
    nothing), is listed and raises the alarm. Running it again changes nothing. One transaction, one audit
    event ``account.role.rekey`` with the counts."""
    from django.db import transaction

    from dangjian.accounts.models import RoleAssignment
    from dangjian.core import audit

    current_key = crypto.provider().key(KEY_PURPOSE)
    if crypto.constant_time_equal(old_key, current_key):
        raise ValueError(
            "旧密钥与当前密钥相同：请先把新密钥放入 keys/rolebind.key 或 DANGJIAN_KEY_ROLEBIND，再用旧密钥运行。"
        )
    rekeyed = current = 0
    broken_ids: list[int] = []
    with transaction.atomic():
        rows = list(RoleAssignment.objects.select_for_update().values_list(*FIELDS).order_by("pk"))
        for pk, user_id, role_id, role_code, org_id, separation, mac in rows:
            fields = (user_id, role_id, role_code, org_id, separation)
            if mac and crypto.constant_time_equal(binding_mac(*fields, key=current_key), mac):
                current += 1
            elif mac and crypto.constant_time_equal(binding_mac(*fields, key=old_key), mac):
                rekeyed += 1
                if not dry_run:
                    RoleAssignment.objects.filter(pk=pk, mac=mac).update(mac=binding_mac(*fields, key=current_key))
            else:
                broken_ids.append(pk)
                broken(pk, *fields, mac)
        if not dry_run:
            audit.record(
                "account.role.rekey",
                actor=actor,
                object_type="accounts.roleassignment",
                object_repr="角色授权校验值更换密钥",
                after={"rekeyed": rekeyed, "current": current, "broken": broken_ids},
            )
    _verdict.cache_clear()
    return Rekeyed(rekeyed, current, broken_ids)
