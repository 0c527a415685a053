"""Recruitment pages: board, start, case page with its 25 steps and next-step buttons, step forms (refusals
shown with the rule id), queues and decisions, overview filters, local options, the member page tab, to-dos."""

from datetime import date

from django.urls import reverse

from dangjian.recruitment.models import LocalOption, RecruitmentCase


def test_board_shows_the_case_with_its_next_step_and_light(client_as, applicant):
    response = client_as("village_secretary").get(reverse("recruitment:board"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "陈小军" in body
    assert "下一步：党组织派人谈话" in body
    assert "逾期" in body  # the talk was due on 2026-07-01; today is 2029-01-15


def test_start_a_new_applicant_through_the_page(client_as, orgs):
    client = client_as("village_secretary")
    assert client.get(reverse("recruitment:start")).status_code == 200
    response = client.post(
        reverse("recruitment:start"),
        {
            "org": orgs["village"].pk,
            "name": "周敏",
            "sex": "female",
            "birth_date": "2001-02-03",
            "on": "2029-01-10",
            "documents": ["application_letter"],
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    case = RecruitmentCase.objects.get(member__name="周敏")
    assert case.state == "applicant"


def test_under_18_applicant_is_refused_with_the_rule_id(client_as, orgs):
    response = client_as("village_secretary").post(
        reverse("recruitment:start"),
        {
            "org": orgs["village"].pk,
            "name": "小明",
            "sex": "male",
            "birth_date": "2012-02-03",
            "on": "2029-01-10",
            "documents": ["application_letter"],
        },
    )
    assert response.status_code == 400
    assert "AGE_UNDER_18" in response.content.decode()
    assert not RecruitmentCase.objects.exists()


def test_case_page_has_25_steps_and_buttons(client_as, applicant):
    body = client_as("village_secretary").get(reverse("recruitment:case", args=[applicant.pk])).content.decode()
    for n in (1, 13, 25):
        assert f'id="step-{n}"' in body
    assert reverse("recruitment:step", args=[applicant.pk, "talk"]) in body


def test_step_form_records_and_refuses(client_as, applicant):
    client = client_as("village_secretary")
    url = reverse("recruitment:step", args=[applicant.pk, "talk"])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"on": "2026-06-10", "version": applicant.version})
    assert refused.status_code == 400
    assert "谈话记录" in refused.content.decode()
    ok = client.post(url, {"on": "2026-06-10", "version": applicant.version, "documents": ["talk_record"]})
    assert ok.status_code == 302
    assert RecruitmentCase.objects.get(pk=applicant.pk).talk_date == date(2026, 6, 10)


def test_vote_form(client_as, applicant, drive):
    case = drive(applicant, "fill_form")
    url = reverse("recruitment:step", args=[case.pk, "assembly"])
    client = client_as("village_secretary")
    response = client.post(
        url,
        {
            "on": "2027-11-10",
            "version": case.version,
            "due": 10,
            "present": 5,
            "written": 0,
            "in_favour": 5,
            "against": 0,
            "abstain": 0,
        },
    )
    assert response.status_code == 400
    assert "DEV-15" in response.content.decode()


def test_introducer_form(client_as, applicant, drive, people, helper):
    case = drive(applicant, "confirm_candidate")
    url = reverse("recruitment:step", args=[case.pk, "assign_introducers"])
    client = client_as("village_secretary")
    assert "刘志强" in client.get(url).content.decode()
    response = client.post(
        url, {"on": "2027-08-24", "version": case.version, "person_1": people["zhang"].pk, "person_2": people["li"].pk}
    )
    assert response.status_code == 400
    assert "DEV-09" in response.content.decode()
    response = client.post(
        url, {"on": "2027-08-24", "version": case.version, "person_1": people["zhang"].pk, "person_2": helper.pk}
    )
    assert response.status_code == 302


def test_queue_and_decision(client_as, applicant, drive):
    case = drive(applicant, "file_activist")
    client = client_as("town_secretary")
    body = client.get(reverse("recruitment:queues")).content.decode()
    assert "陈小军" in body
    response = client.post(
        reverse("recruitment:decide", args=[case.pk]), {"approve": "0", "on": "2026-08-05", "version": case.version}
    )
    assert response.status_code == 400
    assert "DEV-RETURN" in response.content.decode()
    response = client.post(
        reverse("recruitment:decide", args=[case.pk]), {"approve": "1", "on": "2026-08-05", "version": case.version}
    )
    assert response.status_code == 302
    assert RecruitmentCase.objects.get(pk=case.pk).filed_date == date(2026, 8, 5)


def test_overview_filters_and_counts(client_as, applicant, drive):
    client = client_as("county_admin")
    body = client.get(reverse("recruitment:overview") + "?overdue=1").content.decode()
    assert "陈小军" in body
    assert 'id="counts"' in body
    body = client.get(reverse("recruitment:overview") + "?state=full").content.decode()
    assert "陈小军" not in body.split('id="cases"')[1].split("</table>")[0]
    body = client.get(reverse("recruitment:overview") + "?broken=1").content.decode()
    assert "没有符合条件的发展档案" in body


def test_options_page(client_as, orgs):
    client = client_as("county_admin")
    assert client.get(reverse("recruitment:options")).status_code == 200
    response = client.post(
        reverse("recruitment:options"),
        {"org": orgs["county"].pk, "code": "DEV-P1", "value": 6, "effective_from": "2026-01-01"},
    )
    assert response.status_code == 302
    assert LocalOption.objects.get().value == 6


def test_member_page_has_the_recruitment_tab(client_as, applicant):
    client = client_as("village_secretary")
    body = client.get(reverse("members:detail", args=[applicant.member_id])).content.decode()
    assert "发展信息" in body
    assert reverse("recruitment:member_tab", args=[applicant.member_id]) in body  # loaded when first shown
    tab = client.get(reverse("recruitment:member_tab", args=[applicant.member_id])).content.decode()
    assert "递交入党申请书" in tab


def test_todos_list_the_overdue_talk_and_the_queue(client_as, applicant, drive):
    body = client_as("village_secretary").get(reverse("todos")).content.decode()
    assert "陈小军：派人谈话" in body
    drive(applicant, "file_activist")
    body = client_as("town_secretary").get(reverse("todos")).content.decode()
    assert "待上级党委备案" in body


def test_overview_shows_the_year_quota_of_the_org(client_as, orgs):
    client = client_as("county_admin")
    response = client.post(
        reverse("recruitment:options"),
        {"org": orgs["town"].pk, "code": "DEV-P8", "value": 120, "effective_from": "2029-01-01"},
    )
    assert response.status_code == 302
    body = client.get(reverse("recruitment:overview") + f"?org={orgs['town'].pk}").content.decode()
    assert 'data-state="under"' in body
    assert "<td>120</td>" in body
    assert "未完成指标" in body


def test_county_sets_and_changes_a_quota_versioned_and_audited(client_as, orgs, applicant, drive):
    from dangjian.core.models import AuditEvent
    from dangjian.recruitment.models import LocalOption

    drive(applicant, "approval")  # one 预备党员 approved in 2028
    client = client_as("county_admin")
    url = reverse("recruitment:quota")
    body = {"org": orgs["town"].pk, "year": 2028, "quota": 1, "note": "县委组织部2028年计划"}
    assert client.post(url, body).status_code == 302
    option = LocalOption.objects.get(code="DEV-P8", org=orgs["town"])
    assert option.effective_from == date(2028, 1, 1)
    page = client.get(url + "?year=2028").content.decode()
    assert 'data-state="met"' in page
    edit = client.get(url + f"?year=2028&org={orgs['town'].pk}").content.decode()
    assert 'name="version" value="1"' in edit
    response = client.post(url, {**body, "quota": 0, "version": 1})
    assert response.status_code == 302
    assert 'data-state="over"' in client.get(url + "?year=2028").content.decode()
    stale = client.post(url, {**body, "quota": 5, "version": 1})
    assert stale.status_code == 400
    assert "已被他人修改" in stale.content.decode()
    option.refresh_from_db()
    assert (option.value, option.version) == (0, 2)
    assert AuditEvent.objects.filter(action="recruitment.quota").count() == 2


def test_a_branch_secretary_cannot_set_a_quota(client_as, orgs):
    from dangjian.recruitment.models import LocalOption

    response = client_as("village_secretary").post(
        reverse("recruitment:quota"), {"org": orgs["village"].pk, "year": 2029, "quota": 3}
    )
    assert response.status_code == 403
    assert not LocalOption.objects.exists()


def test_start_a_case_for_a_roster_person(client_as, orgs):
    from dangjian.members import actions as member_actions

    person = member_actions.add_member(
        orgs["village"], actor=None, name="钱进", sex="male", birth_date=date(1999, 9, 9), stage="activist"
    )
    client = client_as("village_secretary")
    tab = client.get(reverse("recruitment:member_tab", args=[person.pk])).content.decode()
    assert f"{reverse('recruitment:start')}?member={person.pk}" in tab
    response = client.post(
        reverse("recruitment:start"), {"member": person.pk, "on": "2029-01-02", "documents": ["application_letter"]}
    )
    assert response.status_code == 302
    assert RecruitmentCase.objects.get(member=person).state == "applicant"
    again = client.post(
        reverse("recruitment:start"), {"member": person.pk, "on": "2029-01-02", "documents": ["application_letter"]}
    )
    assert again.status_code == 400


def test_notice_form_says_working_days_are_provisional_without_a_calendar(client_as, applicant, drive, settings):
    case = drive(applicant, "consent")
    client = client_as("village_secretary")
    url = reverse("recruitment:step", args=[case.pk, "publish_notice"])
    assert 'id="calendar-provisional"' in client.get(url).content.decode()
    settings.RECRUITMENT_HOLIDAYS = ["2027-10-01"]
    assert 'id="calendar-provisional"' not in client.get(url).content.decode()


def test_case_page_lists_the_archive_scans_of_the_dossier(client_as, applicant, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.members import records

    settings.MEDIA_ROOT = str(tmp_path)
    scan = SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    records.attach_document(applicant.member, scan, actor=None, kind="入党申请书", title="陈小军入党申请书")
    body = client_as("village_secretary").get(reverse("recruitment:case", args=[applicant.pk])).content.decode()
    assert 'id="archive"' in body
    assert "入党申请书：陈小军入党申请书" in body


def test_overview_and_api_filter_by_the_rule_broken(client_as, applicant, personas):
    from dangjian.accounts import actions as account_actions
    from dangjian.recruitment import actions
    from dangjian.recruitment.tests.conftest import DOCS

    actions.record_step(applicant, "talk", actor=personas["village_secretary"], on=date(2026, 7, 15), documents=DOCS)
    client = client_as("county_admin")

    def listed(rule):
        body = client.get(reverse("recruitment:overview") + f"?rule={rule}").content.decode()
        return "陈小军" in body.split('id="cases"')[1].split("</table>")[0]

    assert listed("TALK_LATE")
    assert not listed("CANDIDATE_TOO_EARLY")
    from rest_framework.test import APIClient

    _token, raw = account_actions.issue_token(personas["county_admin"], name="t", actor=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/recruitment-cases/?rule=TALK_LATE").json()["count"] == 1
    assert api.get("/api/v1/recruitment-cases/?rule=OATH_LATE").json()["count"] == 0
