"""Erasing a member on request: their name, contact details, pronouns, language, mentor profile,
preferences, pairings and check-in notes go; their attendance marks stay, attached to an anonymous
record, so every count and rate stays true. The erasure is logged without the erased data."""
import datetime

from . import audit
from .db import write_transaction
from .models import CheckIn, GroupMember, Member, MentorProfile, NewcomerPreference, Pairing, utcnow

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
        ids = records_of(member_id)
        if active_pairings(ids).exists():
            raise ErasureRefused
        pairings = Pairing.select(Pairing.id).where((Pairing.newcomer.in_(ids)) | (Pairing.mentor.in_(ids)))
        CheckIn.delete().where(CheckIn.pairing.in_(pairings)).execute()
        Pairing.delete().where(Pairing.id.in_([p.id for p in pairings])).execute()
        MentorProfile.delete().where(MentorProfile.member.in_(ids)).execute()
        NewcomerPreference.delete().where(NewcomerPreference.member.in_(ids)).execute()
        GroupMember.update(active=False).where(GroupMember.member.in_(ids)).execute()
        for member in Member.select(Member.id, Member.joined_on).where(Member.id.in_(ids)):
            Member.update(name=ERASED_NAME, pronouns="", phone="", email="", locale="en", archived=True,
                          joined_on=datetime.date(member.joined_on.year, member.joined_on.month, 1),
                          erased_at=utcnow()).where(Member.id == member.id).execute()
        audit.record("member.erase", by_user_id, target_id=member_id)
