"""Members: finding them, their page, adding them to groups, editing, archiving, merging two
records. Flask-free: views/members.py and views/meetings.py call these; who may see which groups
is security.py's to decide, and the caller passes those groups in."""
import datetime

from peewee import fn

from . import attendance
from .db import write_transaction
from .models import AgreementLink, Attendance, AttendanceChange, Consent, Group, GroupMember, Meeting, Member

SEARCH_LIMIT = 200


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
    return list(Group.select().join(GroupMember).where(GroupMember.member == member_id))


def recent_marks(member_id, group_ids, limit=100):
    """The member's marks in these groups, newest first: dicts with state, local_date, meeting_id
    and group_name."""
    return list(Attendance.select(Attendance.state, Meeting.local_date, Meeting.id.alias("meeting_id"),
                                  Group.name.alias("group_name"))
                .join(Meeting, on=(Attendance.meeting == Meeting.id))
                .join(Group, on=(Meeting.group == Group.id))
                .where(Attendance.member == member_id, Meeting.group.in_(group_ids))
                .order_by(Meeting.local_date.desc()).limit(limit).dicts())


def in_group(member_id, group_id):
    """The member when they belong (or belonged) to the group, else None."""
    return (Member.select().join(GroupMember, on=(GroupMember.member == Member.id))
            .where(Member.id == member_id, GroupMember.group == group_id).first())


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
