"""Small helpers that create rows for tests, with believable defaults."""
import datetime
import itertools
import secrets

from datetime import timedelta

from peergroups.accounts import hash_password, new_token
from peergroups.models import (
    Attendance, Group, GroupFacilitator, GroupMember, Invite, Meeting, Member, MentorProfile, Organization, Pairing,
    SurveyAnswer, SurveyLink, SurveyResponse, User, utcnow,
)

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def organization(**fields):
    existing = Organization.current()
    if existing:
        return existing
    return Organization.create(**{"name": "Test Peer Support", "default_locale": "en", **fields})


def user(role="admin", password=PASSWORD, **fields):
    n = next(_counter)
    values = {"email": f"{role}{n}@example.org", "name": f"{role.title()} {n}", "role": role, **fields}
    return User.create(password_hash=hash_password(password), **values)


def invite(kind="invite", email=None, role="facilitator", user=None, hours=24, created_by=None):
    """An invite or reset link, made by an active admin (the first one, unless given); returns
    (invite, token)."""
    token, digest = new_token()
    maker = created_by or User.select().where(User.role == "admin", User.active).order_by(User.id).first()
    row = Invite.create(kind=kind, token_hash=digest, email=email or f"new{next(_counter)}@example.org",
                        role=role if kind == "invite" else None, user=user, created_by=maker,
                        expires_at=utcnow() + timedelta(hours=hours))
    return row, token


def group(name=None, leads=(), co_leads=(), **fields):
    values = {"name": name or f"Group {next(_counter)}", "languages": "en,es", "weekday": 1,
              "start_time": datetime.time(18, 30), "timezone": "America/Chicago",
              "starts_on": datetime.date(2026, 1, 1), "topics": "Gratitude\nBoundaries\nHope", **fields}
    row = Group.create(**values)
    for user in leads:
        GroupFacilitator.create(group=row, user=user, lead=True)
    for user in co_leads:
        GroupFacilitator.create(group=row, user=user, lead=False)
    return row


def member(group_row=None, name=None, joined_on=datetime.date(2026, 1, 1), **fields):
    row = Member.create(name=name or f"Member {next(_counter)}", joined_on=joined_on, **fields)
    if group_row is not None:
        GroupMember.create(group=group_row, member=row, joined_on=joined_on)
    return row


def meeting(group_row, local_date=None, status="open", **fields):
    local_date = local_date or datetime.date.today()
    # Midnight UTC of its day: a meeting of today has always started (at 00:30 it had not, in the
    # first half hour of the day, and met the default group's 18:30 Chicago meeting of that night).
    fields.setdefault("starts_at", datetime.datetime.combine(local_date, datetime.time(0, 0)))
    return Meeting.create(group=group_row, local_date=local_date, status=status, **fields)


def mentor(group_row=None, name=None, capacity=2, languages="en", **fields):
    """A member with a willing mentor profile."""
    row = member(group_row, name=name)
    MentorProfile.create(member=row, capacity=capacity, languages=languages, **fields)
    return row


def present(meeting_row, member_row):
    return Attendance.create(meeting=meeting_row, member=member_row, state="present")


def pairing(newcomer, mentor_row, group_row, status="active", **fields):
    activated = utcnow() if status == "active" else None
    return Pairing.create(newcomer=newcomer, mentor=mentor_row, group=group_row, status=status,
                          activated_at=activated, **fields)


def survey_response(meeting_row, useful, comment=None, others=3):
    """One stored survey response: `useful` for the first question, `others` for the rest."""
    link = SurveyLink.get_or_none(SurveyLink.meeting == meeting_row) or SurveyLink.create(
        group=meeting_row.group_id, meeting=meeting_row, token=secrets.token_urlsafe(9), closes_at=utcnow())
    response = SurveyResponse.create(id=secrets.token_urlsafe(16), link=link, counts_for=meeting_row.local_date)
    for question, value in (("useful", useful), ("respected", others), ("belong", others), ("hopeful", others)):
        SurveyAnswer.create(response=response, question=question, value=value)
    if comment:
        SurveyAnswer.create(response=response, question="comment", text=comment)
