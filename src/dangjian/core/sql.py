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


class Precompiled:
    """An ORM query compiled to SQL once per process and database, run again with new parameter values.

    The ORM builds a statement's SQL on every execution (clone the queryset, resolve the filters and joins,
    build the select list): ~0.25–0.35 ms of CPU for the user row, more than executing it (docs/bench-load.md,
    session 5). The statements every request makes — its session, its user, its grants — are compiled once
    here instead. `build(*markers)` returns the queryset with each parameter given as a marker value: ints or
    strings that must reach the SQL unchanged and exactly once (checked when compiling). Rows come back
    through the ORM's own converters (JSON, and booleans and dates on SQLite): model instances for a model
    queryset without select_related, tuples for `values_list`. The SQL and its parameters are the ORM's own,
    so scope, filters and the statement count are exactly those of the queryset `build` returns."""

    def __init__(self, build, *markers):
        self.build, self.markers = build, markers
        self._compiled: dict[str, tuple] = {}

    def _compile(self, connection) -> tuple:
        from django.db.models.query import ModelIterable, ValuesListIterable

        qs = self.build(*self.markers)
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = []
        for marker in self.markers:
            found = [i for i, p in enumerate(params) if type(p) is type(marker) and p == marker]
            if len(found) != 1:
                raise ValueError(f"marker {marker!r} appears {len(found)} times in the parameters {params!r}")
            positions.append(found[0])
        select = [col for col, _alias, _sql in compiler.select]
        converters = compiler.get_converters(select)
        if qs._iterable_class is ModelIterable:
            info = compiler.klass_info
            if info.get("related_klass_infos") or compiler.annotation_col_map:
                raise ValueError("Precompiled takes a plain model queryset (no select_related, no annotations)")
            fields = info["select_fields"]
            init = [compiler.select[i][0].target.attname for i in fields]
            model = (qs.model, init, fields[0], fields[-1] + 1)
        elif qs._iterable_class is ValuesListIterable:
            model = None
        else:
            raise ValueError("Precompiled takes a model queryset or values_list()")
        compiled = (sql, params, positions, converters, model)
        self._compiled[connection.alias] = compiled
        return compiled

    def rows(self, *values) -> list:
        """The rows for these parameter values: model instances, or tuples for `values_list`."""
        from django.db import connection

        compiled = self._compiled.get(connection.alias) or self._compile(connection)
        sql, params, positions, converters, model = compiled
        params = list(params)
        for position, value in zip(positions, values, strict=True):
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = list(_apply_converters(rows, converters, connection))
        if model is None:
            return [tuple(row) for row in rows]
        cls, init, start, end = model
        return [cls.from_db(connection.alias, init, row[start:end]) for row in rows]


def _apply_converters(rows, converters, connection):
    """The ORM's converters (`SQLCompiler.apply_converters`) over fetched rows."""
    converters = list(converters.items())
    for row in map(list, rows):
        for pos, (convs, expression) in converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        yield row
