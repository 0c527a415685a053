"""Create the built-in roles. Roles are data; no account is created by migrations (AC-02)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from dangjian.accounts.roles import sync_builtin_roles

    sync_builtin_roles(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
