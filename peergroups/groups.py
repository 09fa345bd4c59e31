"""Groups: their schedule, leaders, roster, rotating topics, and starting their meetings.
Flask-free: views/groups.py and views/calendar.py call these."""
import datetime
import re
import secrets

from peewee import fn

from .attendance import local_today
from .db import Prepared, write_transaction
from .models import Attendance, Group, GroupFacilitator, GroupMember, Meeting, Member, User, utcnow
from .schedule import Schedule, next_occurrences
from .surveys import open_link


def schedule_of(group):
    """The group's schedule.Schedule, or None for a group that meets ad hoc only."""
    if group.weekday is None or group.start_time is None:
        return None
    return Schedule(weekday=group.weekday, start_time=group.start_time, duration_minutes=group.duration_minutes,
                    timezone=group.timezone, frequency=group.frequency, interval=group.interval,
                    ordinal=group.ordinal, starts_on=group.starts_on)


def upcoming(group, count=4):
    """The next `count` occurrences (one that started within the last 3 hours still counts)."""
    schedule = schedule_of(group)
    try:
        return next_occurrences(schedule, utcnow() - datetime.timedelta(hours=3), count) if schedule else []
    except OverflowError:  # a schedule that starts near the year 9999 has no next meeting
        return []


def roster_sizes(group_ids):
    """{group id: people on its active roster}, one query for any number of groups."""
    return dict(Member.active_in(group_ids, GroupMember.group, fn.COUNT(Member.id))
                .group_by(GroupMember.group).tuples())


def roster(group):
    """The group's active members by name, each with its id and name only (what the group page lists)."""
    return _ROSTER.rows(group.id)


_ROSTER = Prepared(lambda group_id: Member.active_in(group_id, Member.id, Member.name).order_by(fn.LOWER(Member.name)))


def staff_who_may_lead():
    """Active admins and facilitators, by name: who can be made a group's (co-)facilitator."""
    return list(User.select().where(User.active, User.role.in_(("admin", "facilitator"))).order_by(User.name))


def leaders(group):
    """The group's facilitators first, then co-facilitators; each User carries `.lead`."""
    return list(_LEADERS.rows(group.id))


_LEADERS = Prepared(lambda group_id: User.select(User, GroupFacilitator.lead).join(GroupFacilitator)
                    .where(GroupFacilitator.group == group_id).order_by(GroupFacilitator.lead.desc(), User.name)
                    .objects())


def create_group(fields, leads=None):
    """A new group from its column values; `leads` as in set_leaders (None: nobody yet)."""
    with write_transaction():
        group = Group.create(**fields)
        if leads is not None:
            _set_leaders(group.id, leads)
    return group


def update_group(group_id, fields, leads=None):
    """Change exactly the given columns (never a whole-row save that could undo another edit)."""
    with write_transaction():
        Group.update(**fields).where(Group.id == group_id).execute()
        if leads is not None:
            _set_leaders(group_id, leads)


def _set_leaders(group_id, leads):
    """leads: {user id: True for a facilitator, False for a co-facilitator}."""
    GroupFacilitator.delete().where(GroupFacilitator.group == group_id).execute()
    if leads:
        GroupFacilitator.insert_many([{"group": group_id, "user": user_id, "lead": lead}
                                      for user_id, lead in leads.items()]).execute()


def set_archived(group_id, archived):
    Group.update(archived=archived).where(Group.id == group_id).execute()


def recent_meetings(group, count=12):
    """The latest meetings, newest first, and {meeting id: people present}. Each meeting carries
    only what the group page shows: its id, day, start, status and topic."""
    meetings = list(_RECENT.rows(group.id, count))
    present = dict(_PRESENT_AT.rows([m.id for m in meetings]))
    return meetings, present


_RECENT = Prepared(lambda group_id, count: Meeting.select(Meeting.id, Meeting.local_date, Meeting.starts_at,
                                                          Meeting.status, Meeting.topic).where(Meeting.group == group_id)
                   .order_by(Meeting.starts_at.desc()).limit(count))
_PRESENT_AT = Prepared(lambda meeting_ids: Attendance.select(Attendance.meeting, fn.COUNT(Attendance.id))
                       .where(Attendance.meeting.in_(meeting_ids), Attendance.state == "present")
                       .group_by(Attendance.meeting).tuples())


def next_topic(group):
    """The rotating topic after the last one used (the first when none was used yet)."""
    topics = group.topic_list
    if not topics:
        return ""
    last = _LAST_TOPIC.first(group.id)
    if last is None or last[0] not in topics:
        return topics[0]
    return topics[(topics.index(last[0]) + 1) % len(topics)]


_LAST_TOPIC = Prepared(lambda group_id: Meeting.select(Meeting.topic)
                       .where(Meeting.group == group_id, Meeting.topic != "", Meeting.status != "cancelled")
                       .order_by(Meeting.starts_at.desc()).limit(1).tuples())


def planned_occurrence(group, starts_at):
    """The scheduled occurrence that starts at `starts_at` (naive UTC), or None."""
    return next((o for o in upcoming(group, 8) if o.starts_at_utc == starts_at), None)


def start_meeting(group, planned, user_id, survey_hours, cancel=False):
    """The meeting of a planned occurrence (or an ad hoc one now), reusing one already started.
    Starting opens its survey link; `cancel` records the occurrence as cancelled instead."""
    with write_transaction():
        meeting = None
        if planned:
            meeting = Meeting.get_or_none(Meeting.group == group.id, Meeting.starts_at == planned.starts_at_utc)
        if meeting is None:
            meeting = Meeting.create(
                group=group.id, starts_at=planned.starts_at_utc if planned else utcnow(),
                local_date=planned.local_date if planned else local_today(group.timezone),
                ad_hoc=planned is None, topic="" if cancel else next_topic(group),
                mode="virtual" if group.virtual_link and not group.location else "in_person",
                status="cancelled" if cancel else "open", opened_by=user_id)
            if not cancel:
                open_link(meeting, survey_hours)
    return meeting


def renew_calendar_link(group_id, turn_off=False):
    """A new secret for the group's calendar feed (the old link stops working), or none at all."""
    token = None if turn_off else secrets.token_urlsafe(16)
    Group.update(calendar_token=token).where(Group.id == group_id).execute()
    return token


def by_calendar_token(token):
    """The (not archived) group whose calendar feed this token opens, or None."""
    # Only what token_urlsafe makes reaches the database (PostgreSQL refuses NUL in text).
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", token):
        return None
    return Group.get_or_none(Group.calendar_token == token, ~Group.archived)


def calendar_events(group, count):
    """The next `count` meetings as events for ical.calendar."""
    return [{"uid": f"{group.id}-{o.starts_at_utc:%Y%m%dT%H%M}@peergroups", "starts": o.starts_at_utc,
             "ends": o.ends_at_utc, "summary": group.name, "location": group.location or group.virtual_link,
             "description": group.virtual_link} for o in upcoming(group, count)]
