"""The audit log: who did what, when, to which record. Sensitive actions call record(); admins read
it on /admin/audit; prune() keeps it for AUDIT_RETENTION_DAYS. An event holds a code, the acting
account, a record id and at most a short detail such as a role code, never the data itself
(no names, contact details, notes or survey answers)."""
import datetime

from peewee import JOIN

from .db import Prepared
from .models import AuditEvent, User, utcnow

PAGE_SIZE = 200


def record(action, user_id, target_id=None, detail=""):
    _RECORD.run(utcnow(), action, user_id, target_id, detail[:200])


# Prepared: the member page records every view of contact details.
_RECORD = Prepared(lambda at, action, user_id, target_id, detail: AuditEvent.insert(
    at=at, action=action, user=user_id, target_id=target_id, detail=detail))


def events(action=None, user_id=None, since=None, until=None, limit=PAGE_SIZE):
    """The newest events first, filtered; each with its user (None once the account is gone)."""
    query = (AuditEvent.select(AuditEvent, User).join(User, join_type=JOIN.LEFT_OUTER, on=(AuditEvent.user == User.id))
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if action:
        query = query.where(AuditEvent.action == action)
    if user_id:
        query = query.where(AuditEvent.user == user_id)
    if since:
        query = query.where(AuditEvent.at >= datetime.datetime.combine(since, datetime.time()))
    if until:
        query = query.where(AuditEvent.at < datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time()))
    return list(query.limit(limit))


def actors():
    """Accounts that appear in the log, for the filter."""
    return list(User.select().where(User.id.in_(AuditEvent.select(AuditEvent.user))).order_by(User.name))


def prune(days, now=None):
    """Delete events older than DAYS; returns how many went."""
    cutoff = (now or utcnow()) - datetime.timedelta(days=days)
    return AuditEvent.delete().where(AuditEvent.at < cutoff).execute()
