"""Every page at 360x740 in English and Arabic: accessible, no sideways scroll, right direction."""
import pytest

from .. import factories
from .checks import check_page, sign_in


@pytest.mark.parametrize("lang, direction", [("en", "ltr"), ("ar", "rtl")])
def test_sign_in_and_home(page, live_server, live_app, lang, direction):
    with live_app.app_context():
        user = factories.user(role="admin", email="pat@example.org", name="Pat")
    page.goto(f"{live_server}/login?lang={lang}")
    assert page.get_attribute("html", "dir") == direction
    check_page(page)
    page.click("main button[type=submit]")  # empty form: errors shown, nothing lost
    assert page.locator(".error").count() == 2
    check_page(page)
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.wait_for_url(f"{live_server}/")
    assert page.get_attribute("html", "lang") == lang
    check_page(page)


def test_error_page(page, live_server):
    page.goto(f"{live_server}/nowhere?lang=fa")
    assert page.get_attribute("html", "dir") == "rtl"
    check_page(page)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_archiving_asks_first_on_a_phone(browser, live_server, live_app, lang, javascript):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    page = context.new_page()
    with live_app.app_context():
        user = factories.user(role="admin", email="sam@example.org", name="Sam")
        member = factories.member(factories.group(name="Harbor"), name="Maria")
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.goto(f"{live_server}/members/{member.id}?lang={lang}")
    page.click("main form[action$='/archive'] button")
    page.wait_for_url(f"{live_server}/members/{member.id}/archive")
    assert page.locator("main h1").count() == 1 and page.locator("input[name=confirmed]").count() == 1
    if javascript:  # axe is a script: with scripts off, page.evaluate never returns
        check_page(page)
    page.click("main a.button")  # no: back to the member, nothing archived
    page.wait_for_url(f"{live_server}/members/{member.id}?lang={lang}")
    page.click("main form[action$='/archive'] button")
    page.click("main form button.danger")  # yes
    page.wait_for_url(f"{live_server}/members/{member.id}")
    with live_app.app_context():
        from peergroups.models import Member

        assert Member.get_by_id(member.id).archived
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_admin_menu_is_compact_on_a_phone(page, live_server, live_app, lang):
    """Two rows at most: the daily pages, then everything else behind "More" (works without JS)."""
    with live_app.app_context():
        user = factories.user(role="admin", email="ada@example.org", name="Ada")
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.goto(f"{live_server}/?lang={lang}")
    header = page.locator("header.top").bounding_box()
    assert header["height"] <= 2 * 44 + 16, header
    assert not page.locator("header a[href='/staff/']").is_visible()
    page.click("header summary")
    page.click("header a[href='/staff/']")
    page.wait_for_url(f"{live_server}/staff/")
    check_page(page)
    page.click("header summary")
    check_page(page)  # the open menu, too


def test_a_closed_meetings_roster_does_not_look_tappable(page, live_server, live_app):
    with live_app.app_context():
        user = factories.user(role="facilitator", email="cy@example.org", name="Cy")
        group = factories.group(leads=[user])
        factories.member(group, name="Maria")
        closed, open_ = factories.meeting(group, status="closed"), factories.meeting(group)
    sign_in(page, live_server, user.email, factories.PASSWORD)
    styles = "(el) => [getComputedStyle(el).borderTopColor, getComputedStyle(el).backgroundColor]"
    page.goto(f"{live_server}/meetings/{open_.id}")
    button = page.locator("#roster .mark").first.evaluate(styles)
    page.goto(f"{live_server}/meetings/{closed.id}")
    record = page.locator("#roster .mark").first.evaluate(styles)
    assert record[0] == "rgba(0, 0, 0, 0)" and record != button
    check_page(page)
