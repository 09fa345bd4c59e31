"""Members: finding them, their page, adding them to groups, editing, archiving, merging two
records. Flask-free: views/members.py and views/meetings.py call these; who may see which groups
is security.py's to decide, and the caller passes those groups in."""
import csv
import datetime
import io

from peewee import fn

from . import attendance
from .db import Prepared, write_transaction
from .i18n import lazy_gettext as _l
from .models import AgreementLink, Attendance, AttendanceChange, Consent, Group, GroupMember, Meeting, Member

SEARCH_LIMIT = 200
IMPORT_MAX_ROWS = 2000
# A roster file's columns, and the other names people give them (matched without case).
IMPORT_COLUMNS = {"name": ("name", "alias"), "pronouns": ("pronouns",), "phone": ("phone",), "email": ("email",),
                  "language": ("language", "locale"), "groups": ("groups", "group")}


class RosterFileError(ValueError):
    """A roster file that cannot be read at all; its message is translated."""


def in_groups(groups):
    """Members of any of `groups` (a query of groups), merged records left out.
    A subquery, not a join with DISTINCT: PostgreSQL refuses DISTINCT with ORDER BY LOWER(name)."""
    in_them = GroupMember.select(GroupMember.member).where(GroupMember.group.in_(groups.select(Group.id).order_by()))
    return Member.select().where(Member.id.in_(in_them), Member.merged_into.is_null())


def search(groups, text, archived=False, exclude=None, limit=SEARCH_LIMIT):
    """Members of `groups` whose name contains `text`, by name. Filtered in Python, not with SQL LIKE:
    SQLite folds case for ASCII only, and names are in any script."""
    query = in_groups(groups).where(Member.archived == archived).order_by(fn.LOWER(Member.name))
    if exclude is not None:
        query = query.where(Member.id != exclude)
    needle = text.casefold()
    return [m for m in query if needle in m.name.casefold()][:limit]


def groups_of(member_id):
    return list(_GROUPS_OF.rows(member_id))


_GROUPS_OF = Prepared(lambda member_id: Group.select().join(GroupMember).where(GroupMember.member == member_id))


def recent_marks(member_id, group_ids, limit=100):
    """The member's marks in these groups, newest first: dicts with state, local_date, meeting_id
    and group_name."""
    return list(_RECENT_MARKS.rows(member_id, list(group_ids), limit))


_RECENT_MARKS = Prepared(lambda member_id, group_ids, limit: Attendance.select(
    Attendance.state, Meeting.local_date, Meeting.id.alias("meeting_id"), Group.name.alias("group_name"))
    .join(Meeting, on=(Attendance.meeting == Meeting.id))
    .join(Group, on=(Meeting.group == Group.id))
    .where(Attendance.member == member_id, Meeting.group.in_(group_ids))
    .order_by(Meeting.local_date.desc()).limit(limit).dicts())


def in_group(member_id, group_id):
    """The member when they belong (or belonged) to the group, else None."""
    return _IN_GROUP.first(member_id, group_id)


_IN_GROUP = Prepared(lambda member_id, group_id: Member.select().join(GroupMember, on=(GroupMember.member == Member.id))
                     .where(Member.id == member_id, GroupMember.group == group_id).limit(1))


def name_taken(group_id, name):
    """Whether someone in the group (archived people aside) has this name, whatever its case."""
    names = (Member.select(Member.name).join(GroupMember, on=(GroupMember.member == Member.id))
             .where(GroupMember.group == group_id, ~Member.archived))
    return any(row.name.casefold() == name.casefold() for row in names)


def add_member(group_id, fields):
    """A new person on a group's roster; fields are Member columns (joined_on included)."""
    with write_transaction():
        member = Member.create(**fields)
        GroupMember.create(group=group_id, member=member.id, joined_on=member.joined_on)
    return member


def names_in(group_ids):
    """{(group id, casefolded name)} of everyone in these groups (archived people aside): a name
    already there is a duplicate, as name_taken says for one group."""
    rows = (Member.select(Member.name, GroupMember.group).join(GroupMember, on=(GroupMember.member == Member.id))
            .where(GroupMember.group.in_(list(group_ids)), ~Member.archived).tuples())
    return {(group_id, name.casefold()) for name, group_id in rows}


def read_roster(data):
    """A CSV roster (UTF-8, with or without BOM; commas or semicolons, as spreadsheets save it) as
    [(line number, {column: text}), ...] for the columns in IMPORT_COLUMNS."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterFileError(_l("This file is not UTF-8 text. In your spreadsheet, save it as \"CSV UTF-8\".")) from None
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # newline="": a carriage return alone ends a line, as csv expects (not an error in a cell).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _roster_rows(reader)
    except csv.Error:  # a cell past the reader's size limit
        raise RosterFileError(_l("The request could not be understood. Please go back and try again.")) from None


def _roster_rows(reader):
    header = [cell.strip().casefold() for cell in next(reader, [])]
    where = {column: next((header.index(name) for name in names if name in header), None)
             for column, names in IMPORT_COLUMNS.items()}
    if where["name"] is None:
        raise RosterFileError(_l("The first line must name the columns, with at least a \"name\" column."))
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == IMPORT_MAX_ROWS:
            raise RosterFileError(_l("A file may hold at most %(count)d people.", count=IMPORT_MAX_ROWS))
        rows.append((reader.line_num, {column: (cells[i].strip() if i is not None and i < len(cells) else "")
                                       for column, i in where.items()}))
    if not rows:
        raise RosterFileError(_l("This file names no one."))
    return rows


def import_roster(people):
    """[(fields, [group id, ...]), ...]: every person on their groups' rosters, all or none."""
    with write_transaction():
        for fields, group_ids in people:
            member = add_member(group_ids[0], fields)
            for group_id in group_ids[1:]:
                GroupMember.create(group=group_id, member=member.id, joined_on=member.joined_on)
    return len(people)


def add_newcomer(meeting, name, locale, user_id):
    """Create the person, add them to the meeting's group and mark them present, in one transaction."""
    with write_transaction():
        member = add_member(meeting.group_id, {"name": name, "locale": locale, "joined_on": meeting.local_date})
        attendance.set_mark(meeting, member.id, "present", user_id)
    return member.id


def join_group(member_id, group_id, today=None):
    """Put the person on the group's roster (again, when they had left it)."""
    with write_transaction():
        membership = GroupMember.get_or_none(GroupMember.group == group_id, GroupMember.member == member_id)
        if membership is None:
            GroupMember.create(group=group_id, member=member_id, joined_on=today or datetime.date.today())
        else:
            GroupMember.update(active=True).where(GroupMember.id == membership.id).execute()


def leave_group(member_id, group_id):
    """Take the person off the group's roster; their attendance there is kept."""
    GroupMember.update(active=False).where(GroupMember.group == group_id, GroupMember.member == member_id).execute()


def update_member(member_id, fields):
    Member.update(**fields).where(Member.id == member_id).execute()


def set_archived(member_id, archived):
    Member.update(archived=archived).where(Member.id == member_id).execute()


def merge(source, target):
    """Move memberships and attendance from source to target; where both were marked at the same
    meeting, present wins. The source stays as an archived pointer to the target."""
    with write_transaction():
        for membership in GroupMember.select().where(GroupMember.member == source.id):
            existing = GroupMember.get_or_none(GroupMember.group == membership.group_id, GroupMember.member == target.id)
            if existing is None:
                GroupMember.update(member=target.id).where(GroupMember.id == membership.id).execute()
            else:
                GroupMember.update(joined_on=min(existing.joined_on, membership.joined_on),
                                   active=existing.active or membership.active).where(GroupMember.id == existing.id).execute()
                membership.delete_instance()
        for mark in Attendance.select().where(Attendance.member == source.id):
            existing = Attendance.get_or_none(Attendance.meeting == mark.meeting_id, Attendance.member == target.id)
            if existing is None:
                Attendance.update(member=target.id).where(Attendance.id == mark.id).execute()
            else:
                if mark.state == "present" and existing.state != "present":
                    Attendance.update(state="present").where(Attendance.id == existing.id).execute()
                mark.delete_instance()
        AttendanceChange.update(member=target.id).where(AttendanceChange.member == source.id).execute()
        # Acceptances and withdrawals belong to the person, whichever record they were given on.
        Consent.update(member=target.id).where(Consent.member == source.id).execute()
        AgreementLink.update(member=target.id).where(AgreementLink.member == source.id).execute()
        Member.update(archived=True, merged_into=target.id).where(Member.id == source.id).execute()
        Member.update(joined_on=min(source.joined_on, target.joined_on)).where(Member.id == target.id).execute()
