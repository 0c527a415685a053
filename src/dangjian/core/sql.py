"""Small SQL helpers shared by the apps' bulk queries."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

INLINE_VALUES = 500  # up to this many values an IN list binds one parameter per value


def values_in(field: str, values: Iterable, sql_type: str = "bigint", *, inline: int = INLINE_VALUES) -> Q:
    """``field IN values`` for any number of values. Short lists bind a parameter per value; long ones bind a
    single parameter: an array on PostgreSQL (`sql_type` names its element type), a JSON list on SQLite. Both
    databases cap the parameters of a statement, and PostgreSQL parses and plans a 10,000-value list slowly."""
    values = list(values)
    if len(values) <= inline:
        return Q(**{f"{field}__in": values})
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL(f"SELECT unnest(%s::{sql_type}[])", [values])})
    return Q(**{f"{field}__in": RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])})
