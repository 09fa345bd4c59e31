"""Agreements and consent: versioned text per language, acceptances and withdrawals, the quiet
marker on the roster, and accepting on the member's own phone without JavaScript."""
import datetime
import re

import pytest

from peergroups import consent
from peergroups.models import AgreementVersion, Consent

from . import factories
from .routes import CONFIRMED

TEXTS = {"en": ("Taking part", "I take part of my own free will."),
         "ar": ("المشاركة", "أشارك بإرادتي الحرة."),
         "fa": ("شرکت", "من با میل خودم شرکت می‌کنم.")}


def new_agreement(shares_contact=False, texts=TEXTS, admin=None):
    return consent.create_agreement("Taking part", shares_contact, "en", texts, admin)


def form_for(texts, fallback="en", title="Taking part", **extra):
    data = {"title": title, "fallback": fallback, **extra}
    for code, (heading, body) in texts.items():
        data[f"title_{code}"], data[f"body_{code}"] = heading, body
    return data


@pytest.fixture
def setup(app, login):
    user = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[user], languages="en,ar")
        member = factories.member(group, name="Layla", locale="ar")
        meeting = factories.meeting(group)
        agreement = new_agreement()
        consent.set_expected(group.id, [agreement.id])
        return {"user": user, "group": group, "member": member, "meeting": meeting, "agreement": agreement}


def test_an_admin_writes_an_agreement_and_a_new_version_keeps_the_old(app, client, login):
    login("admin")
    assert client.post("/admin/agreements/", data=form_for(TEXTS)).status_code == 303
    with app.app_context():
        agreement = consent.agreements()[0]
        member = factories.member(factories.group(), name="Ana")
        consent.record(member.id, consent.current_version(agreement.id).id, "accepted", "paper",
                       datetime.date(2026, 3, 1), None)
    changed = form_for({**TEXTS, "en": ("Taking part", "I take part freely and may stop at any time.")})
    assert client.post(f"/admin/agreements/{agreement.id}", data=changed).status_code == 303
    with app.app_context():
        versions = consent.versions(agreement.id)
        assert [v.number for v in versions] == [2, 1]
        assert [v.acceptances for v in versions] == [0, 1]  # the old acceptance is kept, for version 1
        assert "I take part of my own free will." in versions[1].texts
        assert not consent.member_status(member.id)[0]["accepted"]  # asked again for version 2
    # Saving the same text again adds no version.
    assert client.post(f"/admin/agreements/{agreement.id}", data=changed).status_code == 303
    with app.app_context():
        assert AgreementVersion.select().count() == 2


@pytest.mark.parametrize("change", [
    {"body_en": ""},  # no text in the fallback language
    {"fallback": "fr"},  # a fallback with no text
    {"body_en": "x" * 100_000},
    {"fallback": "xx"},
])
def test_bad_agreements_answer_422_keeping_input_and_saving_nothing(app, client, login, change):
    login("admin")
    response = client.post("/admin/agreements/", data={**form_for(TEXTS), **change})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "أشارك بإرادتي الحرة." in body
    assert 'class="error"' in body
    with app.app_context():
        assert not consent.agreements(include_archived=True)


def test_the_fallback_text_is_shown_in_a_language_without_its_own(app):
    with app.app_context():
        version = consent.current_version(new_agreement().id)
        assert consent.text_in(version, "fa")[0] == "fa"
        assert consent.text_in(version, "vi")[:2] == ("en", "Taking part")


def test_the_roster_quietly_shows_who_has_not_accepted_and_never_blocks_a_mark(app, client, setup):
    url = f"/meetings/{setup['meeting'].id}"
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="agree-link"') == 1
    link = re.search(r'class="agree-link" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    # Marking present works while the agreement is not accepted.
    assert client.post(f"{url}/marks", data={"member_id": setup["member"].id, "state": "present"}).status_code == 303
    shown = client.get(link).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in shown and "أشارك بإرادتي الحرة." in shown  # in the member's language
    version = re.search(r'name="version" type="hidden" value="(\d+)"', shown).group(1)
    accepted = client.post(link.split("?")[0] + "/accept",
                           data={"method": "screen", "given_on": "2026-03-01", "version": version, "back": url})
    assert accepted.status_code == 303 and accepted.headers["Location"] == url
    assert 'class="agree-link"' not in client.get(url).get_data(as_text=True)
    with app.app_context():
        row = Consent.get()
        assert (row.action, row.method, row.given_on, row.recorded_by_id) == (
            "accepted", "screen", datetime.date(2026, 3, 1), setup["user"].id)


def test_an_acceptance_for_an_old_version_is_refused(app, client, setup):
    with app.app_context():
        old = consent.current_version(setup["agreement"].id).id
        consent.save_version(setup["agreement"].id, "Taking part", False, "en",
                             {"en": ("Taking part", "New words.")}, None)
    url = f"/agreements/members/{setup['member'].id}/{setup['agreement'].id}"
    response = client.post(url + "/accept", data={"method": "paper", "given_on": "2026-03-01", "version": old})
    assert response.status_code == 303
    assert "has a newer version" in client.get(url + "?lang=en").get_data(as_text=True)
    with app.app_context():
        assert Consent.select().count() == 0
        with pytest.raises(consent.Refused):
            consent.record(setup["member"].id, old, "accepted", "paper", datetime.date(2026, 3, 1), None)


def test_withdrawing_contact_sharing_hides_contact_details_from_the_pairing_at_once(app, client, setup):
    with app.app_context():
        sharing = consent.create_agreement("Contact", True, "en", {"en": ("Contact", "My mentor may call me.")}, None)
        mentor = factories.mentor(setup["group"], name="Amal")
        pairing = factories.pairing(setup["member"], mentor, setup["group"], consent_to_share_contact=True)
        consent.record(setup["member"].id, consent.current_version(sharing.id).id, "accepted", "spoken",
                       datetime.date(2026, 3, 1), None)
    page = f"/mentoring/pairings/{pairing.id}?lang=en"
    assert "Both agreed to share them." in client.get(page).get_data(as_text=True)
    url = f"/agreements/members/{setup['member'].id}/{sharing.id}/withdraw"
    assert client.post(url).status_code == 200  # asks first
    assert "Both agreed to share them." in client.get(page).get_data(as_text=True)
    assert client.post(url, data=CONFIRMED).status_code == 303
    assert "Not to be shared." in client.get(page).get_data(as_text=True)
    with app.app_context():
        assert [row.action for row in consent.history(setup["member"].id, sharing.id)] == ["withdrawn", "accepted"]
        assert consent.contact_withdrawn([setup["member"].id]) == {setup["member"].id}


def test_the_printable_agreement_has_the_alias_and_the_date(app, client, setup):
    url = f"/agreements/members/{setup['member'].id}/{setup['agreement'].id}/print?text=fa"
    page = client.get(url).get_data(as_text=True)
    assert "Layla" in page and "من با میل خودم شرکت می‌کنم." in page and 'dir="rtl"' in page


def _phone_link(app, client, setup):
    response = client.post(f"/agreements/members/{setup['member'].id}/{setup['agreement'].id}/link")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<svg" in page
    return re.search(r'value="http://localhost(/s/agree/[^"]+)"', page).group(1)


@pytest.mark.parametrize("locale, text, direction", [
    ("en", "I take part of my own free will.", "ltr"),
    ("ar", "أشارك بإرادتي الحرة.", "rtl"),
    ("fa", "من با میل خودم شرکت می‌کنم.", "rtl"),
])
def test_a_member_accepts_on_their_own_phone_without_javascript(app, client, setup, locale, text, direction):
    with app.app_context():
        from peergroups.models import Member
        Member.update(locale=locale).where(Member.id == setup["member"].id).execute()
    path = _phone_link(app, client, setup)
    phone = app.test_client()  # no staff session, no scripts: a plain form post
    page = phone.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and text in body and f'dir="{direction}"' in body
    assert "Leave quickly" not in body or locale == "en"  # the chrome is in the member's language too
    assert "Harbor" not in body and setup["group"].name not in body  # discreet: no group name
    token = re.search(r'name="csrf_token" value="([^"]+)"', body)
    done = phone.post(path, data={"csrf_token": token.group(1) if token else ""})
    assert done.status_code == 200
    with app.app_context():
        row = Consent.get()
        assert (row.method, row.recorded_by_id) == ("phone", setup["user"].id)
    assert phone.post(path).status_code == 410  # once only
    assert client.get(path).status_code == 403  # a staff browser is told it cannot accept for them


def test_two_phones_at_once_write_one_acceptance(app, setup):
    with app.app_context():
        version = consent.current_version(setup["agreement"].id).id
        first = consent.find_link(consent.make_link(setup["member"].id, version, None))
        second = consent.find_link(consent.make_link(setup["member"].id, version, None))
        consent.accept_by_link(first, datetime.date(2026, 3, 1))
        consent.accept_by_link(second, datetime.date(2026, 3, 1))
        with pytest.raises(consent.Refused):
            consent.accept_by_link(first, datetime.date(2026, 3, 1))
        assert Consent.select().count() == 1


def test_an_expired_link_says_so(app, setup):
    with app.app_context():
        version = consent.current_version(setup["agreement"].id).id
        token = consent.make_link(setup["member"].id, version, None,
                                  now=datetime.datetime(2020, 1, 1))
    response = app.test_client().get(f"/s/agree/{token}?lang=en")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_an_admin_chooses_the_agreements_a_group_expects(app, client, login):
    login("admin")
    with app.app_context():
        group = factories.group()
        agreement = new_agreement()
    assert client.post(f"/groups/{group.id}/agreements", data={"agreement": [str(agreement.id), "999", "x"]}).status_code == 303
    with app.app_context():
        assert consent.expected_ids(group.id) == {agreement.id}


def test_merging_two_records_keeps_the_acceptances(app, client, setup):
    with app.app_context():
        from peergroups import members

        old = factories.member(setup["group"], name="Layla B.")
        consent.record(old.id, consent.current_version(setup["agreement"].id).id, "accepted", "paper",
                       datetime.date(2026, 2, 1), None)
        assert setup["member"].id in consent.pending(setup["group"].id)
        members.merge(old, setup["member"])
        assert setup["member"].id not in consent.pending(setup["group"].id)
        assert [row.method for row in consent.history(setup["member"].id, setup["agreement"].id)] == ["paper"]


def test_two_phones_on_one_link_at_the_same_moment_write_one_acceptance(app, setup):
    """Two taps on the same link at once (two phones, or a double tap): the conditional update
    spends the link once; the other is refused and nothing is half-written."""
    import threading

    from peergroups.db import database

    with app.app_context():
        version = consent.current_version(setup["agreement"].id).id
        link = consent.find_link(consent.make_link(setup["member"].id, version, None))
    start, outcomes = threading.Barrier(2), []

    def tap():
        with app.app_context():
            start.wait()
            try:
                consent.accept_by_link(link, datetime.date(2026, 3, 1))
                outcomes.append("accepted")
            except consent.Refused as refused:
                outcomes.append(refused.code)
            finally:
                database.close()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "used"]
    with app.app_context():
        assert Consent.select().count() == 1
