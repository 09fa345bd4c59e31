"""Agreements and consent: admins write versioned agreements with text per language; facilitators
record members' acceptances and withdrawals (or a member accepts on their own phone through a
one-time link). A member's status is derived from their latest Consent row per agreement."""
import datetime
import json

from peewee import fn

from .accounts import new_token, token_hash
from .db import Prepared, lock_row, write_transaction
from .models import (
    Agreement, AgreementLink, AgreementVersion, Consent, GroupAgreement, GroupMember, Member, utcnow,
)

TITLE_MAX = 120
BODY_MAX = 20000
LINK_LIFETIME = datetime.timedelta(hours=2)


class Refused(Exception):
    """Nothing was written. code: old_version, used, expired."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


# Agreements and versions ---------------------------------------------------------------------

def agreements(include_archived=False):
    """Every agreement with its current version number (one query)."""
    return list(_AGREEMENTS[bool(include_archived)].rows())


def _agreements(include_archived):
    current = fn.MAX(AgreementVersion.number).alias("current")
    query = (Agreement.select(Agreement, current).join(AgreementVersion, on=(AgreementVersion.agreement == Agreement.id))
             .group_by(Agreement.id).order_by(Agreement.title))
    return query if include_archived else query.where(~Agreement.archived)


_AGREEMENTS = {everything: Prepared(lambda everything=everything: _agreements(everything)) for everything in (True, False)}


def get_agreement(agreement_id):
    return Agreement.get_or_none(Agreement.id == agreement_id)


def current_version(agreement_id):
    return (AgreementVersion.select().where(AgreementVersion.agreement == agreement_id)
            .order_by(AgreementVersion.number.desc()).first())


def get_version(agreement_id, version_id):
    """A version of this agreement, or None."""
    return AgreementVersion.get_or_none(AgreementVersion.id == version_id, AgreementVersion.agreement == agreement_id)


def link_version(link):
    return AgreementVersion.get_by_id(link.version_id)


def link_member(link):
    return Member.get_by_id(link.member_id)


def texts_of(version):
    return json.loads(version.texts)


def text_in(version, locale):
    """(locale, title, body) of the version in this language, or in its fallback language."""
    texts = texts_of(version)
    code = str(locale) if str(locale) in texts else version.fallback_locale
    return code, texts[code]["title"], texts[code]["body"]


def versions(agreement_id):
    """The versions, newest first, each with how many acceptances were given for it."""
    accepted = (Consent.select(Consent.version, fn.COUNT(Consent.id).alias("n"))
                .where(Consent.agreement == agreement_id, Consent.action == "accepted").group_by(Consent.version))
    counts = {row.version_id: row.n for row in accepted}
    rows = list(AgreementVersion.select().where(AgreementVersion.agreement == agreement_id)
                .order_by(AgreementVersion.number.desc()))
    for row in rows:
        row.acceptances = counts.get(row.id, 0)
    return rows


def _clean(texts):
    return {code: {"title": t.strip(), "body": b.strip()} for code, (t, b) in texts.items() if t.strip() and b.strip()}


def create_agreement(title, shares_contact, fallback_locale, texts, user_id):
    """texts: {locale: (title, body)}; the fallback language's text must be there (the form checks)."""
    with write_transaction():
        agreement = Agreement.create(title=title.strip(), shares_contact=bool(shares_contact))
        AgreementVersion.create(agreement=agreement, number=1, fallback_locale=fallback_locale,
                                texts=json.dumps(_clean(texts), ensure_ascii=False), created_by=user_id)
    return agreement


def save_version(agreement_id, title, shares_contact, fallback_locale, texts, user_id):
    """A new version when the text changed (older versions and their acceptances stay as they
    were); the admins' title and the contact flag are changed in place. True when a version was added."""
    with write_transaction():
        lock_row(Agreement, agreement_id)
        Agreement.update(title=title.strip(), shares_contact=bool(shares_contact)).where(
            Agreement.id == agreement_id).execute()
        current = current_version(agreement_id)
        cleaned = _clean(texts)
        if current and texts_of(current) == cleaned and current.fallback_locale == fallback_locale:
            return False
        AgreementVersion.create(agreement=agreement_id, number=(current.number if current else 0) + 1,
                                fallback_locale=fallback_locale, texts=json.dumps(cleaned, ensure_ascii=False),
                                created_by=user_id)
        return True


def set_archived(agreement_id, archived):
    Agreement.update(archived=archived).where(Agreement.id == agreement_id).execute()


# Which agreements a group expects --------------------------------------------------------------

def expected_ids(group_id):
    return {row.agreement_id for row in GroupAgreement.select(GroupAgreement.agreement)
            .where(GroupAgreement.group == group_id)}


def set_expected(group_id, agreement_ids):
    with write_transaction():
        GroupAgreement.delete().where(GroupAgreement.group == group_id).execute()
        for agreement_id in sorted(set(agreement_ids)):
            GroupAgreement.create(group=group_id, agreement=agreement_id)


def _current_versions(agreement_ids):
    """{agreement_id: current version id} for these agreements, in one query."""
    return {agreement_id: version_id for version_id, agreement_id in _CURRENT.rows(list(agreement_ids) or [0])}


def _current(agreement_ids):
    newest = (AgreementVersion.select(AgreementVersion.agreement, fn.MAX(AgreementVersion.number).alias("n"))
              .where(AgreementVersion.agreement.in_(agreement_ids)).group_by(AgreementVersion.agreement))
    return (AgreementVersion.select(AgreementVersion.id, AgreementVersion.agreement)
            .join(newest, on=((AgreementVersion.agreement == newest.c.agreement_id)
                              & (AgreementVersion.number == newest.c.n))).tuples())


_CURRENT = Prepared(_current)


def _latest(member_ids, agreement_ids):
    """{(member_id, agreement_id): the latest Consent row} (the highest id is the latest)."""
    if not agreement_ids:
        return {}
    rows = _LATEST.rows(list(agreement_ids), list(member_ids))
    return {(row.member_id, row.agreement_id): row for row in rows}


_LATEST = Prepared(lambda agreement_ids, member_ids: Consent.select().where(Consent.id.in_(
    Consent.select(fn.MAX(Consent.id)).where(Consent.agreement.in_(agreement_ids), Consent.member.in_(member_ids))
    .group_by(Consent.member, Consent.agreement))))


def pending(group_id, member_ids=None):
    """{member_id: [agreement ids]} for the group's active members who have not accepted the
    current version of an agreement the group expects (a withdrawal counts as not accepted). One
    statement: it runs for every meeting screen and every mark."""
    result, wanted = {}, None if member_ids is None else set(member_ids)
    for member_id, agreement_id in _PENDING.rows(group_id):
        if wanted is None or member_id in wanted:
            result.setdefault(member_id, []).append(agreement_id)
    return result


def _pending(group_id):
    latest, version = Consent.alias(), AgreementVersion.alias()
    newest = latest.select(fn.MAX(latest.id)).where(latest.member == Member.id,
                                                    latest.agreement == GroupAgreement.agreement)
    current = (version.select(version.id).where(version.agreement == GroupAgreement.agreement)
               .order_by(version.number.desc()).limit(1))
    accepted = Consent.select(Consent.id).where(Consent.id == newest, Consent.action == "accepted",
                                                Consent.version == current)
    query = (Member.active_in(group_id, Member.id.alias("member_id"), GroupAgreement.agreement.alias("agreement_id"))
             .join(GroupAgreement, on=(GroupAgreement.group == GroupMember.group))
             .join(Agreement, on=(Agreement.id == GroupAgreement.agreement))
             .where(~Agreement.archived, ~fn.EXISTS(accepted))
             .order_by(Member.id, GroupAgreement.agreement))
    return query.tuples()


_PENDING = Prepared(_pending)


def _accepts(row, version_id):
    return row is not None and row.action == "accepted" and row.version_id == version_id


def member_status(member_id):
    """Every agreement (not archived) with the member's latest row and whether it covers the
    current version: a list of dicts (agreement, current, latest, accepted)."""
    items = agreements()
    current = _current_versions([a.id for a in items])
    latest = _latest([member_id], [a.id for a in items])
    return [{"agreement": a, "current": current[a.id], "latest": latest.get((member_id, a.id)),
             "accepted": _accepts(latest.get((member_id, a.id)), current[a.id])} for a in items]


def history(member_id, agreement_id):
    """The member's acceptances and withdrawals of one agreement, newest first, with version numbers."""
    return list(Consent.select(Consent, AgreementVersion.number.alias("number"))
                .join(AgreementVersion, on=(Consent.version == AgreementVersion.id))
                .where(Consent.member == member_id, Consent.agreement == agreement_id)
                .order_by(Consent.id.desc()).objects())


def contact_withdrawn(member_ids):
    """Members (of these) whose latest word on an agreement about sharing contact details is a withdrawal."""
    sharing = [a.id for a in Agreement.select(Agreement.id).where(Agreement.shares_contact)]
    return {member for (member, _a), row in _latest(list(member_ids), sharing).items() if row.action == "withdrawn"}


# Recording -------------------------------------------------------------------------------------

def record(member_id, version_id, action, method, given_on, user_id):
    """Record an acceptance or a withdrawal. Accepting needs the current version (Refused
    "old_version"); a second acceptance of the same version, or withdrawing what is not accepted,
    changes nothing. True when a row was written."""
    with write_transaction():
        version = AgreementVersion.get_by_id(version_id)
        lock_row(Agreement, version.agreement_id)
        if action == "accepted" and current_version(version.agreement_id).id != version.id:
            raise Refused("old_version")
        latest = _latest([member_id], [version.agreement_id]).get((member_id, version.agreement_id))
        accepted = latest is not None and latest.action == "accepted"
        if (action == "accepted" and _accepts(latest, version.id)) or (action == "withdrawn" and not accepted):
            return False
        Consent.create(member=member_id, agreement=version.agreement_id,
                       version=latest.version_id if action == "withdrawn" else version.id,
                       action=action, method=method, given_on=given_on, recorded_by=user_id)
        return True


def make_link(member_id, version_id, user_id, now=None):
    """A one-time link for the member's own phone: the token to show (only its hash is stored)."""
    token, digest = new_token()
    now = now or utcnow()
    AgreementLink.create(token_hash=digest, member=member_id, version=version_id, created_by=user_id,
                         created_at=now, expires_at=now + LINK_LIFETIME)
    return token


def find_link(token):
    if not token or len(token) > 64:
        return None
    return AgreementLink.get_or_none(AgreementLink.token_hash == token_hash(token))


def link_problem(link, now=None):
    """Why a link cannot be used now (a Refused code), or None."""
    if link.used_at is not None:
        return "used"
    if link.expires_at <= (now or utcnow()):
        return "expired"
    return None


def accept_by_link(link, given_on, now=None):
    """The member accepted on their own phone: the link is spent and the acceptance written in one
    transaction; a second tap (or a second phone) finds it spent and is refused."""
    now = now or utcnow()
    with write_transaction():
        spent = (AgreementLink.update(used_at=now)
                 .where(AgreementLink.id == link.id, AgreementLink.used_at.is_null(), AgreementLink.expires_at > now)
                 .execute())
        if not spent:
            raise Refused(link_problem(AgreementLink.get_by_id(link.id), now) or "used")
        record(link.member_id, link.version_id, "accepted", "phone", given_on, link.created_by_id)
