"""Pairing a waiting newcomer on a 360 px phone, in English and Arabic: from the group page to the
suggestions, propose, then start the pairing. Every screen passes axe."""
import datetime

import pytest

from peergroups.models import Pairing

from .. import factories
from .checks import check_page, sign_in


@pytest.fixture
def mentoring_world(live_app):
    with live_app.app_context():
        facilitator = factories.user(role="facilitator", email="fac@example.org", name="Farah")
        group = factories.group(name="Harbor Evening", leads=[facilitator])
        amal = factories.mentor(group, name="Amal", languages="ar,en", availability="mon-evening")
        factories.mentor(group, name="Ben", languages="en")
        noor = factories.member(group, name="Noor", locale="ar")
        meeting = factories.meeting(group, local_date=datetime.date.today() - datetime.timedelta(days=2))
        factories.present(meeting, noor)
        return {"group": group.id, "noor": noor.id, "amal": amal.id}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_facilitator_pairs_a_waiting_newcomer_on_a_phone(page, live_server, live_app, mentoring_world, lang):
    sign_in(page, live_server, "fac@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/groups/{mentoring_world['group']}?lang={lang}")
    check_page(page)
    page.click(f"a[href$='/newcomers/{mentoring_world['noor']}']")
    page.wait_for_url("**/newcomers/*")
    assert page.locator(".suggestions > li").count() == 1  # Ben speaks no Arabic
    check_page(page)
    page.click(".suggestions button.primary")
    page.wait_for_url("**/mentoring/pairings/*")
    check_page(page)
    page.check("#consent")
    page.click("form[action$='/activate'] button")
    page.wait_for_url("**/mentoring/pairings/*")
    assert page.locator("#check-in").is_visible()
    check_page(page)
    with live_app.app_context():
        pairing = Pairing.get(Pairing.newcomer == mentoring_world["noor"])
    assert (pairing.mentor_id, pairing.status, pairing.consent_to_share_contact) == (
        mentoring_world["amal"], "active", True)
