"""The roster's rows and choice lists are built in Python (members_tags.roster_rows, core.widgets): escaped,
masked, and the same cells as before."""

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
