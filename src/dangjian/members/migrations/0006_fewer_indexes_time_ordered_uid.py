# Members: the pinyin initials and the ID-number blind index keep one plain btree index each, declared in
# Meta.indexes, instead of db_index=True, which on PostgreSQL also made a varchar_pattern_ops "_like" index per
# column that no query uses (initials are searched by range, the blind index by equality). New uids are
# time-ordered (models.time_ordered_uuid): no schema change.
#
# Written by hand: Django's AlterField(db_index=True → False) on PostgreSQL drops every non-Meta index on the
# column, including the partial unique index members_one_current_record_per_id. Here the database side only
# drops the "_like" indexes and renames the plain ones (PostgreSQL: no rebuild on a large roster); SQLite and
# others drop the plain index and create it under its new name.

import dangjian.members.models
from django.db import migrations, models

TABLE = "members_member"
COLUMNS = (("name_initials", "members_initials_idx"), ("id_number_index", "members_id_number_idx"))


def _auto_name(schema_editor, column: str, suffix: str = "") -> str:
    return schema_editor._create_index_name(TABLE, [column], suffix=suffix)


def forwards(apps, schema_editor):
    q = schema_editor.quote_name
    for column, name in COLUMNS:
        old = _auto_name(schema_editor, column)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {q(_auto_name(schema_editor, column, '_like'))}")
            schema_editor.execute(f"ALTER INDEX IF EXISTS {q(old)} RENAME TO {q(name)}")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {q(old)}")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(TABLE)} ({q(column)})")


def backwards(apps, schema_editor):
    q = schema_editor.quote_name
    for column, name in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {q(name)}")
        schema_editor.execute(f"CREATE INDEX {q(_auto_name(schema_editor, column))} ON {q(TABLE)} ({q(column)})")
        if schema_editor.connection.vendor == "postgresql":
            like = _auto_name(schema_editor, column, "_like")
            schema_editor.execute(f"CREATE INDEX {q(like)} ON {q(TABLE)} ({q(column)} varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_import_created_runs_fewer_indexes"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="id_number_index",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AlterField(
                    model_name="member",
                    name="name_initials",
                    field=models.CharField(blank=True, max_length=64, verbose_name="姓名拼音首字母"),
                ),
                migrations.AddIndex(
                    model_name="member",
                    index=models.Index(fields=["name_initials"], name="members_initials_idx"),
                ),
                migrations.AddIndex(
                    model_name="member",
                    index=models.Index(fields=["id_number_index"], name="members_id_number_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
        migrations.AlterField(
            model_name="member",
            name="uid",
            field=models.UUIDField(default=dangjian.members.models.time_ordered_uuid, editable=False, unique=True),
        ),
    ]
