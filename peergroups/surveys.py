"""Anonymous survey links (a meeting's, or a group's for one period such as a month) and storing a
response so that nothing in it points at a person or a moment (product.md, "Privacy rules").

Padding a link with made-up answers needs a trace (decisions.md, "Survey results: the release
model"): a meeting has one link in its lifetime, opened on the meeting's day in the group's time
zone; closing is final; a link takes at most the people recorded present (a period's: the group's
current members) plus a small margin. When a link closes, its responses are rewritten in random
order in one transaction, so the database keeps no trace of the order in which people answered."""
import datetime
import random
import re
import secrets
from functools import lru_cache
from zoneinfo import ZoneInfo

from peewee import fn

from .attendance import present_count
from .db import Prepared, database, is_sqlite, lock_row, row_by_id, write_transaction
from .models import Group, Meeting, Member, Survey, SurveyAnswer, SurveyLink, SurveyResponse, utcnow
from .questionnaire import AFTER_MEETING, loads

TOKEN_BYTES = 9  # 72 random bits in 12 URL-safe characters: short enough to type
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
STORED, FULL, CLOSED = "stored", "full", "closed"  # what store_response did
# A short code to type instead of scanning: no look-alikes (0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V),
# any case. 20**8 = 2.6e10 codes: at the survey rate limit (30 wrong tries per 10 minutes from one
# address) a link open for 48 hours meets 8,640 tries, so even with 1,000 links open at once a
# guess succeeds with odds below 1 in 2,900 (README, "The meeting's day").
CODE_ALPHABET = "ACDEFHJKMNPRTWXY3479"
CODE_LENGTH = 8


def definition_of(survey_id):
    """The questionnaire a link or a group uses: an organization's survey, or (None) our own. Shared
    between requests like our own: read it, never change it (the survey builder parses its own)."""
    return AFTER_MEETING if survey_id is None else _parsed(row_by_id(Survey, survey_id).definition)


@lru_cache(maxsize=16)  # keyed by the stored text, so a changed survey is parsed again
def _parsed(text):
    return loads(text)


def names_of(survey_ids):
    """{survey id: its name} for these ids; None is our own survey."""
    names = {None: AFTER_MEETING.name}
    for survey in _SURVEYS.rows([i for i in survey_ids if i is not None]):
        names[survey.id] = survey.questionnaire().name
    return names


def group_languages(group_id):
    return _GROUP_LANGUAGES.first(group_id).language_list


_SURVEYS = Prepared(lambda survey_ids: Survey.select().where(Survey.id.in_(survey_ids)))
_GROUP_LANGUAGES = Prepared(lambda group_id: Group.select(Group.languages).where(Group.id == group_id).limit(1))


def _local_today(group, now=None):
    return (now or utcnow()).replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(group.timezone)).date()


def meeting_link(meeting_id):
    """The meeting's link, open or closed: a meeting has at most one in its lifetime."""
    return SurveyLink.get_or_none(SurveyLink.meeting == meeting_id)


def current_link(meeting_id, now=None):
    """The meeting's link while it is open, or None."""
    link = meeting_link(meeting_id)
    return link if link and is_open(link, now) else None


def why_no_link(meeting, now=None):
    """Why a link cannot be opened for this meeting now ("no survey", "used", "not today"), or None."""
    group = Group.get_by_id(meeting.group_id)
    if not group.surveys_after_meetings:
        return "no survey"
    if meeting_link(meeting.id):
        return "used"
    if _local_today(group, now) != meeting.local_date:
        return "not today"
    return None


def new_short_code():
    """A short code no link has (a clash among 2.6e10 codes is rare; then another is drawn)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not SurveyLink.select().where(SurveyLink.short_code == code).exists():
            return code


def as_short_code(text):
    """The code someone typed, in any case, with spaces or a dash; None when it cannot be one."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) else None


def find_by_code(text, now=None):
    """The open link with this short code, or None (a closed link's code opens nothing)."""
    code = as_short_code(text)
    link = _BY_CODE.first(code) if code else None
    return link if link and is_open(link, now) else None


def _new_link(closes_at, **fields):
    return SurveyLink.create(token=secrets.token_urlsafe(TOKEN_BYTES), short_code=new_short_code(),
                             closes_at=closes_at, **fields)


def open_link(meeting, hours, now=None):
    """The meeting's link, made now (open for `hours`) when it may have one and has none yet (see
    why_no_link); its existing link otherwise, even a closed one; None when it has none."""
    now = now or utcnow()
    group = Group.get_by_id(meeting.group_id)
    with write_transaction():
        lock_row(Group, group.id)  # two taps at once cannot make two links
        link = meeting_link(meeting.id)
        if link is None and why_no_link(meeting, now) is None:
            # Opened before the meeting starts, it stays open `hours` after the start.
            link = _new_link(max(now, meeting.starts_at) + datetime.timedelta(hours=hours), group=group.id, meeting=meeting.id,
                             survey=group.meeting_survey_id)
    return link


def period_of(group, now=None):
    """(first day, first day of the next) of the group's current month or quarter, in its time zone."""
    today = _local_today(group, now)
    months = 3 if group.survey_period == "quarter" else 1
    start = today.replace(day=1, month=today.month - (today.month - 1) % months)
    after = start.month - 1 + months
    return start, start.replace(year=start.year + after // 12, month=after % 12 + 1)


def periodic_link(group, now=None):
    """The group's link for the current period, or None (none made yet, or no periodic survey)."""
    if group.periodic_survey_id is None:
        return None
    start, _end = period_of(group, now)
    return (SurveyLink.select().where(SurveyLink.group == group.id, SurveyLink.period == start,
                                      SurveyLink.survey == group.periodic_survey_id).first())


def open_periodic_link(group, now=None):
    """The group's link for the current period, made now when there is none yet. It closes when the
    period ends (midnight in the group's time zone)."""
    if group.periodic_survey_id is None:
        return None
    start, end = period_of(group, now)
    closes_at = (datetime.datetime.combine(end, datetime.time(), ZoneInfo(group.timezone))
                 .astimezone(datetime.UTC).replace(tzinfo=None))
    with write_transaction():
        lock_row(Group, group.id)
        link = periodic_link(group, now)
        if link is None:
            link = _new_link(closes_at, group=group.id, survey=group.periodic_survey_id, period=start)
    return link


def close_link(link, now=None):
    """Close a link for good and rewrite its responses in random order."""
    now = now or utcnow()
    with write_transaction():
        lock_row(SurveyLink, link.id)
        SurveyLink.update(closes_at=now).where(SurveyLink.id == link.id, SurveyLink.closes_at > now).execute()
    shuffle_responses(link.id)


def shuffle_responses(link_id, rng=None, checkpoint=True):
    """Delete a closed link's responses and insert them again with new random keys in a random
    order, in one transaction: afterwards neither SQLite's page layout (freed cells are zeroed, the
    write-ahead log emptied) nor PostgreSQL's ctid or xmin (one transaction: one xmin for all) tells
    who answered first."""
    rng = rng or random.SystemRandom()
    if is_sqlite():
        database.execute_sql("PRAGMA secure_delete = ON")
    with write_transaction():
        lock_row(SurveyLink, link_id)
        responses = list(SurveyResponse.select(SurveyResponse.id, SurveyResponse.counts_for)
                         .where(SurveyResponse.link == link_id).tuples())
        if not responses:
            return
        answers = {}
        for response_id, question, value, text in (
                SurveyAnswer.select(SurveyAnswer.response, SurveyAnswer.question, SurveyAnswer.value, SurveyAnswer.text)
                .join(SurveyResponse).where(SurveyResponse.link == link_id).tuples()):
            answers.setdefault(response_id, []).append((question, value, text))
        SurveyResponse.delete().where(SurveyResponse.link == link_id).execute()  # answers cascade
        rng.shuffle(responses)
        new_rows, answer_rows = [], []
        for old_id, counts_for in responses:
            new_id = secrets.token_urlsafe(16)
            new_rows.append((new_id, link_id, counts_for))
            answer_rows += [(new_id, q, v, t) for q, v, t in answers.get(old_id, [])]
        # Plain executemany: building peewee queries would cost more than the writes themselves.
        p = database.param
        cursor = database.cursor()
        cursor.executemany(f'INSERT INTO "survey_response" ("id", "link_id", "counts_for") VALUES ({p}, {p}, {p})',
                           new_rows)
        cursor.executemany('INSERT INTO "survey_answer" ("response_id", "question", "value", "text") '
                           f'VALUES ({p}, {p}, {p}, {p})', answer_rows)
    if checkpoint:
        checkpoint_log()


def checkpoint_log():
    """SQLite: the write-ahead log still holds pages as they were before a shuffle: fold it into
    the file and empty it (a no-op inside a transaction, and on PostgreSQL)."""
    if is_sqlite() and database.transaction_depth() == 0:
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def find_link(token):
    """The link for a token as typed or scanned; anything malformed is simply not found."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return _BY_TOKEN.first(token)


_BY_TOKEN = Prepared(lambda token: SurveyLink.select().where(SurveyLink.token == token).limit(1))
_BY_CODE = Prepared(lambda code: SurveyLink.select().where(SurveyLink.short_code == code).limit(1))


def is_open(link, now=None):
    return link.closes_at > (now or utcnow())


def response_cap(link, margin):
    """A meeting's: the people recorded present, plus a margin, counted now, since marks change
    during a meeting. A period's: the group's current members plus the margin."""
    if link.meeting_id is None:
        return _MEMBERS.first(link.group_id)[0] + margin
    return present_count(link.meeting_id) + margin


_MEMBERS = Prepared(lambda group_id: Member.active_in(group_id, fn.COUNT(Member.id)).tuples())
_RESPONSES = Prepared(lambda link_id: SurveyResponse.select(fn.COUNT(SurveyResponse.id))
                      .where(SurveyResponse.link == link_id).tuples())


def store_response(link, answers, margin, now=None):
    """Store one response ({question key: number or text}, unanswered left out) in one transaction.
    Returns STORED, or FULL when the link already has all it may take, or CLOSED.

    Only the answers, the link and the date it counts for are written: no time, no visitor data."""
    with write_transaction():
        lock_row(SurveyLink, link.id)  # two answers at the same instant cannot both pass the cap
        link = row_by_id(SurveyLink, link.id)  # closed meanwhile? (its responses may be shuffled)
        if not is_open(link, now):
            return CLOSED
        if _RESPONSES.first(link.id)[0] >= response_cap(link, margin):
            return FULL
        counts_for = link.period or row_by_id(Meeting, link.meeting_id).local_date
        response_id = secrets.token_urlsafe(16)
        _NEW_RESPONSE.run(response_id, link.id, counts_for)
        for key, answer in answers.items():
            _NEW_ANSWER.run(response_id, key, *((None, answer) if isinstance(answer, str) else (answer, None)))
    return STORED


# Prepared: a room of phones answers at once, and peewee built each INSERT's SQL anew.
_NEW_RESPONSE = Prepared(lambda response_id, link_id, counts_for: SurveyResponse.insert(
    id=response_id, link=link_id, counts_for=counts_for))
_NEW_ANSWER = Prepared(lambda response_id, question, value, text: SurveyAnswer.insert(
    response=response_id, question=question, value=value, text=text))
