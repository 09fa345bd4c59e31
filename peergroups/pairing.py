"""Mentor pairing in the database: who waits for a mentor, who could mentor, proposing and the
pairing lifecycle, check-ins, overdue pairings. No Flask: the views and the demo share it; the
scoring and the optimal assignment are matching.py's."""
import datetime

from peewee import Case, IntegrityError, fn

from . import matching
from .attendance import _as_date, local_today
from .db import Prepared, write_transaction
from .models import (
    OPEN_PAIRING_STATES, Attendance, CheckIn, GroupMember, Meeting, Member, MentorProfile,
    NewcomerPreference, Pairing, split_codes, utcnow,
)

RELIABILITY_DAYS = 90  # how far back a mentor's attendance rate looks


class Refused(Exception):
    """A pairing change that must not happen. `code` names why; the views translate it:
    self, mentor_unavailable, taken, capacity, language, state."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def open_pairings():
    return Pairing.status.in_(OPEN_PAIRING_STATES)


def waiting_newcomers(group_id, window_days, today):
    """Newcomers of the group (first present there within the window) without an open pairing,
    the longest wait first: dicts with id, name, locale and since (first present date)."""
    rows = _WAITING.rows(group_id, today - datetime.timedelta(days=window_days))
    return [{**row, "since": _as_date(row["since"])} for row in rows]


def _waiting(group_id, earliest):
    first = (Attendance.select(Attendance.member, fn.MIN(Meeting.local_date).alias("since"))
             .join(Meeting, on=(Attendance.meeting == Meeting.id))
             .where(Meeting.group == group_id, Attendance.state == "present")
             .group_by(Attendance.member)
             .having(fn.MIN(Meeting.local_date) >= earliest)
             .alias("first"))
    # Looked up per newcomer in the pairing's newcomer index, not a list of all the organization's.
    paired = Pairing.select(Pairing.id).where(Pairing.newcomer == Member.id, open_pairings())
    return (Member.active_in(group_id, Member.id, Member.name, Member.locale, first.c.since.alias("since"))
            .join(first, on=(first.c.member_id == Member.id), src=Member)
            .where(~fn.EXISTS(paired))
            .order_by(first.c.since, fn.LOWER(Member.name), Member.id).dicts())


_WAITING = Prepared(_waiting)


def waiting_in(group, window_days):
    """waiting_newcomers of the group as of today in its time zone."""
    return waiting_newcomers(group.id, window_days, local_today(group.timezone))


def first_present(member_id, group_id):
    value = (Attendance.select(fn.MIN(Meeting.local_date)).join(Meeting, on=(Attendance.meeting == Meeting.id))
             .where(Meeting.group == group_id, Attendance.member == member_id, Attendance.state == "present")
             .scalar())
    return _as_date(value)


def _active_groups(member_ids):
    groups = {}
    for row in GroupMember.select(GroupMember.member, GroupMember.group).where(
            GroupMember.member.in_(member_ids), GroupMember.active):
        groups.setdefault(row.member_id, set()).add(row.group_id)
    return groups


def newcomer_needs(newcomers, today):
    """matching.NewcomerNeeds for dicts with id, locale and since; two queries for any number.
    Without preferences, the newcomer's own language is what they need."""
    ids = [n["id"] for n in newcomers]
    prefs = {p.member_id: p for p in NewcomerPreference.select().where(NewcomerPreference.member.in_(ids))}
    groups = _active_groups(ids)
    needs = []
    for n in newcomers:
        pref = prefs.get(n["id"])
        languages = split_codes(pref.languages) if pref else []
        needs.append(matching.NewcomerNeeds(
            id=n["id"], languages=frozenset(languages or [n["locale"]]), waiting_since=n["since"] or today,
            preferred_gender=(pref.preferred_gender or None) if pref else None,
            focus_areas=frozenset(split_codes(pref.focus_areas) if pref else []),
            availability=frozenset(split_codes(pref.availability) if pref else []),
            group_ids=frozenset(groups.get(n["id"], ()))))
    return needs


def mentor_loads(member_ids):
    """Open pairings per mentor (proposed ones count: a proposal must not overbook anyone)."""
    return dict(Pairing.select(Pairing.mentor, fn.COUNT(Pairing.id))
                .where(Pairing.mentor.in_(member_ids), open_pairings())
                .group_by(Pairing.mentor).tuples())


def attendance_rates(member_ids, today):
    present = fn.SUM(Case(None, [(Attendance.state == "present", 1)], 0))
    rows = (Attendance.select(Attendance.member, present, fn.COUNT(Attendance.id))
            .join(Meeting, on=(Attendance.meeting == Meeting.id))
            .where(Attendance.member.in_(member_ids),
                   Meeting.local_date >= today - datetime.timedelta(days=RELIABILITY_DAYS))
            .group_by(Attendance.member).tuples())
    return {member: (came or 0) / total for member, came, total in rows if total}


def mentor_candidates(group_ids, today):
    """matching.MentorCandidate of every willing mentor on the roster of one of the groups, with
    their load, groups and attendance rate: four queries whatever the number of mentors."""
    on_roster = Member.active_in(list(group_ids), Member.id)
    rows = list(MentorProfile.select(MentorProfile).where(MentorProfile.willing, MentorProfile.member.in_(on_roster)))
    ids = [row.member_id for row in rows]
    loads, groups, rates = mentor_loads(ids), _active_groups(ids), attendance_rates(ids, today)
    return [matching.MentorCandidate(
        id=row.member_id, languages=frozenset(split_codes(row.languages)),
        focus_areas=frozenset(split_codes(row.focus_areas)), availability=frozenset(split_codes(row.availability)),
        gender=row.gender or None, group_ids=frozenset(groups.get(row.member_id, ())), capacity=row.capacity,
        active_mentees=loads.get(row.member_id, 0), attendance_rate=rates.get(row.member_id, 0.0),
        in_recovery_since=row.in_recovery_since) for row in rows]


def names(member_ids):
    return dict(Member.select(Member.id, Member.name).where(Member.id.in_(list(member_ids))).tuples())


def propose(pairs, group_id, user_id, allow_language_mismatch=False):
    """Create proposed pairings for (newcomer_id, mentor_id) pairs, all or none: the first refused
    pair raises Refused and nothing is saved. Checks read inside the write transaction."""
    try:
        with write_transaction():
            created = [_propose(newcomer_id, mentor_id, group_id, user_id, allow_language_mismatch)
                       for newcomer_id, mentor_id in pairs]
    except IntegrityError:  # another phone proposed for the same newcomer a moment earlier
        raise Refused("taken") from None
    return created


def _propose(newcomer_id, mentor_id, group_id, user_id, allow_language_mismatch):
    if newcomer_id == mentor_id:
        raise Refused("self")
    profile = (MentorProfile.select(MentorProfile).join(Member, on=(MentorProfile.member == Member.id))
               .where(MentorProfile.member == mentor_id, MentorProfile.willing, ~Member.archived).first())
    if profile is None:
        raise Refused("mentor_unavailable")
    if Pairing.select().where(Pairing.newcomer == newcomer_id, open_pairings()).exists():
        raise Refused("taken")
    if mentor_loads([mentor_id]).get(mentor_id, 0) >= profile.capacity:
        raise Refused("capacity")
    newcomer = Member.get_by_id(newcomer_id)
    pref = NewcomerPreference.get_or_none(NewcomerPreference.member == newcomer_id)
    wanted = set(split_codes(pref.languages) if pref else []) or {newcomer.locale}
    if not allow_language_mismatch and wanted.isdisjoint(split_codes(profile.languages)):
        raise Refused("language")
    return Pairing.create(newcomer=newcomer_id, mentor=mentor_id, group=group_id, created_by=user_id)


def activate(pairing_id, consent):
    """Both agreed: the pairing becomes active, recording whether they consented to share contact
    details. Refused when it is no longer proposed or the mentor was archived meanwhile."""
    with write_transaction():
        pairing = Pairing.get_by_id(pairing_id)
        if pairing.status != "proposed":
            raise Refused("state")
        if Member.get_by_id(pairing.mentor_id).archived:
            raise Refused("mentor_unavailable")
        Pairing.update(status="active", activated_at=utcnow(), consent_to_share_contact=bool(consent)).where(
            Pairing.id == pairing_id).execute()


def end(pairing_id, reason, status="ended"):
    """End a proposed or active pairing, with a reason; status "rematched" frees the newcomer for
    another mentor. The conditional update makes a second click a refusal, not a second end."""
    changed = (Pairing.update(status=status, ended_at=utcnow(), end_reason=reason)
               .where(Pairing.id == pairing_id, open_pairings()).execute())
    if not changed:
        raise Refused("state")


def add_check_in(pairing_id, date, kind, note, user_id):
    with write_transaction():
        if Pairing.get_by_id(pairing_id).status != "active":
            raise Refused("state")
        return CheckIn.create(pairing=pairing_id, date=date, kind=kind, note=note, by=user_id)


def pairing_rows(*where):
    """Pairings with both names and the last check-in date, newest first: one query."""
    return _as_rows(_pairings(*where))


def _as_rows(query):
    return [{**row, "group_id": row.pop("group"), "newcomer_id": row.pop("newcomer"),
             "mentor_id": row.pop("mentor"), "last_check_in": _as_date(row["last_check_in"])} for row in query]


def _pairings(*where):
    newcomer, mentor = Member.alias("newcomer"), Member.alias("mentor")
    # Each listed pairing's latest check-in, looked up in the (pairing, date) index: a table of every
    # pairing's latest, joined instead, read all the organization's check-ins on every visit.
    last = CheckIn.select(fn.MAX(CheckIn.date)).where(CheckIn.pairing == Pairing.id)
    query = (Pairing.select(Pairing.id, Pairing.status, Pairing.group, Pairing.newcomer, Pairing.mentor,
                            Pairing.created_at, Pairing.activated_at, Pairing.ended_at, Pairing.end_reason,
                            newcomer.name.alias("newcomer_name"), mentor.name.alias("mentor_name"),
                            last.alias("last_check_in"))
             .join(newcomer, on=(Pairing.newcomer == newcomer.id))
             .join(mentor, on=(Pairing.mentor == mentor.id), src=Pairing)
             .where(*where).order_by(Pairing.created_at.desc(), Pairing.id.desc()).dicts())
    return query


# The two that pages show on every visit (follow-up, a member's page), compiled once.
_ACTIVE_IN_GROUP = Prepared(lambda group_id: _pairings(Pairing.group == group_id, Pairing.status == "active"))
_OF_MEMBER = Prepared(lambda group_ids, member_id: _pairings(
    Pairing.group.in_(group_ids), (Pairing.mentor == member_id) | (Pairing.newcomer == member_id)))


def overdue(group_id, days, today):
    """Active pairings of the group without a check-in for `days` days (counted from activation
    when there was none yet)."""
    cutoff = today - datetime.timedelta(days=days)
    rows = _as_rows(_ACTIVE_IN_GROUP.rows(group_id))
    return [row for row in rows if (row["last_check_in"] or row["activated_at"].date()) < cutoff]


def check_ins(pairing_id):
    return list(CheckIn.select().where(CheckIn.pairing == pairing_id).order_by(CheckIn.date.desc(), CheckIn.id.desc()))


def mentor_profile_of(member_id):
    return _PROFILE.first(member_id)


def preference_of(member_id):
    return _PREFERENCE.first(member_id)


_PROFILE = Prepared(lambda member_id: MentorProfile.select().where(MentorProfile.member == member_id).limit(1))
_PREFERENCE = Prepared(lambda member_id: NewcomerPreference.select().where(NewcomerPreference.member == member_id)
                       .limit(1))


def save_profile(model, member_id, values):
    """Insert or update the member's one row of `model` (MentorProfile or NewcomerPreference)."""
    with write_transaction():
        if model.select().where(model.member == member_id).exists():
            model.update(**values, updated_at=utcnow()).where(model.member == member_id).execute()
        else:
            model.create(member=member_id, **values)


def member_section(member_id, group_ids):
    """The mentoring part of a member's page: profile, preferences, load and pairing history in
    the groups the viewer may see."""
    rows = _as_rows(_OF_MEMBER.rows(list(group_ids), member_id))
    as_mentor = [r for r in rows if r["mentor_id"] == member_id]
    return {"profile": mentor_profile_of(member_id), "preference": preference_of(member_id),
            "as_mentor": as_mentor, "as_newcomer": [r for r in rows if r["newcomer_id"] == member_id],
            "load": sum(r["status"] in OPEN_PAIRING_STATES for r in as_mentor)}
