"""Erasing a member on request: their name, contact details, pronouns, language, mentor profile,
preferences, pairings and check-in notes go; their attendance marks stay, attached to an anonymous
record, so every count and rate stays true. The erasure is logged without the erased data."""
import datetime

from . import audit
from .db import lock_row, write_transaction
from .models import (
    Attendance, CheckIn, ContactNote, GroupMember, Meeting, Member, MentorProfile, NewcomerPreference, Pairing, utcnow,
)

ERASED_NAME = "—"  # shown where a past meeting lists the record; language-neutral on purpose


class ErasureRefused(Exception):
    """Erasing now would leave someone else in the dark (an active mentor pairing)."""


def records_of(member_id):
    """The member and every record merged into them (a merge keeps the old record as a pointer)."""
    ids, frontier = {member_id}, [member_id]
    while frontier:
        merged = [m.id for m in Member.select(Member.id).where(Member.merged_into.in_(frontier))]
        frontier = [i for i in merged if i not in ids]
        ids.update(frontier)
    return sorted(ids)


def active_pairings(member_ids):
    return Pairing.select().where((Pairing.newcomer.in_(member_ids)) | (Pairing.mentor.in_(member_ids)),
                                  Pairing.status == "active")


def erase_member(member_id, by_user_id):
    """Erase the member (and the records merged into them). Raises ErasureRefused while one of
    them is in an active mentor pairing: end it first, so the other person knows."""
    with write_transaction():
        lock_row(Member, member_id)  # a second erasure of the same member waits, then finds it done
        if Member.get_by_id(member_id).erased_at is not None:
            return False  # already done (two prune runs at once, a double click)
        ids = records_of(member_id)
        if active_pairings(ids).exists():
            raise ErasureRefused
        pairings = Pairing.select(Pairing.id).where((Pairing.newcomer.in_(ids)) | (Pairing.mentor.in_(ids)))
        CheckIn.delete().where(CheckIn.pairing.in_(pairings)).execute()
        Pairing.delete().where(Pairing.id.in_([p.id for p in pairings])).execute()
        MentorProfile.delete().where(MentorProfile.member.in_(ids)).execute()
        NewcomerPreference.delete().where(NewcomerPreference.member.in_(ids)).execute()
        ContactNote.delete().where(ContactNote.member.in_(ids)).execute()  # follow-up notes about them
        GroupMember.update(active=False).where(GroupMember.member.in_(ids)).execute()
        for member in Member.select(Member.id, Member.joined_on).where(Member.id.in_(ids)):
            Member.update(name=ERASED_NAME, pronouns="", phone="", email="", locale="en", archived=True,
                          joined_on=datetime.date(member.joined_on.year, member.joined_on.month, 1),
                          erased_at=utcnow()).where(Member.id == member.id).execute()
        audit.record("member.erase", by_user_id, target_id=member_id)
    return True


def _months_ago(months, today):
    month = today.year * 12 + today.month - 1 - months
    return datetime.date(month // 12, month % 12 + 1, min(today.day, 28))


def inactive_since(cutoff):
    """Members (not merged away, not erased) with no present mark on or after CUTOFF and created
    before it: the retention rule's candidates."""
    seen = (Attendance.select(Attendance.member).join(Meeting, on=(Attendance.meeting == Meeting.id))
            .where(Attendance.state == "present", Meeting.local_date >= cutoff))
    return Member.select().where(Member.merged_into.is_null(), Member.erased_at.is_null(),
                                 Member.created_at < datetime.datetime.combine(cutoff, datetime.time()),
                                 Member.id.not_in(seen))


def retention_plan(archive_months, erase_months, today=None):
    """(to archive, to erase, kept for an active pairing): members inactive for ARCHIVE_MONTHS are
    archived; archived ones inactive for ARCHIVE_MONTHS + ERASE_MONTHS are erased. 0 turns a step off."""
    today = today or datetime.date.today()
    to_archive = list(inactive_since(_months_ago(archive_months, today)).where(~Member.archived)) \
        if archive_months else []
    to_erase, kept = [], []
    if archive_months and erase_months:
        for member in inactive_since(_months_ago(archive_months + erase_months, today)).where(Member.archived):
            (kept if active_pairings(records_of(member.id)).exists() else to_erase).append(member)
    return to_archive, to_erase, kept


def apply_retention(archive_months, erase_months, today=None):
    """Apply the plan; safe to run twice at once (each step re-checks inside its transaction)."""
    to_archive, to_erase, kept = retention_plan(archive_months, erase_months, today)
    if to_archive:
        Member.update(archived=True).where(Member.id.in_([m.id for m in to_archive]), ~Member.archived).execute()
    erased = 0
    for member in to_erase:
        try:
            erased += erase_member(member.id, None)
        except ErasureRefused:
            kept.append(member)
    return len(to_archive), erased, kept
