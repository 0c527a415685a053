"""One link between a login account and its roster member: orglife.MemberAccount. Links made through the dues
app's own table are copied there (where the account or the member is not linked yet), then the table goes."""

from django.db import migrations


def copy_links(apps, schema_editor):
    AccountLink = apps.get_model("dues", "AccountLink")
    MemberAccount = apps.get_model("orglife", "MemberAccount")
    for link in AccountLink.objects.all():
        taken = MemberAccount.objects.filter(user_id=link.user_id) | MemberAccount.objects.filter(
            member_id=link.member_id
        )
        if not taken.exists():
            MemberAccount.objects.create(user_id=link.user_id, member_id=link.member_id)


class Migration(migrations.Migration):
    dependencies = [
        ("dues", "0002_hardship_ledger_link"),
        ("orglife", "0002_review_calendar_signin"),
    ]

    operations = [
        migrations.RunPython(copy_links, migrations.RunPython.noop),
        migrations.DeleteModel(name="AccountLink"),
    ]
