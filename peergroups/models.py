"""The peewee models. The schema itself is made by migrations/; these mirror it."""
import datetime

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    ModelSelect,
    TextField,
    TimeField,
)

from .db import Prepared, database
from .questionnaire import loads

ROLES = ("admin", "facilitator", "supervisor")


def utcnow():
    """Naive UTC, the one way every timestamp is stored."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organization(BaseModel):
    """The one organization of this installation."""

    name = CharField(max_length=200)
    default_locale = CharField(max_length=16, default="en")
    timezone = CharField(max_length=64, default="UTC")
    created_at = DateTimeField(default=utcnow)
    # k: a survey figure is shown only when at least this many responses stand behind it
    # (suppression.effective_k never applies less than 3, whatever is stored).
    survey_min_responses = IntegerField(default=5)

    @classmethod
    def current(cls):
        return _FIRST_ORGANIZATION.first()


_FIRST_ORGANIZATION = Prepared(lambda: Organization.select().order_by(Organization.id).limit(1))


class User(UserMixin, BaseModel):
    """A staff account. Members never log in and are not users."""

    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=120)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=16)
    locale = CharField(max_length=16, null=True)
    active = BooleanField(default=True)
    # Bumped on deactivation, password or role change: every other session ends at once.
    session_version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_version}"


class SignedInDevice(BaseModel):
    """A browser that is signed in (devices.py). The session cookie holds a random key and the
    remember-me cookie a random token; only their hashes are here. Deleting the row signs it out."""

    user = ForeignKeyField(User, on_delete="CASCADE", backref="devices")
    key_hash = CharField(max_length=64, unique=True)
    remember_hash = CharField(max_length=64, null=True, unique=True)
    remember_until = DateTimeField(null=True)
    browser = CharField(max_length=60)  # "Firefox on Android": the family only, never a place
    signed_in_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)


class Invite(BaseModel):
    """A single-use link: `invite` creates an account, `reset` sets a new password."""

    kind = CharField(max_length=8, default="invite")
    token_hash = CharField(max_length=64, unique=True)
    email = CharField(max_length=254)
    role = CharField(max_length=16, null=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE", backref="resets")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    group_ids = CharField(max_length=2000, default="")  # an invite's groups to lead, "3,7"

    @property
    def groups(self):
        ids = [int(part) for part in self.group_ids.split(",") if part]
        return list(Group.select().where(Group.id.in_(ids), ~Group.archived).order_by(Group.name)) if ids else []


PERIODS = ("month", "quarter")


class Survey(BaseModel):
    """An organization's own survey: its whole definition is one JSON document (questionnaire.py),
    the same format as the export file. Our built-in survey lives in code, not here."""

    definition = TextField()
    archived = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    def questionnaire(self):
        return loads(self.definition)


class Group(BaseModel):
    """A peer group with its recurring schedule (see schedule.Schedule) and rotating topics."""

    name = CharField(max_length=120)
    description = TextField(default="")
    languages = CharField(max_length=200, default="en")  # catalog codes, comma-separated, first = main
    weekday = IntegerField(null=True)  # null: no regular schedule, ad hoc meetings only
    start_time = TimeField(null=True)
    duration_minutes = IntegerField(default=90)
    timezone = CharField(max_length=64, default="UTC")
    frequency = CharField(max_length=8, default="weekly")
    interval = IntegerField(default=1)
    ordinal = IntegerField(null=True)
    starts_on = DateField(null=True)
    location = TextField(default="")
    virtual_link = CharField(max_length=500, default="")
    topics = TextField(default="")  # one per line, in rotation order
    calendar_token = CharField(max_length=64, null=True, unique=True)
    archived = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    # Which survey runs after meetings (None: our built-in one) and whether one runs at all; which
    # survey (if any) runs once a period, e.g. monthly, for everyone in the group.
    surveys_after_meetings = BooleanField(default=True)
    meeting_survey = ForeignKeyField(Survey, null=True, on_delete="SET NULL", backref="+")
    periodic_survey = ForeignKeyField(Survey, null=True, on_delete="SET NULL", backref="+")
    survey_period = CharField(max_length=8, default="month")

    @property
    def language_list(self):
        return [code for code in self.languages.split(",") if code]

    @property
    def topic_list(self):
        return [line.strip() for line in self.topics.splitlines() if line.strip()]


class GroupFacilitator(BaseModel):
    group = ForeignKeyField(Group, backref="facilitators", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="led_groups", on_delete="CASCADE")
    lead = BooleanField(default=True)  # False: co-facilitator

    class Meta:
        indexes = ((("group", "user"), True),)


class Member(BaseModel):
    """A person in one or more groups: an alias, never an account."""

    name = CharField(max_length=80)
    locale = CharField(max_length=16, default="en")
    pronouns = CharField(max_length=40, default="")
    phone = CharField(max_length=40, default="")
    email = CharField(max_length=254, default="")
    joined_on = DateField()
    archived = BooleanField(default=False)
    merged_into = ForeignKeyField("self", null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    erased_at = DateTimeField(null=True)  # personal data removed (erasure.py); attendance kept, anonymous

    @classmethod
    def active_in(cls, groups, *fields):
        """Members on the active roster of a group (an id) or of any of several (ids or a subquery):
        an active membership and not archived. The one roster rule: rosters, closing a meeting,
        follow-up, mentoring, survey caps and counts all use it. GroupMember is joined, so callers
        may select or filter on it."""
        in_group = GroupMember.group.in_(groups) if isinstance(groups, (list, tuple, set, ModelSelect)) \
            else GroupMember.group == groups
        return (cls.select(*fields).join(GroupMember, on=(GroupMember.member == cls.id))
                .where(in_group, GroupMember.active, ~cls.archived))


class GroupMember(BaseModel):
    group = ForeignKeyField(Group, backref="memberships", on_delete="CASCADE")
    member = ForeignKeyField(Member, backref="memberships", on_delete="CASCADE")
    joined_on = DateField()
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("group", "member"), True),)


MEETING_MODES = ("in_person", "virtual", "hybrid")
MARK_STATES = ("present", "absent")


class Meeting(BaseModel):
    group = ForeignKeyField(Group, backref="meetings", on_delete="CASCADE")
    local_date = DateField()  # the meeting's date in the group's time zone
    starts_at = DateTimeField()  # naive UTC
    ad_hoc = BooleanField(default=False)
    mode = CharField(max_length=10, default="in_person")
    topic = CharField(max_length=200, default="")
    notes = TextField(default="")
    status = CharField(max_length=10, default="open")
    opened_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    closed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("group", "starts_at"), False),)


class Attendance(BaseModel):
    """The current mark of one member at one meeting; every change is also in AttendanceChange."""

    meeting = ForeignKeyField(Meeting, backref="marks", on_delete="CASCADE")
    member = ForeignKeyField(Member, backref="marks", on_delete="CASCADE")
    state = CharField(max_length=8)
    by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("meeting", "member"), True),)


class AttendanceChange(BaseModel):
    """Append-only history of marks: who set what, when (state NULL: the mark was removed)."""

    meeting = ForeignKeyField(Meeting, backref="+", on_delete="CASCADE")
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    state = CharField(max_length=8, null=True)
    previous = CharField(max_length=8, null=True)
    by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = DateTimeField(default=utcnow)
    undone = BooleanField(default=False)

    class Meta:
        indexes = ((("meeting", "by", "at"), False),)


# Mentoring. Lists of codes are stored comma-separated, like Group.languages: they are only ever
# read whole, for one member at a time.
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS = ("morning", "afternoon", "evening")
SLOTS = tuple(f"{day}-{part}" for day in DAYS for part in DAY_PARTS)
PAIRING_STATES = ("proposed", "active", "ended", "rematched")
OPEN_PAIRING_STATES = ("proposed", "active")  # these count against a mentor's capacity
END_REASONS = ("completed", "moved", "no_contact", "other")
CHECK_IN_KINDS = ("met", "called", "messaged", "no_contact")


def split_codes(text):
    return [code for code in (text or "").split(",") if code]


class MentorProfile(BaseModel):
    """A member who is (or was) willing to mentor. Gender and recovery date are sensitive:
    optional, and shown only to the member's group leaders and admins (security.may_see_contact)."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    willing = BooleanField(default=True)
    capacity = IntegerField(default=1)
    languages = CharField(max_length=200, default="")
    focus_areas = CharField(max_length=500, default="")  # names from the MENTOR_FOCUS_AREAS setting
    availability = CharField(max_length=400, default="")  # SLOTS codes
    in_recovery_since = DateField(null=True)
    gender = CharField(max_length=60, default="")  # self-described, free text
    updated_at = DateTimeField(default=utcnow)


class NewcomerPreference(BaseModel):
    """What a newcomer asked for in a mentor; without a row, their own language is the need."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    languages = CharField(max_length=200, default="")
    preferred_gender = CharField(max_length=60, default="")
    focus_areas = CharField(max_length=500, default="")
    availability = CharField(max_length=400, default="")
    updated_at = DateTimeField(default=utcnow)


class Pairing(BaseModel):
    """A newcomer and their mentor, in the newcomer's group. At most one proposed or active pairing
    per newcomer: a partial unique index (migration 0003) holds even against two racing phones."""

    newcomer = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    mentor = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    group = ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    status = CharField(max_length=10, default="proposed")
    consent_to_share_contact = BooleanField(default=False)  # recorded when the pairing becomes active
    created_at = DateTimeField(default=utcnow)
    activated_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    end_reason = CharField(max_length=12, null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")


class CheckIn(BaseModel):
    pairing = ForeignKeyField(Pairing, backref="check_ins", on_delete="CASCADE")
    date = DateField()
    kind = CharField(max_length=10)
    note = CharField(max_length=500, default="")
    by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("pairing", "date"), False),)


CONTACT_HOWS = ("call", "text", "whatsapp", "email", "in_person")
CONTACT_OUTCOMES = ("reached", "left_message", "no_answer", "stop")  # stop: asked not to be contacted


class ContactNote(BaseModel):
    """A leader's follow-up contact with someone the group has not seen: when, how, what came of it."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    group = ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    contacted_on = DateField()
    how = CharField(max_length=12)
    outcome = CharField(max_length=16)
    note = CharField(max_length=280, default="")
    by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "member"), False),)


class SurveyLink(BaseModel):
    """An anonymous survey link /s/<token>: a meeting's (meeting set) or a group's for one period
    (period set, e.g. a month). Shown again on the staff screens, so the token is stored as it is;
    closing (or the window running out) revokes it. survey None is our built-in survey."""

    group = ForeignKeyField(Group, backref="survey_links", on_delete="CASCADE")
    meeting = ForeignKeyField(Meeting, null=True, backref="survey_links", on_delete="CASCADE")
    survey = ForeignKeyField(Survey, null=True, backref="links", on_delete="RESTRICT")
    period = DateField(null=True)  # the first day of the period of a periodic link
    token = CharField(max_length=32, unique=True)
    closes_at = DateTimeField()  # naive UTC; closing early moves it to now; closing is final
    released = BooleanField(default=False)  # responses rewritten in random order, figures released
    short_code = CharField(max_length=8, null=True, unique=True)  # to type instead of scanning

    class Meta:
        indexes = ((("meeting", "closes_at"), False), (("group", "period"), False))


class SurveyResponse(BaseModel):
    """One anonymous response: the link and the date it counts for (the meeting's date, or the
    first day of a periodic link's period), nothing about the person or the moment. The key is
    random and the table (on SQLite) WITHOUT ROWID, so order reveals nothing."""

    id = CharField(max_length=32, primary_key=True)
    link = ForeignKeyField(SurveyLink, backref="responses", on_delete="CASCADE")
    counts_for = DateField()


class SurveyAnswer(BaseModel):
    """One answer of a response: a scale point in `value`, or free text in `text`."""

    response = ForeignKeyField(SurveyResponse, backref="answers", on_delete="CASCADE")
    question = CharField(max_length=32)
    value = IntegerField(null=True)
    text = TextField(null=True)

    class Meta:
        primary_key = CompositeKey("response", "question")


class CrisisLine(BaseModel):
    """A crisis or support line for one language; locale "" is the fallback for every other one."""

    locale = CharField(max_length=16, default="")
    name = CharField(max_length=120)
    phone = CharField(max_length=40, default="")
    text_line = CharField(max_length=80, default="")
    url = CharField(max_length=500, default="")
    hours = CharField(max_length=120, default="")


RELEASE_KINDS = ("meeting", "period", "month", "org-month", "group", "org")


class SurveyRelease(BaseModel):
    """One released aggregate of one survey (decisions.md, "Survey results: the release model"):
    a meeting, a periodic link ("period"), a group's month, the organization's month, or a group's
    or the organization's responses from the start through `month`. Written once, never changed;
    `figures` (JSON, see results.Figures) is empty where the aggregate is hidden."""

    key = CharField(max_length=120, unique=True)
    survey = ForeignKeyField(Survey, null=True, on_delete="CASCADE", backref="+")
    kind = CharField(max_length=12)
    group = ForeignKeyField(Group, null=True, on_delete="CASCADE", backref="+")
    meeting = ForeignKeyField(Meeting, null=True, on_delete="CASCADE", backref="+")
    link = ForeignKeyField(SurveyLink, null=True, on_delete="CASCADE", backref="+")
    month = DateField()  # the first day of the month (of a range: its last month)
    shown = BooleanField()
    figures = TextField()
    released_at = DateTimeField(default=utcnow)

    @classmethod
    def of_survey(cls, survey_id):
        return cls.select().where(cls.survey.is_null() if survey_id is None else cls.survey == survey_id)


class AuditEvent(BaseModel):
    """Who did what, when, to which record (audit.py): never the data itself, never survey answers."""

    at = DateTimeField(default=utcnow)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    action = CharField(max_length=40)  # a code named in labels.AUDIT_ACTIONS
    target_id = IntegerField(null=True)
    detail = CharField(max_length=200, default="")
# Consent and safety (migration 0010). An agreement's text lives in its versions; a member's
# status is derived from their Consent rows (the latest one per agreement), never stored.
CONSENT_ACTIONS = ("accepted", "withdrawn")
CONSENT_METHODS = ("screen", "paper", "spoken", "phone")


class Agreement(BaseModel):
    title = CharField(max_length=120)  # the admins' name for it in lists; members read the version's
    shares_contact = BooleanField(default=False)  # withdrawing it hides contact details from mentors
    archived = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)


class AgreementVersion(BaseModel):
    """One version's text: JSON {locale: {"title": ..., "body": ...}}; never changed once written."""

    agreement = ForeignKeyField(Agreement, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    fallback_locale = CharField(max_length=16)
    texts = TextField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)


class Consent(BaseModel):
    """An acceptance or a withdrawal: append-only, so every version's acceptances are kept."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    agreement = ForeignKeyField(Agreement, backref="+", on_delete="CASCADE")
    version = ForeignKeyField(AgreementVersion, backref="+", on_delete="CASCADE")
    action = CharField(max_length=10)
    method = CharField(max_length=10)
    given_on = DateField()
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    recorded_at = DateTimeField(default=utcnow)


class GroupAgreement(BaseModel):
    group = ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    agreement = ForeignKeyField(Agreement, backref="+", on_delete="CASCADE")


class AgreementLink(BaseModel):
    """A one-time link for a member to accept one version on their own phone (stored hashed)."""

    token_hash = CharField(max_length=64, unique=True)
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    version = ForeignKeyField(AgreementVersion, backref="+", on_delete="CASCADE")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class EscalationStep(BaseModel):
    """One step of the organization's escalation checklist in one language ("" is the fallback)."""

    locale = CharField(max_length=16, default="")
    position = IntegerField()
    text = CharField(max_length=300)
    phone = CharField(max_length=40, default="")


INCIDENT_STATUSES = ("open", "closed")
INCIDENT_ACTIONS = ("created", "viewed", "noted", "closed", "reopened")


class Incident(BaseModel):
    """What happened at or around a meeting: least data, members by alias only, no clinical detail.
    Seen by admins, supervisors and its recorder (security.may_see_incident)."""

    group = ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    meeting = ForeignKeyField(Meeting, null=True, backref="+", on_delete="SET NULL")
    occurred_at = DateTimeField()  # naive UTC
    category = CharField(max_length=60)
    what_happened = TextField()
    what_was_done = TextField(default="")
    escalated_to = CharField(max_length=200, default="")
    follow_up_on = DateField(null=True)
    members = CharField(max_length=400, default="")  # aliases as typed
    status = CharField(max_length=10, default="open")
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    closed_at = DateTimeField(null=True)
    closed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")


class IncidentNote(BaseModel):
    incident = ForeignKeyField(Incident, backref="notes", on_delete="CASCADE")
    text = TextField()
    by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = DateTimeField(default=utcnow)


class IncidentEvent(BaseModel):
    """Every view and change of an incident: who, what, when."""

    incident = ForeignKeyField(Incident, backref="events", on_delete="CASCADE")
    action = CharField(max_length=10)
    by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = DateTimeField(default=utcnow)


class Supervision(BaseModel):
    supervisor = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    facilitator = ForeignKeyField(User, on_delete="CASCADE", backref="+")
    date = DateField()
    notes = TextField(default="")
    next_on = DateField(null=True)
    created_at = DateTimeField(default=utcnow)
