"""The meeting's day on a 360 px phone, in English and Arabic, with and without JavaScript: starting
another day asks first and closing before the start records no absence; a newcomer's error opens in
view and focused; one tap adds a name search did not find; undo says what it undid and the pinned
bar never covers the row; two phones on one meeting see one truth."""
import datetime

import pytest
from playwright.sync_api import expect

from peergroups.models import Attendance, Meeting, Member, utcnow

from .. import factories
from .checks import PHONE, check_page, sign_in

PEOPLE = ["Maria", "Bao", "Oksana"] + [f"Person {n:02d}" for n in range(14)]  # longer than a screen


@pytest.fixture
def day_world(live_app):
    with live_app.app_context():
        fac = factories.user(role="facilitator", email="fac@example.org", name="Farah")
        co = factories.user(role="facilitator", email="co@example.org", name="Chen")
        group = factories.group(name="Harbor Evening", leads=[fac], co_leads=[co], timezone="UTC",
                                weekday=(utcnow().weekday() + 2) % 7, start_time=datetime.time(12, 0))
        for name in PEOPLE:
            factories.member(group, name=name)
        meeting = factories.meeting(group)  # today's, open (an ad hoc meeting that started at 00:30)
        return {"group": group.id, "meeting": meeting.id}


def phone(browser, js):
    context = browser.new_context(java_script_enabled=js, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def checker(js):
    # axe runs in the page's JavaScript: it cannot run with JavaScript off (the same pages are
    # checked by the run with JavaScript).
    return check_page if js else (lambda page: None)


@pytest.mark.parametrize("js", [True, False])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_starting_early_asks_and_closing_before_the_start_records_no_absence(browser, live_server, live_app,
                                                                            day_world, lang, js):
    with live_app.app_context():
        Meeting.delete().execute()  # no meeting in progress: the group page offers Start
    context, page = phone(browser, js)
    check = checker(js)
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/groups/{day_world['group']}?lang={lang}")
    check(page)
    start = page.locator("section[aria-labelledby=start-heading]")
    assert start.locator("button.primary").count() == 0  # not the meeting's day: no main Start button
    start.locator("form:has(input[name=starts_at]) button").click()
    page.wait_for_url("**/groups/*/meetings")  # asked first, on a page of its own
    check(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/meetings/*")
    check(page)
    closing = page.locator("details:has(form[action$='/close'])")
    closing.locator("summary").click()
    assert closing.locator("p").first.is_visible()  # says that closing now records no absence
    closing.locator("button").click()
    page.wait_for_url(f"**/groups/{day_world['group']}")
    check(page)
    context.close()
    with live_app.app_context():
        meeting = Meeting.get(Meeting.group == day_world["group"])
        assert meeting.status == "closed" and meeting.local_date > utcnow().date()
        assert not Attendance.select().where(Attendance.meeting == meeting.id).exists()


@pytest.mark.parametrize("js", [True, False])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_newcomer_error_in_view_and_one_tap_add(browser, live_server, live_app, day_world, lang, js):
    context, page = phone(browser, js)
    check = checker(js)
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/meetings/{day_world['meeting']}?lang={lang}")
    page.click("#newcomer summary")
    page.fill("#name", "   ")
    page.select_option("#locale", "so")
    page.click("#newcomer button[type=submit]")
    error = page.locator("#name-error")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(page.locator("#name:focus")).to_have_count(1)  # (to_be_focused needs the page's JavaScript)
    expect(page.locator("#locale")).to_have_value("so")  # nothing chosen is lost
    check(page)
    page.fill("#name", "maria")  # someone in the group has this name
    page.click("#newcomer button[type=submit]")
    expect(error).to_be_in_viewport()
    expect(page.locator("#name")).to_have_value("maria")
    expect(page.locator("#name:focus")).to_have_count(1)  # (to_be_focused needs the page's JavaScript)

    page.fill("#q", "Zainab")
    if not js:
        page.click("form.search button")
    page.click(".add-searched button")  # search found nobody: one tap adds the name
    page.locator("#roster li:has-text('Zainab') button[aria-pressed=true]").wait_for()
    expect(page.locator("#roster li:has-text('Zainab')")).to_be_in_viewport()
    check(page)
    context.close()
    with live_app.app_context():
        zainab = Member.get(Member.name == "Zainab")
        assert Attendance.get(Attendance.member == zainab.id).state == "present"
        assert not Member.select().where(Member.name.in_(["maria", ""])).exists()


def below_the_bar(page, row):
    bar, box = page.locator(".meeting-bar").bounding_box(), row.bounding_box()
    return box["y"] >= bar["y"] + bar["height"] - 1


@pytest.mark.parametrize("js", [True, False])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_undo_says_what_it_undid_and_the_bar_never_covers_the_row(browser, live_server, day_world, lang, js):
    context, page = phone(browser, js)
    check = checker(js)
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/meetings/{day_world['meeting']}?lang={lang}")
    last = page.locator("#roster li:has-text('Person 13')")
    last.locator("button").click()
    last.locator("button[aria-pressed=true]").wait_for()
    assert below_the_bar(page, last)
    page.locator("#roster li:has-text('Person 12')").scroll_into_view_if_needed()
    page.mouse.wheel(0, -2000)  # scrolled away to the top of the roster
    page.click(".meeting-bar button")  # undo, from the pinned bar
    last.locator("button[aria-pressed=false]").wait_for()
    expect(page.locator("#meeting-message")).to_contain_text("Person 13")
    expect(page.locator("#meeting-message")).to_be_in_viewport()
    expect(last).to_be_in_viewport()
    assert below_the_bar(page, last)
    check(page)
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_two_phones_on_one_meeting_see_one_truth(browser, live_server, day_world, lang):
    phones = []
    for email in ("fac@example.org", "co@example.org"):
        context, page = phone(browser, True)
        sign_in(page, live_server, email, factories.PASSWORD)
        page.goto(f"{live_server}/meetings/{day_world['meeting']}?lang={lang}")
        phones.append((context, page))
    (_, farah), (_, chen) = phones
    farah.click("#roster li:has-text('Maria') button")
    farah.locator("#roster li:has-text('Maria') button[aria-pressed=true]").wait_for()
    chen.click("#roster li:has-text('Bao') button")
    chen.locator("#roster li:has-text('Bao') button[aria-pressed=true]").wait_for()
    for page in (farah, chen):  # each sees the other's tap within a poll or two, and the same count
        for name in ("Maria", "Bao"):
            expect(page.locator(f"#roster li:has-text('{name}') button")).to_have_attribute(
                "aria-pressed", "true", timeout=12_000)
        expect(page.locator("#present-count")).to_contain_text("2", timeout=12_000)
    check_page(chen)
    for context, _page in phones:
        context.close()


@pytest.mark.parametrize("js", [True, False])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_cancelled_then_restored_is_coming_up_again(browser, live_server, live_app, day_world, lang, js):
    context, page = phone(browser, js)
    check = checker(js)
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/groups/{day_world['group']}?lang={lang}")
    page.locator("li form:has(input[name=cancel]) button").first.click()
    page.click("main form button[type=submit]")  # yes, cancel it
    page.wait_for_url(f"**/groups/{day_world['group']}")
    page.locator("main a:has(+ .badge)").first.click()  # the cancelled meeting (the latest), with its badge
    page.wait_for_url("**/meetings/*")
    check(page)
    page.click("form[action$='/reopen'] button")  # restore
    page.wait_for_url(f"**/groups/{day_world['group']}")
    check(page)
    # Back on the schedule, and Continue still leads to today's meeting, not the restored one.
    assert page.locator("li form:has(input[name=cancel])").count() == 4
    page.click("section[aria-labelledby=start-heading] a.button")
    page.wait_for_url(f"**/meetings/{day_world['meeting']}")
    context.close()
    with live_app.app_context():
        assert [m.id for m in Meeting.select().where(Meeting.group == day_world["group"])] == [day_world["meeting"]]


@pytest.mark.parametrize("js", [True, False])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_feedback_presentation_mode(browser, live_server, live_app, day_world, lang, js):
    from peergroups import surveys
    with live_app.app_context():
        link = surveys.open_link(Meeting.get_by_id(day_world["meeting"]), 48)
    context, page = phone(browser, js)
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/meetings/{day_world['meeting']}/feedback?lang={lang}")
    page.click("a[href$='/feedback/present']")
    page.wait_for_url("**/feedback/present")
    assert page.locator("nav, header").count() == 0
    qr = page.locator(".qr-present svg").bounding_box()
    assert qr["width"] >= PHONE["width"] - 48  # as wide as the phone allows (inside the page margins)
    code = f"{link.short_code[:4]}-{link.short_code[4:]}"
    expect(page.locator(".present-code code")).to_contain_text(code)
    expect(page.locator(".present-code")).to_be_in_viewport()
    checker(js)(page)
    context.close()
    # The code as someone types it, on another phone, opens the survey.
    member_phone, typed = phone(browser, js)
    typed.goto(f"{live_server}/s/{code.lower()}")
    typed.wait_for_url(f"**/s/{link.token}")
    member_phone.close()
