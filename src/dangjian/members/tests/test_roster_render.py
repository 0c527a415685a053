"""The roster's rows and choice lists are built in Python (members_tags.roster_rows, core.widgets): escaped,
masked, and the same cells as before."""

import pytest
from django.urls import reverse

from dangjian.members.models import Member


def test_rows_escape_values_and_mask_phones(client_as, people):
    Member.objects.filter(pk=people["zhang"].pk).update(name='张<script>x</script>"&')
    html = client_as("village_secretary").get(reverse("members:list")).content.decode()
    assert "<script>x</script>" not in html
    assert "张&lt;script&gt;x&lt;/script&gt;&quot;&amp;" in html
    assert f'href="/members/{people["zhang"].pk}/"' in html
    assert "1380000" not in html.split('id="roster"')[1]  # phones masked (full number never in the table)


def test_empty_roster_row_and_selected_options(client_as, people):
    html = (
        client_as("village_secretary").get(reverse("members:list"), {"q": "无此人", "sex": "female"}).content.decode()
    )
    assert "没有符合条件的人员。" in html
    assert '<option value="female" selected>女</option>' in html
    assert '<select name="stage" class="form-select" id="id_stage" multiple>' in html


def _total(client):
    import re

    html = client.get(reverse("members:list")).content.decode()
    return int(re.search(r'id="roster-count">共 (?:约 )?(\d+) 人', html)[1])


def test_kept_total_waits_for_others_changes_and_shows_own_at_once(client_as, personas, people, orgs):
    from django.core.cache import cache
    from django.test import override_settings

    from dangjian.members import actions, rules

    birth = people["zhang"].birth_date

    fields = {
        "sex": "female",
        "birth_date": people["zhang"].birth_date,
        "ethnicity": "汉族",
        "education": "bachelor",
        "stage": "full",
        "joined_on": people["zhang"].joined_on,
        "full_on": people["zhang"].full_on,
        "occupation": "farmer",
    }
    with override_settings(ROSTER_COUNT_CACHE_SECONDS=30):
        cache.clear()
        client = client_as("village_secretary")
        before = _total(client)
        actions.add_member(
            orgs["village"],
            actor=None,
            name="钱一",
            id_number=rules.synthetic_id_number("371302", birth, 91, "female"),
            **fields,
        )
        assert _total(client) == before  # somebody else's change: within the delay
        actions.add_member(
            orgs["village"],
            actor=personas["village_secretary"],
            name="钱二",
            id_number=rules.synthetic_id_number("371302", birth, 92, "female"),
            **fields,
        )
        assert _total(client) == before + 2  # the user's own change: at once


@pytest.mark.parametrize("name", ["sex", "education", "stage", "occupation", "exit_kind"])
def test_roster_labels_are_those_of_get_display(name):
    """The roster's cached choice labels (members_tags.display) give exactly what get_<name>_display gives:
    every choice, the empty value and an unknown stored value."""
    from dangjian.members.models import Member
    from dangjian.members.templatetags.members_tags import display

    field = Member._meta.get_field(name)
    for value in [v for v, _ in field.flatchoices] + ["", "no-such-choice"]:
        m = Member(**{name: value})
        assert display(m, name) == getattr(m, f"get_{name}_display")(), (name, value)
