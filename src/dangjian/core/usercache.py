"""Values kept per user for a few seconds that the user's own changes refresh at once.

`kept_for_user(user, name, seconds, compute)` keeps `compute()` in the default cache under the user, `name`
and a fingerprint of the user's grants (a role change makes a new key) for `seconds` (0: no cache). Before a
kept value is used, one indexed statement asks the audit trail whether the user wrote an audited change
since it was computed (every action writes one): if so it is computed again. Others' changes show within
`seconds`. Used by the to-dos (core/todos.py) and the roster's total (members/views.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

# Audit events that change no data (they do not drop the user's kept values).
NON_CHANGE_PREFIXES = ("auth.",)
NON_CHANGE_SUFFIXES = (".reveal", ".export", ".download", ".view")


def _key(user, name: str) -> str:
    from dangjian.core.scope import grants

    fingerprint = hashlib.sha256(repr(sorted(grants(user).items())).encode()).hexdigest()[:16]
    return f"user:{user.pk}:{fingerprint}:{name}"


def audit_head() -> int:
    from dangjian.core.models import AuditHead

    return AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0


def changed_by(user, since: int) -> bool:
    """Whether the user wrote an audited change after audit sequence number `since`."""
    from django.db import connection

    from dangjian.core.models import AuditEvent

    # On every use of a kept value: one indexed statement, without the ORM's query building.
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT action FROM {table} WHERE actor_id = %s AND seq > %s", [user.pk, since])
        actions = [row[0] for row in cursor.fetchall()]
    return any(not (a.startswith(NON_CHANGE_PREFIXES) or a.endswith(NON_CHANGE_SUFFIXES)) for a in actions)


def kept_for_user(user, name: str, seconds: int, compute: Callable[[], object]):
    from django.core.cache import cache

    if not seconds or not getattr(user, "is_authenticated", False):
        return compute()
    key = _key(user, name)
    entry = cache.get(key)
    if entry is not None and not changed_by(user, entry[0]):
        return entry[1]
    head = audit_head()  # read before computing: a change made meanwhile drops the entry next time
    value = compute()
    cache.set(key, (head, value), seconds)
    return value
