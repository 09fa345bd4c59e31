"""Mentoring: waiting newcomers, suggestions with reasons, match everyone, lifecycle, check-ins,
overdue pairings, every refused input, and who sees the sensitive fields."""
import datetime

import pytest

from peergroups.models import CheckIn, Member, MentorProfile, NewcomerPreference, Pairing

from . import factories
from .helpers import sign_in


@pytest.fixture
def world(app, login):
    """Group Harbor led by Farah: mentors Amal (Arabic and English, room for 1) and Ben (English,
    room for 2); newcomers Noor (Arabic) and Sam (English) came this week. Hill is another group."""
    with app.app_context():
        fac = factories.user(role="facilitator", name="Farah")
        group = factories.group(name="Harbor", leads=[fac])
        amal = factories.mentor(group, name="Amal", capacity=1, languages="ar,en", availability="mon-evening",
                                gender="woman", in_recovery_since=datetime.date(2018, 1, 1))
        ben = factories.mentor(group, name="Ben", capacity=2, languages="en")
        noor = factories.member(group, name="Noor", locale="ar")
        sam = factories.member(group, name="Sam")
        NewcomerPreference.create(member=noor, languages="ar", availability="mon-evening,tue-morning")
        meeting = factories.meeting(group, local_date=datetime.date.today() - datetime.timedelta(days=3))
        for member in (noor, sam, amal, ben):
            factories.present(meeting, member)
        other = factories.group(name="Hill")
        stranger = factories.mentor(other, name="Stranger", languages="ar,en", capacity=5)
    login(fac)
    return {"fac": fac, "group": group, "amal": amal, "ben": ben, "noor": noor, "sam": sam, "other": other,
            "stranger": stranger}


def body(response):
    return response.get_data(as_text=True)


def propose(client, world, newcomer, mentor, follow_redirects=False, **extra):
    return client.post(f"/mentoring/groups/{world['group'].id}/pairings", follow_redirects=follow_redirects,
                       data={"newcomer_id": world[newcomer].id, "mentor_id": world[mentor].id, **extra})


def open_pairings(app):
    with app.app_context():
        return {(p.newcomer.name, p.mentor.name, p.status) for p in Pairing.select()}


def test_waiting_newcomers_on_group_and_follow_up_pages(client, world):
    group = world["group"].id
    page = body(client.get(f"/groups/{group}"))
    assert "Who needs a mentor" in page and "Noor" in page and "Sam" in page
    assert f"/mentoring/groups/{group}/newcomers/{world['noor'].id}" in page
    follow_up = body(client.get(f"/groups/{group}/follow-up"))
    assert "<title>Follow-up</title>" in follow_up  # the lists sit in the page, not in its title
    assert "Who needs a mentor" in follow_up.split("<main")[1] and "Noor" in follow_up


def test_suggestions_are_ranked_with_translated_reasons(client, world):
    page = body(client.get(f"/mentoring/groups/{world['group'].id}/newcomers/{world['noor'].id}"))
    assert "Amal" in page and "Ben" not in page  # Ben speaks no Arabic: a hard constraint
    assert "Stranger" not in page  # mentors of groups Farah does not lead stay invisible
    for reason in ("Speaks العربية", "Same group", "1 free place", "Both available: Monday, Evening",
                   "Comes to 100% of meetings", "years on the path"):
        assert reason in page, reason
    spanish = body(client.get(f"/mentoring/groups/{world['group'].id}/newcomers/{world['noor'].id}?lang=es"))
    assert "Mismo grupo" in spanish
    anyone = body(client.get(f"/mentoring/groups/{world['group'].id}/newcomers/{world['noor'].id}?any_language=1&lang=en"))
    assert "Ben" in anyone and "No shared language" in anyone


def test_propose_then_activate_check_in_and_end(app, client, world):
    response = propose(client, world, "noor", "amal")
    assert response.status_code == 303 and "/mentoring/pairings/" in response.headers["Location"]
    with app.app_context():
        pairing = Pairing.get(Pairing.newcomer == world["noor"].id)
    assert pairing.status == "proposed" and pairing.created_by_id == world["fac"].id
    url = f"/mentoring/pairings/{pairing.id}"
    assert client.post(f"{url}/activate", data={"consent": "y"}).status_code == 303
    assert client.post(f"{url}/check-ins", data={"date": "2026-03-02", "kind": "called", "note": " Fine "}).status_code == 303
    page = body(client.get(url))
    assert "Active" in page and "Called" in page and "Fine" in page and "Both agreed to share them." in page
    assert client.post(f"{url}/end", data={"reason": "completed"}).status_code == 303
    with app.app_context():
        pairing = Pairing.get_by_id(pairing.id)
        check_in = CheckIn.get(CheckIn.pairing == pairing.id)
    assert (pairing.status, pairing.end_reason, pairing.consent_to_share_contact) == ("ended", "completed", True)
    assert pairing.activated_at and pairing.ended_at
    assert (check_in.kind, check_in.note, check_in.by_id) == ("called", "Fine", world["fac"].id)
    again = client.post(f"{url}/end", data={"reason": "moved"}, follow_redirects=True)
    assert "This pairing changed in the meantime" in body(again)


def test_rematch_frees_the_newcomer_for_another_mentor(app, client, world):
    propose(client, world, "sam", "ben")
    with app.app_context():
        pairing = Pairing.get(Pairing.newcomer == world["sam"].id)
    response = client.post(f"/mentoring/pairings/{pairing.id}/rematch")
    assert response.headers["Location"].endswith(f"/newcomers/{world['sam'].id}")
    assert propose(client, world, "sam", "amal").status_code == 303
    assert open_pairings(app) == {("Sam", "Ben", "rematched"), ("Sam", "Amal", "proposed")}


def test_invalid_forms_answer_422_and_keep_input(client, world, app):
    propose(client, world, "sam", "ben")
    with app.app_context():
        pairing = Pairing.get(Pairing.newcomer == world["sam"].id)
    client.post(f"/mentoring/pairings/{pairing.id}/activate")
    response = client.post(f"/mentoring/pairings/{pairing.id}/check-ins",
                           data={"date": "yesterday", "kind": "met", "note": "x" * 501})
    page = body(response)
    assert response.status_code == 422
    assert "Please enter a date like 2026-03-31." in page and "at most 500 characters" in page and "yesterday" in page
    response = client.post(f"/mentoring/pairings/{pairing.id}/end", data={"reason": "bored"})
    assert response.status_code == 422 and "Please choose one of the options." in body(response)
    profile = client.post(f"/mentoring/members/{world['ben'].id}/mentor",
                          data={"capacity": "99", "languages": ["en", "xx"], "gender": "man"})
    assert profile.status_code == 422 and "from 1 to 10" in body(profile) and 'value="man"' in body(profile)


@pytest.mark.parametrize("newcomer, mentor, message", [
    ("amal", "amal", "Nobody can be their own mentor."),
    ("sam", "noor", "This mentor is archived or no longer willing to mentor."),  # Noor has no profile
    ("noor", "ben", "They share no language."),
])
def test_refused_pairings_say_why_and_save_nothing(app, client, world, newcomer, mentor, message):
    response = propose(client, world, newcomer, mentor)
    assert response.status_code == 303
    assert message in body(client.get(response.headers["Location"]))
    assert open_pairings(app) == set()


def test_a_mentor_at_capacity_and_a_second_pairing_are_refused(app, client, world):
    assert propose(client, world, "noor", "amal").status_code == 303
    full = propose(client, world, "sam", "amal", follow_redirects=True)
    assert "This mentor has no free place." in body(full)
    second = propose(client, world, "noor", "ben", any_language="1", follow_redirects=True)
    assert "This newcomer already has a proposed or active pairing." in body(second)
    assert open_pairings(app) == {("Noor", "Amal", "proposed")}


def test_a_mentor_archived_mid_proposal_cannot_start(app, client, world):
    propose(client, world, "noor", "amal")
    with app.app_context():
        Member.update(archived=True).where(Member.id == world["amal"].id).execute()
        pairing = Pairing.get(Pairing.newcomer == world["noor"].id)
    response = client.post(f"/mentoring/pairings/{pairing.id}/activate", follow_redirects=True)
    assert "This mentor is archived" in body(response)
    assert open_pairings(app) == {("Noor", "Amal", "proposed")}


def test_pairing_across_groups_the_user_cannot_see_is_404(app, client, world):
    assert propose(client, world, "noor", "stranger").status_code == 404
    url = f"/mentoring/groups/{world['other'].id}/pairings"
    assert client.post(url, data={"newcomer_id": world["stranger"].id, "mentor_id": world["amal"].id}).status_code == 404
    assert client.get(f"/mentoring/groups/{world['group'].id}/newcomers/{world['stranger'].id}").status_code == 404
    assert open_pairings(app) == set()


def test_match_everyone_then_confirm_some(app, client, world):
    url = f"/mentoring/groups/{world['group'].id}/match"
    page = body(client.get(url))
    noor_amal = f'value="{world["noor"].id}-{world["amal"].id}"'
    sam_ben = f'value="{world["sam"].id}-{world["ben"].id}"'
    assert noor_amal in page and sam_ben in page and "Speaks" in page
    response = client.post(url, data={"pair": [f"{world['noor'].id}-{world['amal'].id}"]})
    assert response.status_code == 303
    assert "1 pairing proposed." in body(client.get(response.headers["Location"]))
    assert open_pairings(app) == {("Noor", "Amal", "proposed")}
    assert "Sam" in body(client.get(url))  # still waiting, proposed again


def test_match_confirm_is_all_or_nothing(app, client, world):
    url = f"/mentoring/groups/{world['group'].id}/match"
    pairs = [f"{world['noor'].id}-{world['amal'].id}", f"{world['sam'].id}-{world['amal'].id}"]  # Amal has room for 1
    response = client.post(url, data={"pair": pairs}, follow_redirects=True)
    assert "This mentor has no free place." in body(response) and "None of the pairings was saved." in body(response)
    assert open_pairings(app) == set()


def test_overdue_check_ins_show_in_follow_up(app, client, world):
    with app.app_context():
        old = factories.pairing(world["sam"], world["ben"], world["group"])
        Pairing.update(activated_at=datetime.datetime(2026, 1, 1)).where(Pairing.id == old.id).execute()
        fresh = factories.pairing(world["noor"], world["amal"], world["group"])
        CheckIn.create(pairing=fresh, date=datetime.date.today(), kind="met")
    page = body(client.get(f"/groups/{world['group'].id}/follow-up"))
    overdue = page.split("Check-in overdue")[1]
    assert "Sam with Ben" in overdue and "Noor with Amal" not in overdue
    with app.app_context():
        CheckIn.create(pairing=old, date=datetime.date.today(), kind="messaged")
    page = body(client.get(f"/groups/{world['group'].id}/follow-up"))
    assert "Sam with Ben" not in page.split("Check-in overdue")[1]


def test_mentor_page_shows_load_and_history(app, client, world):
    propose(client, world, "noor", "amal")
    page = body(client.get(f"/members/{world['amal'].id}"))
    assert "Mentor: 1 of 1 place taken" in page and "Noor with Amal" in page


def test_sensitive_fields_only_for_leaders_and_admins(app, client, world):
    url = f"/members/{world['amal'].id}"
    leader = body(client.get(url))
    assert "woman" in leader and "In recovery or in the group since" in leader
    with app.app_context():
        supervisor = factories.user(role="supervisor")
        other_fac = factories.user(role="facilitator")
    sign_in(client, supervisor)
    page = body(client.get(url))
    assert client.get(url).status_code == 200 and "woman" not in page and "In recovery" not in page
    assert client.get(f"/mentoring/groups/{world['group'].id}/newcomers/{world['noor'].id}").status_code == 404
    sign_in(client, other_fac)
    assert client.get(url).status_code == 404


def test_mentor_profile_and_wishes_are_saved(app, client, world):
    response = client.post(f"/mentoring/members/{world['sam'].id}/mentor", data={
        "willing": "y", "capacity": "3", "languages": ["en", "es"], "focus_areas": ["Twelve steps"],
        "availability": ["sat-morning"], "in_recovery_since": "2020-02-03", "gender": " man "})
    assert response.status_code == 303
    client.post(f"/mentoring/members/{world['noor'].id}/preferences",
                data={"languages": ["ar", "fr"], "preferred_gender": "woman"})
    with app.app_context():
        profile = MentorProfile.get(MentorProfile.member == world["sam"].id)
        wish = NewcomerPreference.get(NewcomerPreference.member == world["noor"].id)
    assert (profile.capacity, profile.languages, profile.focus_areas, profile.availability, profile.gender,
            profile.in_recovery_since) == (3, "en,es", "Twelve steps", "sat-morning", "man", datetime.date(2020, 2, 3))
    assert (wish.languages, wish.preferred_gender, wish.availability) == ("ar,fr", "woman", "")
    form = body(client.get(f"/mentoring/members/{world['sam'].id}/mentor"))
    assert 'value="sat-morning" checked' in form and 'value="es" checked' in form
    page = body(client.get(f"/mentoring/groups/{world['group'].id}/newcomers/{world['noor'].id}"))
    assert "Gender as the newcomer asked" in page  # Amal describes herself as a woman


def test_match_everyone_across_the_organization(app, client, world):
    """Admins match all groups at once; each pairing belongs to its newcomer's group."""
    from .helpers import sign_in

    with app.app_context():
        lina = factories.member(world["other"], name="Lina", locale="ar")
        factories.present(factories.meeting(world["other"], local_date=datetime.date.today() - datetime.timedelta(days=2)), lina)
        admin = factories.user(role="admin")
    assert client.get("/mentoring/match").status_code == 404  # facilitators: their groups only
    sign_in(client, admin)
    page = body(client.get("/mentoring/match"))
    assert "Lina" in page and "Noor" in page and "Sam" in page
    pairs = [f"{world['noor'].id}-{world['amal'].id}", f"{lina.id}-{world['stranger'].id}"]
    assert client.post("/mentoring/match", data={"pair": pairs}).status_code == 303
    with app.app_context():
        groups = {p.newcomer.name: p.group_id for p in Pairing.select()}
    assert groups == {"Noor": world["group"].id, "Lina": world["other"].id}
    stray = client.post("/mentoring/match", data={"pair": [f"{world['stranger'].id}-{world['ben'].id}"]})
    assert stray.status_code == 404  # Stranger is not waiting for a mentor
