"""The crisis path and the incident form on a 360 px phone, in English and Arabic: from the
meeting screen one tap to the lines and the checklist, then "Record what happened" to a saved
incident; and an agreement read together from the roster and accepted. Every screen passes axe."""
import datetime

import pytest

from peergroups import consent, crisis
from peergroups.models import Consent, CrisisLine, Incident

from .. import factories
from .checks import PHONE, check_page, sign_in


@pytest.fixture
def safety_world(live_app):
    with live_app.app_context():
        facilitator = factories.user(role="facilitator", email="fac@example.org", name="Farah")
        group = factories.group(name="Harbor Evening", leads=[facilitator], languages="ar,en")
        member = factories.member(group, name="Noor", locale="ar")
        meeting = factories.meeting(group, local_date=datetime.date.today())
        CrisisLine.create(locale="", name="Lifeline", phone="988", hours="24/7")
        CrisisLine.create(locale="ar", name="خط المساندة", phone="+49 30 1234 567")
        crisis.add_step("", "Stay with the person", "")
        crisis.add_step("", "Call the on-call supervisor", "+1 312 555 0199")
        agreement = consent.create_agreement("Room", False, "en", {
            "en": ("What stays in the room", "What is said here stays here."),
            "ar": ("ما يبقى في الغرفة", "ما يُقال هنا يبقى هنا.")}, None)
        consent.set_expected(group.id, [agreement.id])
        return {"meeting": meeting.id, "member": member.id}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_crisis_path_and_an_incident_on_a_phone(page, live_server, live_app, safety_world, lang):
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/meetings/{safety_world['meeting']}?lang={lang}")
    check_page(page)
    page.click("a.help-now")
    page.wait_for_url("**/help")
    assert page.locator("a[href='tel:+13125550199']").is_visible()
    assert page.locator("text=خط المساندة").is_visible() and page.locator("text=Lifeline").is_visible()
    check_page(page)
    page.click("a[href$='/incidents/new']")
    page.wait_for_url("**/incidents/new")
    check_page(page)
    page.fill("#what_happened", "x" * 10)
    page.fill("#follow_up_on", "2020-01-01")
    page.click("main button[type=submit]")
    assert page.locator("#follow_up_on-error").is_visible()  # a date in the past: said, input kept
    assert page.input_value("#what_happened") == "x" * 10
    check_page(page)
    page.fill("#follow_up_on", "")
    page.select_option("#category", "conflict")
    page.fill("#members", "Noor")
    page.click("main button[type=submit]")
    page.wait_for_url("**/incidents/*")
    check_page(page)
    with live_app.app_context():
        assert Incident.get().members == "Noor"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_an_agreement_read_together_from_the_roster(page, live_server, live_app, safety_world, lang):
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/meetings/{safety_world['meeting']}?lang={lang}")
    page.click("a.agree-link")
    page.wait_for_url("**/agreements/members/**")
    assert page.locator("article.agreement[lang=ar]").is_visible()  # Noor's language
    check_page(page)
    page.click("form[action$='/accept'] button")
    page.wait_for_url(f"**/meetings/{safety_world['meeting']}")
    assert page.locator("a.agree-link").count() == 0
    check_page(page)
    with live_app.app_context():
        assert Consent.get().method == "screen"


@pytest.mark.parametrize("locale, direction", [("en", "ltr"), ("ar", "rtl"), ("fa", "rtl")])
@pytest.mark.parametrize("javascript", [True, False])
def test_a_member_accepts_on_their_own_phone(browser, live_server, live_app, safety_world, locale, direction,
                                             javascript):
    with live_app.app_context():
        from peergroups.models import Member

        Member.update(locale=locale).where(Member.id == safety_world["member"]).execute()
        agreement = consent.agreements()[0]
        token = consent.make_link(safety_world["member"], consent.current_version(agreement.id).id, None)
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/s/agree/{token}")
    assert page.get_attribute("html", "dir") == direction
    assert "Harbor" not in page.title()  # a plain title, no group name
    assert "Harbor" not in page.content()
    if javascript:
        check_page(page)  # axe needs JavaScript; the same page without it is checked below
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").is_visible()
    context.close()
    with live_app.app_context():
        row = Consent.get()
        assert (row.member_id, row.method) == (safety_world["member"], "phone")
