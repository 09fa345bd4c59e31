"""A small organization with one user per role, two groups (only one led by the facilitator),
members and meetings: the fixture data for the access matrix and the page tests."""

import datetime
import json

from peergroups import devices
from peergroups.models import CrisisLine, Group, Member, Survey, SurveyLink, utcnow

from peergroups import consent, crisis, incidents

from . import factories

AGREEMENT = {"en": ("What stays in the room", "What is said here stays here."),
             "es": ("Lo que queda en la sala", "Lo que se dice aquí se queda aquí.")}


SCALE = ["Never", "Sometimes", "Often"]
SURVEY = {
    "format": "peergroups-survey", "version": 1, "name": "Monthly check", "fallback_language": "en",
    "languages": ["en", "es"], "scoring": "sum",
    "questions": [
        {"key": "q1", "kind": "scale", "subscale": "Calm", "options": {"en": SCALE},
         "text": {"en": "I felt calm this month."}},
        {"key": "q2", "kind": "text", "required": False, "text": {"en": "Tell us more"}},
    ],
}


def build_world():
    users = {role: factories.user(role=role) for role in ("admin", "facilitator", "supervisor")}
    invite, invite_token = factories.invite()
    _reset, reset_token = factories.invite(kind="reset", user=users["facilitator"], email=users["facilitator"].email)
    group_a = factories.group(name="Harbor Evening", leads=[users["facilitator"]], calendar_token="calendar-token-a")
    group_b = factories.group(name="Hillside Morning")
    member_a = factories.member(group_a, name="Maria")
    member_a2 = factories.member(group_a, name="Mariam")
    member_b = factories.member(group_b, name="Bao")
    meeting_a = factories.meeting(group_a)
    meeting_b = factories.meeting(group_b)
    # Mentoring: a mentor in each group, an active pairing in each, and a newcomer waiting in group_a.
    mentor_a = factories.mentor(group_a, name="Amal", gender="woman", in_recovery_since=datetime.date(2019, 5, 1))
    mentor_b = factories.mentor(group_b, name="Bich")
    newcomer_a = factories.member(group_a, name="Nadia")
    factories.present(meeting_a, newcomer_a)
    pairing_a = factories.pairing(member_a, mentor_a, group_a)
    pairing_b = factories.pairing(member_b, mentor_b, group_b)
    line = CrisisLine.create(locale="", name="Lifeline", phone="988")
    SurveyLink.create(group=group_a, meeting=meeting_a, token="surveyTokenA123", closes_at=utcnow() + datetime.timedelta(hours=48))
    # Enough responses for results with a chart, and one lone answer that must be hidden.
    for useful in (5, 5, 5, 5, 5, 4, 4, 4, 4, 1):
        factories.survey_response(meeting_a, useful, comment="The circle helped me" if useful == 1 else None)
    # An organization's own survey, run monthly by group_b.
    survey = Survey.create(definition=json.dumps(SURVEY))
    Group.update(periodic_survey=survey.id).where(Group.id == group_b.id).execute()
    # An agreement group_a expects, and a one-time link for member_a to accept it on their phone.
    agreement = consent.create_agreement("Confidentiality", False, "en", AGREEMENT, users["admin"].id)
    version = consent.current_version(agreement.id)
    consent.set_expected(group_a.id, [agreement.id])
    agreement_token = consent.make_link(member_a.id, version.id, users["facilitator"].id)
    # The crisis path: one escalation step; incidents: one the facilitator recorded, one by the admin
    # in the same group (a facilitator never sees another person's incident).
    step = crisis.add_step("", "Stay with the person", "112")
    incident_fields = {"group": group_a.id, "meeting": meeting_a.id, "occurred_at": utcnow(), "category": "safety",
                       "what_happened": "Raised voices after the meeting", "members": "Maria"}
    incident_a = incidents.create(incident_fields, users["facilitator"].id)
    incident_b = incidents.create(incident_fields, users["admin"].id)
    return {
        "step_id": step.id, "incident_a": incident_a.id, "incident_b": incident_b.id,
        "agreement_id": agreement.id, "agreement_version": version.id, "agreement_token": agreement_token,
        "survey_id": survey.id,
        "question_key": "q1",
        "users": users,
        "user_id": users["facilitator"].id,
        "invite_id": invite.id,
        "invite_token": invite_token,
        "reset_token": reset_token,
        "group_a": group_a.id, "group_b": group_b.id,
        "member_a": member_a.id, "member_a2": member_a2.id, "member_b": member_b.id,
        "meeting_a": meeting_a.id, "meeting_b": meeting_b.id,
        "calendar_token": "calendar-token-a",
        "mentor_a": mentor_a.id, "mentor_b": mentor_b.id, "newcomer_a": newcomer_a.id,
        "pairing_a": pairing_a.id, "pairing_b": pairing_b.id,
        "survey_token": "surveyTokenA123",
        "survey_asset": "app.css",
        "crisis_line": line.id,
        # the admin is signed in on a phone too (the account page lists it; only they sign it out)
        "admin_device": devices.start(users["admin"].id, "Firefox on Android")[0].id,
    }


def fixture_texts(world):
    """Strings that come from data, not from the catalogs (names typed by people)."""
    from flask import current_app

    from peergroups.models import Organization, SignedInDevice, User

    texts = {u.name for u in User.select()} | {u.email for u in User.select()}
    texts |= {g.name for g in Group.select()} | {m.name for m in Member.select()}
    texts.add(Organization.current().name)
    texts.add("The circle helped me")  # a survey comment
    texts |= {"Stay with the person", "Raised voices after the meeting", "2026-03", "—"}
    texts |= {"Confidentiality", *(text for pair in AGREEMENT.values() for text in pair)}  # an admin's agreement
    texts |= {d.browser for d in SignedInDevice.select()}  # browser families, from user agents
    texts |= {SURVEY["name"], "Calm", "I felt calm this month.", "Tell us more", *SCALE}  # an admin's survey
    texts |= set(current_app.config["MENTOR_FOCUS_AREAS"])  # the organization's own words
    return texts
