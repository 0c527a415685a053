"""The organization tree as a materialized path derived from the parent link.

`parent` is the truth. `path` is the concatenation of fixed-width base-36 labels of the ids from
the root down, so a subtree is the index range ``path >= P AND path < P || '~'`` (``~`` sorts after
every label character in byte order). The path column uses the "C" collation on PostgreSQL so the
range follows byte order there too; SQLite's default BINARY collation already does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import models
from django.db.models import Lookup

LABEL_WIDTH = 6  # 36**6 ≈ 2.2 billion ids
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
SUBTREE_END = "~"


def label(pk: int) -> str:
    """The fixed-width base-36 label of one node id."""
    if pk < 0 or pk >= 36**LABEL_WIDTH:
        raise ValueError(f"id {pk} does not fit a tree label")
    out = []
    for _ in range(LABEL_WIDTH):
        pk, rem = divmod(pk, 36)
        out.append(_DIGITS[rem])
    return "".join(reversed(out))


def child_path(parent_path: str, pk: int) -> str:
    return parent_path + label(pk)


def depth_of(path: str) -> int:
    """Depth of a path: 0 for a root."""
    return len(path) // LABEL_WIDTH - 1


def ancestor_paths(path: str) -> list[str]:
    """Paths of every ancestor, root first, excluding the node itself."""
    return [path[:i] for i in range(LABEL_WIDTH, len(path), LABEL_WIDTH)]


def ids_in_path(path: str) -> list[int]:
    return [int(path[i : i + LABEL_WIDTH], 36) for i in range(0, len(path), LABEL_WIDTH)]


def subtree_bounds(path: str) -> tuple[str, str]:
    return path, path + SUBTREE_END


def collapse_paths(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies inside another one, so OR-ed ranges never overlap."""
    kept: list[str] = []
    for p in sorted(set(paths)):
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    return kept


def expected_paths(parents: Mapping[int, int | None]) -> dict[int, str]:
    """Recompute every node's path from the parent map; raises ValueError on a cycle."""
    result: dict[int, str] = {}
    for start in parents:
        chain: list[int] = []
        node: int | None = start
        seen: set[int] = set()
        while node is not None and node not in result:
            if node in seen:
                raise ValueError(f"cycle through node {node}")
            seen.add(node)
            chain.append(node)
            node = parents.get(node)
        prefix = result[node] if node is not None else ""
        for n in reversed(chain):
            prefix = prefix + label(n)
            result[n] = prefix
    return result


class PathField(models.CharField):
    """A materialized path column, compared in byte order on every backend."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


@PathField.register_lookup
class InSubtree(Lookup):
    """``path__in_subtree=P``: the node at P and everything below it, as an index range."""

    lookup_name = "in_subtree"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        upper_params = [p + SUBTREE_END for p in rhs_params]
        return f"({lhs} >= {rhs} AND {lhs} < {rhs})", [*lhs_params, *rhs_params, *lhs_params, *upper_params]
