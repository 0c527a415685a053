# Members: the plain index of every ID-number blind index gives way to one over exited records only. Each query
# by ID number states the status: current records are found through the partial unique index
# members_one_current_record_per_id, exited ones (the roster searched under 党籍状态「已出党」) through this one.
# A 200,000-row import writes one index of random 64-character keys fewer (docs/bench-import.md, session 5).
# RemoveIndex drops that index by its name only (not the partial unique one, see 0006).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_fewer_indexes_time_ordered_uid"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="member", name="members_id_number_idx"),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                condition=models.Q(status="exited"), fields=["id_number_index"], name="members_id_number_exited_idx"
            ),
        ),
    ]
