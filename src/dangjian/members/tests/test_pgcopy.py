"""Binary COPY rows (`members.pgcopy`): what goes in comes back, for every column type the import writes."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection, models, transaction

from dangjian.members import pgcopy
from dangjian.members.models import ImportBatchItem, Member, Placement

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's")


class _Field:
    """Stands in for a model field of a given column type."""

    def __init__(self, db_type: str, name: str = "x"):
        self._db_type, self.name, self.model, self.encoder = db_type, name, Member, None

    def db_type(self, connection):
        return self._db_type


def test_fixed_encodings():
    """Values as PostgreSQL's send functions write them: big-endian, dates and times counted from 2000-01-01."""
    assert pgcopy.encoder(_Field("date"), None)(date(2000, 1, 2)) == b"\0\0\0\x04\0\0\0\x01"
    assert pgcopy.encoder(_Field("date"), None)(date(1999, 12, 31)) == b"\0\0\0\x04\xff\xff\xff\xff"
    stamp = datetime(2000, 1, 1, 8, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))  # 00:00:00.000005 UTC
    assert pgcopy.encoder(_Field("timestamp with time zone"), None)(stamp) == b"\0\0\0\x08" + (5).to_bytes(8, "big")
    assert pgcopy.encoder(_Field("boolean"), None)(True) == b"\0\0\0\x01\x01"
    assert pgcopy.encoder(_Field("varchar(8)"), None)(None) == pgcopy.NULL
    assert pgcopy.encoder(_Field("text"), None)("党") == b"\0\0\0\x03" + "党".encode()
    assert pgcopy.field_count(3) == b"\0\x03"
    with pytest.raises(ValueError, match="aware"):
        pgcopy.encoder(_Field("timestamp with time zone"), None)(datetime(2026, 1, 1))  # noqa: DTZ001


def test_an_unknown_column_type_is_refused():
    with pytest.raises(ValueError, match=r"no binary COPY encoder for Member\.x"):
        pgcopy.encoder(_Field("numeric(10, 2)"), None)


@postgresql
@pytest.mark.django_db
def test_round_trip_through_postgresql():
    """Every type, NULLs and edge values, through COPY … (FORMAT BINARY) and back."""
    fields = {
        "t": models.TextField(),
        "v": models.CharField(max_length=64),
        "s": models.SmallIntegerField(),
        "i": models.PositiveIntegerField(),
        "b": models.BigIntegerField(),
        "f": models.BooleanField(),
        "d": models.DateField(),
        "ts": models.DateTimeField(),
        "u": models.UUIDField(),
        "j": models.JSONField(),
    }
    for name, f in fields.items():
        f.set_attributes_from_name(name)
        f.model = Member
    rows = [
        {
            "t": "a\tb\\c\nd\re \\N 党员",
            "v": "",
            "s": -32768,
            "i": 2_147_483_647,
            "b": -(2**63),
            "f": False,
            "d": date(1949, 10, 1),
            "ts": datetime(2026, 11, 27, 0, 1, 2, 345678, tzinfo=UTC),
            "u": uuid.uuid4(),
            "j": {"k": ["党", 1, None], "n": {"x": "\t"}},
        },
        dict.fromkeys(fields),
    ]
    encoders = {name: pgcopy.encoder(f, connection) for name, f in fields.items()}
    data = pgcopy.SIGNATURE
    for row in rows:
        data += pgcopy.field_count(len(fields)) + b"".join(encoders[n](row[n]) for n in fields)
    data += pgcopy.TRAILER
    columns = ", ".join(f"{n} {f.db_type(connection)}" for n, f in fields.items())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE pgcopy_probe (n serial, {columns}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY pgcopy_probe ({', '.join(fields)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(data)
        cursor.execute(f"SELECT {', '.join(fields)} FROM pgcopy_probe ORDER BY n")
        back = cursor.fetchall()
    assert back[1] == (None,) * len(fields)
    got = dict(zip(fields, back[0], strict=True))
    got["j"] = got["j"] if isinstance(got["j"], dict) else __import__("json").loads(got["j"])
    assert got == rows[0]


@postgresql
def test_the_import_models_have_an_encoder_for_every_column():
    for model in (Member, Placement, ImportBatchItem):
        for f in model._meta.concrete_fields:
            assert callable(pgcopy.encoder(f, connection))
