"""The whole meeting on a 360 px phone, in English and Arabic, with and without JavaScript:
start, tap, search, undo, add a newcomer, close. Every screen passes axe."""
import pytest
from playwright.sync_api import expect

from peergroups.models import Attendance, Meeting

from .. import factories
from .checks import PHONE, check_page, sign_in


@pytest.fixture
def meeting_world(live_app):
    with live_app.app_context():
        facilitator = factories.user(role="facilitator", email="fac@example.org", name="Farah")
        group = factories.group(name="Harbor Evening", leads=[facilitator], weekday=None, start_time=None)
        for name in ("Maria", "Mariam", "Bao", "Oksana"):
            factories.member(group, name=name)
        return {"group": group.id}


def run_meeting(page, base, world, lang, js):
    # axe runs in the page's JavaScript: without JavaScript the same pages were checked by the
    # JavaScript run, which visits every one of them.
    check = check_page if js else (lambda page: None)
    sign_in(page, base, "fac@example.org", factories.PASSWORD)
    page.goto(f"{base}/groups/{world['group']}?lang={lang}")
    check(page)
    page.click("main form button.big, main form button.primary")
    page.wait_for_url("**/meetings/*")
    check(page)
    meeting_id = int(page.url.split("/meetings/")[1].split("?")[0].split("#")[0])

    page.click("#roster li:has-text('Maria') >> nth=0 >> button")
    page.locator("#roster li:has-text('Maria') >> nth=0 >> button[aria-pressed=true]").wait_for()
    assert "1" in page.inner_text("#present-count")

    page.fill("#q", "bao")
    if not js:
        page.click("form.search button")
    expect(page.locator("#roster li")).to_have_count(1)  # with htmx: filtered as you type
    page.click("#roster li:has-text('Bao') button")
    page.locator("#roster li:has-text('Bao') button[aria-pressed=true]").wait_for()
    page.click(".meeting-bar button")  # undo: Bao is not marked any more
    page.locator("#roster li:has-text('Bao') button[aria-pressed=false]").wait_for()
    check(page)

    if not js:
        page.goto(f"{base}/meetings/{meeting_id}")
    page.click("#newcomer summary")
    page.fill("#name", "Noor")
    page.click("#newcomer button[type=submit]")
    page.locator("#roster li:has-text('Noor') button[aria-pressed=true]").wait_for()
    assert "2" in page.inner_text("#present-count")
    check(page)

    page.click("summary:has-text('Close'), summary:has-text('إغلاق')")
    page.click("details[open] button.primary")
    page.wait_for_url(f"**/groups/{world['group']}")
    check(page)
    return meeting_id


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_meeting_flow_with_javascript(page, live_server, live_app, meeting_world, lang):
    meeting_id = run_meeting(page, live_server, meeting_world, lang, js=True)
    with live_app.app_context():
        assert Meeting.get_by_id(meeting_id).status == "closed"
        states = {a.member.name: a.state for a in Attendance.select().where(Attendance.meeting == meeting_id)}
    assert states == {"Maria": "present", "Noor": "present", "Mariam": "absent", "Bao": "absent", "Oksana": "absent"}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_meeting_flow_without_javascript(browser, live_server, live_app, meeting_world, lang):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    meeting_id = run_meeting(page, live_server, meeting_world, lang, js=False)
    context.close()
    with live_app.app_context():
        present = {a.member.name for a in Attendance.select().where(Attendance.meeting == meeting_id,
                                                                     Attendance.state == "present")}
    assert present == {"Maria", "Noor"}


def test_a_failed_tap_stays_visibly_unsaved(page, live_server, live_app, meeting_world):
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    with live_app.app_context():
        meeting = factories.meeting(factories.Group.get_by_id(meeting_world["group"]))
    page.goto(f"{live_server}/meetings/{meeting.id}")
    page.route("**/marks", lambda route: route.abort("internetdisconnected"))
    page.click("#roster li:has-text('Oksana') button")
    page.locator("#roster li:has-text('Oksana').is-unsaved").wait_for()
    assert page.locator("#roster li:has-text('Oksana') .unsaved-note").is_visible()
    assert page.get_attribute("#roster li:has-text('Oksana') button", "aria-pressed") == "false"
    page.unroute("**/marks")
    page.click("#roster li:has-text('Oksana') button")  # retry
    page.locator("#roster li:has-text('Oksana') button[aria-pressed=true]").wait_for()
    with live_app.app_context():
        assert Attendance.get(Attendance.meeting == meeting.id).state == "present"
