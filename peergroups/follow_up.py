"""Follow-up that leads to action: the notes leaders keep each time they contact someone the group
has not seen, and the next step a row offers. Flask-free: views/groups.py calls these; who may see
contact details is security.py's to decide."""
from peewee import JOIN

from .db import Prepared
from .models import ContactNote, User
from .sharing import tel_href

NOTE_MAX = 280


def record(member_id, group_id, contacted_on, how, outcome, note, user_id):
    return ContactNote.create(member=member_id, group=group_id, contacted_on=contacted_on, how=how,
                              outcome=outcome, note=note.strip()[:NOTE_MAX], by=user_id)


def latest(group_id, member_ids):
    """{member id: their latest contact note in this group, with by_name}, one query."""
    if not member_ids:
        return {}
    return {note.member_id: note for note in _LATEST.rows(group_id, list(member_ids))}  # the last one wins


_LATEST = Prepared(lambda group_id, member_ids: ContactNote.select(ContactNote, User.name.alias("by_name"))
                   .join(User, on=(ContactNote.by == User.id), join_type=JOIN.LEFT_OUTER)
                   .where(ContactNote.group == group_id, ContactNote.member.in_(member_ids))
                   .order_by(ContactNote.contacted_on, ContactNote.id).objects())


def ways_to_reach(phone, email):
    """[(how, href), ...] for the contact details a person gave: call, text and WhatsApp for a phone
    number, email for an address."""
    ways = []
    digits = tel_href(phone or "")[len("tel:"):]
    if len(digits.lstrip("+")) >= 3:
        ways += [("call", f"tel:{digits}"), ("text", f"sms:{digits}")]
        if digits.startswith("+"):  # WhatsApp needs the international number
            ways.append(("whatsapp", f"https://wa.me/{digits.lstrip('+')}"))
    if email:
        ways.append(("email", f"mailto:{email}"))
    return ways
