"""Anonymous survey links (a meeting's, or a group's for one period such as a month) and storing a
response so that nothing in it points at a person or a moment (product.md, "Privacy rules")."""
import datetime
import re
import secrets
from zoneinfo import ZoneInfo

from .db import lock_row, write_transaction
from .models import Attendance, Group, GroupMember, Survey, SurveyAnswer, SurveyLink, SurveyResponse, utcnow
from .questionnaire import AFTER_MEETING

TOKEN_BYTES = 9  # 72 random bits in 12 URL-safe characters: short enough to type
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
MIN_CAP = 10  # attendance is often marked late or not at all: never cap a meeting below this


def questionnaire(survey_id):
    """The definition a link or a group uses: an organization's survey, or (None) our own."""
    return AFTER_MEETING if survey_id is None else Survey.get_by_id(survey_id).questionnaire()


def current_link(meeting_id, now=None):
    """The meeting's open link, or None."""
    return (SurveyLink.select().where(SurveyLink.meeting == meeting_id, SurveyLink.closes_at > (now or utcnow()))
            .order_by(SurveyLink.closes_at.desc()).first())


def _new_link(closes_at, **fields):
    return SurveyLink.create(token=secrets.token_urlsafe(TOKEN_BYTES), closes_at=closes_at, **fields)


def open_link(meeting, hours, now=None):
    """The meeting's open link, made now (open for `hours`) when there is none; None when the group
    runs no survey after meetings."""
    group = Group.get_by_id(meeting.group_id)
    if not group.surveys_after_meetings:
        return None
    now = now or utcnow()
    with write_transaction():
        link = current_link(meeting.id, now)
        if link is None:
            link = _new_link(now + datetime.timedelta(hours=hours), group=group.id, meeting=meeting.id,
                             survey=group.meeting_survey_id)
    return link


def period_of(group, now=None):
    """(first day, first day of the next) of the group's current month or quarter, in its time zone."""
    today = (now or utcnow()).replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(group.timezone)).date()
    months = 3 if group.survey_period == "quarter" else 1
    start = today.replace(day=1, month=today.month - (today.month - 1) % months)
    after = start.month - 1 + months
    return start, start.replace(year=start.year + after // 12, month=after % 12 + 1)


def periodic_link(group, now=None, create=True):
    """The group's link for the current period, made when first asked for (unless create is False);
    None when there is none. It closes when the period ends (midnight in the group's time zone)."""
    if group.periodic_survey_id is None:
        return None
    start, end = period_of(group, now)
    closes_at = (datetime.datetime.combine(end, datetime.time(), ZoneInfo(group.timezone))
                 .astimezone(datetime.UTC).replace(tzinfo=None))
    with write_transaction():
        link = (SurveyLink.select().where(SurveyLink.group == group.id, SurveyLink.period == start,
                                          SurveyLink.survey == group.periodic_survey_id).first())
        if link is None and create:
            link = _new_link(closes_at, group=group.id, survey=group.periodic_survey_id, period=start)
    return link


def close_link(link, now=None):
    SurveyLink.update(closes_at=now or utcnow()).where(SurveyLink.id == link.id).execute()


def find_link(token):
    """The link for a token as typed or scanned; anything malformed is simply not found."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return SurveyLink.get_or_none(SurveyLink.token == token)


def is_open(link, now=None):
    return link.closes_at > (now or utcnow())


def response_cap(link, margin):
    """A meeting's: present attendees (at least MIN_CAP) plus a margin, counted now, since marks change
    during a meeting. A period's: the group's active members plus the margin."""
    if link.meeting_id is None:
        members = GroupMember.select().where(GroupMember.group == link.group_id, GroupMember.active).count()
        return members + margin
    present = Attendance.select().where(Attendance.meeting == link.meeting_id, Attendance.state == "present").count()
    return max(present, MIN_CAP) + margin


def store_response(link, answers, margin):
    """Store one response ({question key: number or text}, unanswered left out) in one transaction;
    False when the link already has all it may take.

    Only the answers, the link and the date it counts for are written: no time, no visitor data."""
    with write_transaction():
        lock_row(SurveyLink, link.id)  # two answers at the same instant cannot both pass the cap
        if SurveyResponse.select().where(SurveyResponse.link == link.id).count() >= response_cap(link, margin):
            return False
        counts_for = link.period or link.meeting.local_date
        response = SurveyResponse.create(id=secrets.token_urlsafe(16), link=link.id, counts_for=counts_for)
        # insert_many takes its columns from the first row: every row names both value and text.
        rows = [dict(response=response.id, question=key, value=None if isinstance(answer, str) else answer,
                     text=answer if isinstance(answer, str) else None) for key, answer in answers.items()]
        if rows:
            SurveyAnswer.insert_many(rows).execute()
    return True
