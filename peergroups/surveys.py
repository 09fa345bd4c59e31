"""Anonymous surveys: the built-in "after the meeting" questions, survey links, and storing a
response so that nothing in it points at a person or a moment (product.md, "Privacy rules")."""
import datetime
import re
import secrets

from flask_babel import lazy_gettext as _l

from .db import lock_row, write_transaction
from .models import Attendance, SurveyAnswer, SurveyLink, SurveyResponse, utcnow

# Every point of the scale has words: numbers or faces alone are not accessible.
SCALE = (_l("Not at all"), _l("A little"), _l("Somewhat"), _l("Quite a bit"), _l("Very much"))
QUESTIONS = (
    ("useful", _l("Was this meeting useful to you?")),
    ("respected", _l("Did you feel respected and safe?")),
    ("belong", _l("Do you feel you belong here?")),
    ("hopeful", _l("How hopeful do you feel today?")),
)
COMMENT = "comment"
COMMENT_MAX = 1000
TOKEN_BYTES = 9  # 72 random bits in 12 URL-safe characters: short enough to type
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
MIN_CAP = 10  # attendance is often marked late or not at all: never cap below this


def current_link(meeting_id, now=None):
    """The meeting's open link, or None."""
    return (SurveyLink.select().where(SurveyLink.meeting == meeting_id, SurveyLink.closes_at > (now or utcnow()))
            .order_by(SurveyLink.closes_at.desc()).first())


def open_link(meeting, hours, now=None):
    """The meeting's open link, made now (open for `hours`) when there is none."""
    now = now or utcnow()
    with write_transaction():
        link = current_link(meeting.id, now)
        if link is None:
            link = SurveyLink.create(meeting=meeting.id, token=secrets.token_urlsafe(TOKEN_BYTES),
                                     closes_at=now + datetime.timedelta(hours=hours))
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
    """Present attendees (at least MIN_CAP) plus a margin, counted now: marks change during a meeting."""
    present = Attendance.select().where(Attendance.meeting == link.meeting_id, Attendance.state == "present").count()
    return max(present, MIN_CAP) + margin


def store_response(link, answers, comment, margin):
    """Store one response in one transaction; False when the link already has all it may take.

    Only the answers, the link and the meeting's date are written: no time, no visitor data."""
    with write_transaction():
        lock_row(SurveyLink, link.id)  # two answers at the same instant cannot both pass the cap
        if SurveyResponse.select().where(SurveyResponse.link == link.id).count() >= response_cap(link, margin):
            return False
        response = SurveyResponse.create(id=secrets.token_urlsafe(16), link=link.id,
                                         meeting_date=link.meeting.local_date)
        # insert_many takes its columns from the first row: every row names both value and text.
        rows = [dict(response=response.id, question=q, value=int(v), text=None) for q, v in answers.items()]
        if comment:
            rows.append(dict(response=response.id, question=COMMENT, value=None, text=comment))
        SurveyAnswer.insert_many(rows).execute()
    return True
