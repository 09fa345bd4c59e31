"""Attendance: idempotent marks with history, undo, closing, the roster order, follow-up lists.
Database logic only (no Flask), so the meeting screen and the benchmarks share it."""
import datetime
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

from .db import Prepared, database, lock_row, write_transaction
from .models import Attendance, AttendanceChange, Group, GroupMember, Meeting, Member, SurveyLink, User, utcnow

RECENT_MEETINGS = 8  # how far back "likely to come" looks when ordering the roster


def set_mark(meeting, member_id, state, user_id):
    """Set a member's state. Idempotent: the same state twice changes nothing; the last write
    wins and the previous state goes to the history. Returns the state now stored."""
    now = utcnow()
    with write_transaction():
        _lock(meeting.id)
        current = _MARK.first(meeting.id, member_id)
        previous = current[0] if current else None
        if previous == state:
            return state
        _store(meeting.id, member_id, state, user_id, now)
        AttendanceChange.create(meeting=meeting.id, member=member_id, state=state, previous=previous,
                                by=user_id, at=now)
    return state


def _lock(meeting_id):
    """Writers of one meeting's marks go one at a time (no duplicate history rows)."""
    lock_row(Meeting, meeting_id)


def _store(meeting_id, member_id, state, user_id, now):
    if state is None:
        Attendance.delete().where(Attendance.meeting == meeting_id, Attendance.member == member_id).execute()
        return
    (Attendance.insert(meeting=meeting_id, member=member_id, state=state, by=user_id, at=now)
     .on_conflict(conflict_target=[Attendance.meeting, Attendance.member],
                  update={Attendance.state: state, Attendance.by: user_id, Attendance.at: now})
     .execute())


def undo_last(meeting, user_id):
    """Revert this user's own last change at this meeting; returns that change (its member_id,
    the state it had set and the `previous` state now restored), or None."""
    now = utcnow()
    with write_transaction():
        _lock(meeting.id)
        change = (AttendanceChange.select()
                  .where(AttendanceChange.meeting == meeting.id, AttendanceChange.by == user_id,
                         AttendanceChange.undone == False)  # noqa: E712 (SQL comparison)
                  .order_by(AttendanceChange.at.desc(), AttendanceChange.id.desc()).first())
        if change is None:
            return None
        _store(meeting.id, change.member_id, change.previous, user_id, now)
        AttendanceChange.update(undone=True).where(AttendanceChange.id == change.id).execute()
        # The undo is history too, marked undone so a second undo reaches further back.
        AttendanceChange.create(meeting=meeting.id, member=change.member_id, state=change.previous,
                                previous=change.state, by=user_id, at=now, undone=True)
    return change


def roster_cursor(meeting):
    """Where a meeting screen's roster stands: the meeting's latest mark change and its status.
    Any mark (a newcomer's too), undo, close or reopen moves it; one indexed MAX."""
    (latest,) = _LATEST_CHANGE.first(meeting.id)
    return f"{latest or 0}-{meeting.status}"


def present_count(meeting_id):
    return _PRESENT.first(meeting_id)[0]


_MARK = Prepared(lambda meeting_id, member_id: Attendance.select(Attendance.state)
                 .where(Attendance.meeting == meeting_id, Attendance.member == member_id).limit(1).tuples())
_LATEST_CHANGE = Prepared(lambda meeting_id: AttendanceChange.select(fn.MAX(AttendanceChange.id))
                          .where(AttendanceChange.meeting == meeting_id).tuples())
_PRESENT = Prepared(lambda meeting_id: Attendance.select(fn.COUNT(Attendance.id))
                    .where(Attendance.meeting == meeting_id, Attendance.state == "present").tuples())


def expected_member_ids(meeting):
    """Who should have a mark: active members of the group who had joined by the meeting's date."""
    query = Member.active_in(meeting.group_id, Member.id).where(GroupMember.joined_on <= meeting.local_date)
    return [row.id for row in query]


def has_started(meeting, now=None):
    return (now or utcnow()) >= meeting.starts_at


def close_meeting(meeting, user_id):
    """Close, storing an explicit absent for every expected member without a mark (so rates are
    true). Returns how many absences were written. Before its start time nobody can have missed
    a meeting: closing it then (started early by mistake) writes no absence."""
    now = utcnow()
    with write_transaction():
        _lock(meeting.id)
        marked = {row.member_id for row in Attendance.select(Attendance.member)
                  .where(Attendance.meeting == meeting.id)}
        missing = [m for m in expected_member_ids(meeting) if m not in marked] if has_started(meeting, now) else []
        rows = [{"meeting": meeting.id, "member": m, "state": "absent", "by": user_id, "at": now} for m in missing]
        if rows:
            Attendance.insert_many(rows).execute()
            AttendanceChange.insert_many([{**row, "previous": None} for row in rows]).execute()
        Meeting.update(status="closed", closed_at=now).where(Meeting.id == meeting.id).execute()
    meeting.status, meeting.closed_at = "closed", now
    return len(rows)


def in_progress(group):
    """The group's open meeting to continue: today's (group time zone) when there is one, else the
    latest that has started, else the next one started early."""
    today = local_today(group.timezone)
    meetings = list(_OPEN_IN_GROUP.rows(group.id))
    return (next((m for m in meetings if m.local_date == today), None)
            or next((m for m in meetings if m.local_date < today), None)
            or (meetings[-1] if meetings else None))


def open_meetings(group_ids, count=5):
    """The latest meetings still open in these groups, each with its group loaded."""
    return list(_OPEN_IN_GROUPS.rows(list(group_ids), count))


_OPEN_IN_GROUP = Prepared(lambda group_id: Meeting.select().where(Meeting.group == group_id, Meeting.status == "open")
                          .order_by(Meeting.starts_at.desc()))
_OPEN_IN_GROUPS = Prepared(lambda group_ids, count: Meeting.select(Meeting, Group).join(Group)
                           .where(Meeting.status == "open", Meeting.group.in_(group_ids))
                           .order_by(Meeting.starts_at.desc()).limit(count))


def local_today(timezone):
    return datetime.datetime.now(ZoneInfo(timezone)).date()


def close_overdue(group):
    """A meeting left open is closed once its day is over in the group's time zone."""
    today = local_today(group.timezone)
    for meeting in [m for m in _OPEN_IN_GROUP.rows(group.id) if m.local_date < today]:
        close_meeting(meeting, None)


# The meeting screen is the hottest page: its roster is one constant SQL statement (building it
# with the query builder cost more than running it). Quoted names work on SQLite and PostgreSQL.
ROSTER_SQL = """
SELECT m.id, m.name, m.pronouns, a.state, recent.times, first.first_date
FROM "member" m
JOIN "group_member" gm ON gm.member_id = m.id AND gm.group_id = {p}
LEFT JOIN "attendance" a ON a.member_id = m.id AND a.meeting_id = {p}
LEFT JOIN (
    SELECT ra.member_id, COUNT(*) AS times FROM "attendance" ra
    WHERE ra.state = 'present' AND ra.meeting_id IN (
        SELECT rm.id FROM "meeting" rm
        WHERE rm.group_id = {p} AND rm.starts_at < {p} AND rm.status = 'closed'
        ORDER BY rm.starts_at DESC LIMIT {limit})
    GROUP BY ra.member_id
) recent ON recent.member_id = m.id
LEFT JOIN (
    SELECT fa.member_id, MIN(fm.local_date) AS first_date FROM "attendance" fa
    JOIN "meeting" fm ON fm.id = fa.meeting_id
    WHERE fm.group_id = {p} AND fa.state = 'present'
    GROUP BY fa.member_id
) first ON first.member_id = m.id
WHERE ((gm.active AND NOT m.archived AND gm.joined_on <= {p}) OR a.id IS NOT NULL) {only}
ORDER BY COALESCE(recent.times, 0) DESC, LOWER(m.name), m.id
"""


def roster(meeting, newcomer_days, member_id=None):
    """The meeting screen's rows: expected members plus anyone already marked, the members most
    likely to come first (present at recent meetings), then by name. One query."""
    param = database.obj.param
    only = f"AND m.id = {param}" if member_id is not None else ""
    sql = ROSTER_SQL.format(p=param, limit=RECENT_MEETINGS, only=only)
    params = [meeting.group_id, meeting.id, meeting.group_id, meeting.starts_at, meeting.group_id,
              meeting.local_date]
    if member_id is not None:
        params.append(member_id)
    window = meeting.local_date - datetime.timedelta(days=newcomer_days)
    result = []
    for row_id, name, pronouns, state, times, first_date in database.execute_sql(sql, params):
        first_date = _as_date(first_date)
        result.append({"id": row_id, "name": name, "pronouns": pronouns, "state": state, "times": times,
                       "newcomer": first_date is None or first_date >= window})
    return result


def _as_date(value):
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])  # SQLite returns MIN() of dates as text


def history(meeting_id, member_id=None, limit=500):
    """The meeting's mark changes, newest first (one member's when member_id is given): dicts with
    member, member_name, previous, state, by, by_name (None: closed automatically), at and undone."""
    query = (AttendanceChange.select(AttendanceChange, Member.name.alias("member_name"), User.name.alias("by_name"))
             .join(Member, on=(AttendanceChange.member == Member.id))
             .join(User, JOIN.LEFT_OUTER, on=(AttendanceChange.by == User.id), src=AttendanceChange)
             .where(AttendanceChange.meeting == meeting_id)
             .order_by(AttendanceChange.at.desc(), AttendanceChange.id.desc()).limit(limit))
    if member_id is not None:
        query = query.where(AttendanceChange.member == member_id)
    return list(query.dicts())


def reopen(meeting):
    """Open a closed (or cancelled) meeting again for corrections; its history keeps every change.
    A cancelled meeting that has not started yet goes back to the schedule instead (its row is
    deleted, so its occurrence is "coming up" again and nothing counts it as held or in progress):
    returns "scheduled" then, "open" otherwise."""
    with write_transaction():
        _lock(meeting.id)
        current = Meeting.get_by_id(meeting.id)
        has_link = SurveyLink.select().where(SurveyLink.meeting == meeting.id).exists()
        if current.status == "cancelled" and not has_started(current) and not has_link:
            # Marks at a meeting that has not started yet are not attendance (a cancelled meeting
            # has nobody present): they go with it.
            Meeting.delete().where(Meeting.id == meeting.id).execute()
            return "scheduled"
        Meeting.update(status="open", closed_at=None).where(Meeting.id == meeting.id).execute()
    return "open"


def cancel(meeting_id):
    """Cancel a meeting nobody was marked present at; False (nothing changed) when someone was."""
    with write_transaction():
        if present_count(meeting_id):
            return False
        Meeting.update(status="cancelled").where(Meeting.id == meeting_id).execute()
    return True


def update_details(meeting_id, topic, mode, notes):
    Meeting.update(topic=topic, mode=mode, notes=notes).where(Meeting.id == meeting_id).execute()


def follow_up(group, missed, newcomer_days):
    """Two lists for a group's follow-up page: members not seen at any of the last `missed`
    closed meetings, and newcomers who came once and have not been back since."""
    last = list(_LAST_CLOSED.rows(group.id, missed))
    rows = [{**row, "seen": _as_date(row["seen"]), "times": row["times"] or 0} for row in _LAST_SEEN.rows(group.id)]
    not_seen = []
    if len(last) == missed:
        oldest = last[-1].local_date
        not_seen = [r for r in rows if r["times"] and (r["seen"] is None or r["seen"] < oldest)]
    latest = last[0].local_date if last else None
    since = local_today(group.timezone) - datetime.timedelta(days=newcomer_days)
    came_once = [r for r in rows if r["times"] == 1 and latest and r["seen"] < latest and r["seen"] >= since]
    return not_seen, came_once


def _last_seen(group_id):
    last_seen = (Attendance.select(Attendance.member, fn.MAX(Meeting.local_date).alias("seen"),
                                   fn.COUNT(Attendance.id).alias("times"))
                 .join(Meeting, on=(Attendance.meeting == Meeting.id))
                 .where(Meeting.group == group_id, Attendance.state == "present")
                 .group_by(Attendance.member).alias("last_seen"))
    return (Member.active_in(group_id, Member.id, Member.name, Member.phone, Member.email,
                             last_seen.c.seen.alias("seen"), last_seen.c.times.alias("times"))
            .join(last_seen, JOIN.LEFT_OUTER, on=(last_seen.c.member_id == Member.id), src=Member)
            .order_by(fn.LOWER(Member.name)).dicts())


_LAST_CLOSED = Prepared(lambda group_id, count: Meeting.select(Meeting.id, Meeting.local_date)
                        .where(Meeting.group == group_id, Meeting.status == "closed")
                        .order_by(Meeting.starts_at.desc()).limit(count))
_LAST_SEEN = Prepared(_last_seen)
