"""The one call the write actions of other apps make for the statistics: `orgs_changed(org_ids)`.

Call it inside the action's transaction with the ids of the orgs whose *own* members, meetings or bills the
action changed (a member's old and new org on a move). After the transaction commits, `rollups.refresh_orgs`
recounts just those orgs and adds the difference to the rollups of the orgs above them; if that fails, the
rollups on their paths are marked stale (the dashboard then offers to count live) and the error is logged:
the action itself has already succeeded. Importing this module loads no models (no import cycles).
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)


def orgs_changed(org_ids) -> None:
    """Mark the orgs `org_ids` dirty for the statistics rollups; they are refreshed after commit."""
    ids = frozenset(int(i) for i in org_ids if i)
    if ids and getattr(settings, "STATS_ROLLUPS_BY_EVENTS", True):
        transaction.on_commit(partial(_refresh, ids))


def _refresh(ids: frozenset[int]) -> None:
    from dangjian.stats import rollups

    try:
        rollups.refresh_orgs(ids)
    except Exception:
        log.exception("statistics rollups: incremental refresh of %d orgs failed; marked stale", len(ids))
        try:
            rollups.mark_stale(ids)
        except Exception:
            log.exception("statistics rollups: could not mark the rollups stale")
