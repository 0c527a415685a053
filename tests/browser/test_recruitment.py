"""One applicant taken to full membership in a real browser, with time travel (time-machine): the town
committee secretary (who both records the branch's steps and decides for the township committee) fills the
form of every step; the clock is moved forward between the phases of the 25 steps."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from dangjian.accounts.models import User
from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.members import actions as member_actions
from dangjian.members.models import Member
from dangjian.recruitment.models import RecruitmentCase

pytestmark = pytest.mark.browser

DOCS = {
    "apply": ["application_letter"],
    "talk": ["talk_record"],
    "political_review": ["review_material"],
    "training": ["training_certificate"],
    "fill_form": ["application_form"],
    "conversion_application": ["conversion_letter"],
}


def fill_date(page, name, value):
    field = page.locator(f"input[name={name}]")
    field.fill(value)
    page.locator("h2.page-title").click()  # close the flatpickr calendar, which would cover the buttons


def login(page, when):
    # Moving the clock ends the session (idle limit) and may expire the password (IA-03): sign in afresh.
    User.objects.filter(username="town_secretary").update(password_changed_at=when, must_change_password=False)
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "town_secretary")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".page-title")).to_have_text("工作台")


def step(page, case, event, on, **fields):
    page.goto(f"/recruitment/{case.pk}/")
    page.locator(f"#next-steps [data-event={event}]").click()
    fill_date(page, "on", on)
    for doc in DOCS.get(event, []):
        page.check(f"input[name=documents][value={doc}]")
    for name, value in fields.items():
        locator = page.locator(f"[name={name}]")
        if locator.evaluate("e => e.tagName") == "SELECT":
            locator.select_option(str(value))
        elif locator.get_attribute("type") == "checkbox":
            locator.check()
        else:
            locator.fill(str(value))
            page.locator("h2.page-title").click()
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/recruitment/{case.pk}/$"))


def decide(page, case, on):
    page.goto(f"/recruitment/{case.pk}/")
    page.locator("#decide").click()
    page.check("input[name=approve][value='1']")
    fill_date(page, "on", on)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/recruitment/queues/$"))


def test_applicant_to_full_member_with_time_travel(page, transactional_db, orgs, personas, people):
    zhang = people["zhang"]
    other = member_actions.add_member(
        orgs["village"],
        actor=None,
        name="刘志强",
        sex="male",
        birth_date=date(1975, 4, 2),
        stage="full",
        joined_on=date(2000, 7, 1),
        full_on=date(2001, 7, 1),
    )
    vote = {"due": 10, "present": 8, "written": 0, "in_favour": 7, "against": 1, "abstain": 0}
    with time_machine.travel(datetime(2026, 6, 15, 9, tzinfo=UTC), tick=True) as clock:
        login(page, datetime(2026, 6, 15, tzinfo=UTC))
        page.goto("/recruitment/new/")
        page.select_option("select[name=org]", str(orgs["village"].pk))
        page.fill("input[name=name]", "韩梅")
        page.select_option("select[name=sex]", "female")
        fill_date(page, "birth_date", "2001-04-05")
        fill_date(page, "on", "2026-06-01")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("#case-state")).to_have_text("入党申请人")
        case = RecruitmentCase.objects.get(member__name="韩梅")

        step(page, case, "talk", "2026-06-10")
        step(page, case, "confirm_activist", "2026-06-12", recommended_by="league")
        step(page, case, "file_activist", "2026-06-13")
        decide(page, case, "2026-06-14")
        step(page, case, "assign_mentors", "2026-06-15", person_1=zhang.pk)

        clock.move_to(datetime(2027, 11, 30, 9, tzinfo=UTC))
        login(page, datetime(2027, 11, 30, tzinfo=UTC))
        # A year of cultivation is enforced: one day short is refused with the rule id.
        page.goto(f"/recruitment/{case.pk}/step/propose_candidate/")
        fill_date(page, "on", "2027-06-11")
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".invalid-feedback")).to_contain_text("CANDIDATE_TOO_EARLY")
        step(page, case, "propose_candidate", "2027-06-20")
        decide(page, case, "2027-06-25")
        step(page, case, "publish_notice", "2027-06-28", notice_end="2027-07-02")
        step(page, case, "confirm_candidate", "2027-07-05")
        step(page, case, "assign_introducers", "2027-07-06", person_1=zhang.pk, person_2=other.pk)
        step(page, case, "political_review", "2027-08-20", passed="1")
        step(page, case, "training", "2027-08-25", days=3)

        step(page, case, "committee_review", "2027-09-05")
        step(page, case, "request_prereview", "2027-09-06")
        decide(page, case, "2027-09-15")
        step(page, case, "fill_form", "2027-09-20")
        step(page, case, "assembly", "2027-10-10", **vote)
        step(page, case, "upper_talk", "2027-10-20")
        decide(page, case, "2027-11-20")
        assert Member.objects.get(name="韩梅").stage == "probationary"
        step(page, case, "oath", "2027-11-28")

        clock.move_to(datetime(2028, 11, 20, 9, tzinfo=UTC))
        login(page, datetime(2028, 11, 20, tzinfo=UTC))
        step(page, case, "conversion_application", "2028-10-01")
        step(page, case, "conversion_meeting", "2028-10-12", outcome="convert", **vote)
        decide(page, case, "2028-11-01")
        page.goto(f"/recruitment/{case.pk}/")
        expect(page.locator("#case-state")).to_have_text("正式党员")

    member = Member.objects.get(name="韩梅")
    assert member.stage == "full"
    assert member.full_on == date(2028, 10, 10)  # probation end = assembly + 1 year
    assert member.joined_on == date(2027, 10, 10)
