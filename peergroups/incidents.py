"""Incidents and supervision: what a facilitator records when something happened at a meeting
(least data: aliases only, no clinical detail), its review by supervisors and admins, the log of
every view and change, counts for reports, and supervisors' check-ins with facilitators.

Who may see an incident is decided in security.may_see_incident; this module takes user ids."""
import datetime

from peewee import JOIN, SQL, fn

from .db import Prepared, is_sqlite, write_transaction
from .models import Group, Incident, IncidentEvent, IncidentNote, Supervision, User, utcnow

TEXT_MAX = 5000
SUPERVISION_DAYS = 60  # a facilitator whose last check-in is older (and no next date set) is overdue


def create(values, user_id):
    """values: group, meeting, occurred_at (naive UTC), category, what_happened, what_was_done,
    escalated_to, follow_up_on, members. The incident and its "created" event in one transaction."""
    with write_transaction():
        incident = Incident.create(recorded_by=user_id, **values)
        IncidentEvent.create(incident=incident, action="created", by=user_id)
    return incident


def visible(user_id, role, status=None):
    """The incidents this user may see, newest first, with their group's name: all of them for
    admins and supervisors, their own for a facilitator."""
    everyone = role in ("admin", "supervisor")
    return list(_VISIBLE.rows(None if everyone else user_id, status or None))


def _visible(recorded_by, status):
    query = (Incident.select(Incident, Group.name.alias("group_name"), User.name.alias("recorder_name"))
             .join(Group, on=(Incident.group == Group.id))
             .join(User, JOIN.LEFT_OUTER, on=(Incident.recorded_by == User.id), src=Incident)
             .order_by(Incident.occurred_at.desc(), Incident.id.desc()))
    if recorded_by is not None:
        query = query.where(Incident.recorded_by == recorded_by)
    if status is not None:
        query = query.where(Incident.status == status)
    return query.objects()


_VISIBLE = Prepared(_visible)


def overdue(user_id, role, today):
    """Open incidents whose follow-up date has passed: every one for admins and supervisors, the
    facilitator's own for a facilitator (their home page shows them)."""
    return [item for item in visible(user_id, role, "open") if item.follow_up_on and item.follow_up_on < today]


def record_view(incident_id, user_id):
    IncidentEvent.create(incident=incident_id, action="viewed", by=user_id)


def add_note(incident_id, text, user_id):
    with write_transaction():
        IncidentNote.create(incident=incident_id, text=text.strip(), by=user_id)
        IncidentEvent.create(incident=incident_id, action="noted", by=user_id)


def set_status(incident_id, status, user_id):
    """Close (or reopen) an incident; a second close changes nothing and logs nothing."""
    with write_transaction():
        changed = (Incident.update(status=status, closed_at=utcnow() if status == "closed" else None,
                                   closed_by=user_id if status == "closed" else None)
                   .where(Incident.id == incident_id, Incident.status != status).execute())
        if changed:
            IncidentEvent.create(incident=incident_id, action="closed" if status == "closed" else "reopened",
                                 by=user_id)
        return bool(changed)


def notes(incident_id):
    return list(IncidentNote.select(IncidentNote, User.name.alias("by_name"))
                .join(User, JOIN.LEFT_OUTER, on=(IncidentNote.by == User.id))
                .where(IncidentNote.incident == incident_id).order_by(IncidentNote.at, IncidentNote.id).objects())


def events(incident_id):
    return list(IncidentEvent.select(IncidentEvent, User.name.alias("by_name"))
                .join(User, JOIN.LEFT_OUTER, on=(IncidentEvent.by == User.id))
                .where(IncidentEvent.incident == incident_id)
                .order_by(IncidentEvent.at.desc(), IncidentEvent.id.desc()).objects())


def _month(column):
    # The format is written into the SQL (not a parameter), so PostgreSQL sees the GROUP BY
    # expression as the same one as the selected column.
    return fn.strftime(SQL("'%Y-%m'"), column) if is_sqlite() else fn.to_char(column, SQL("'YYYY-MM'"))


def counts_by_category_and_month():
    """[(month "YYYY-MM", category, count)], counted in SQL."""
    month = _month(Incident.occurred_at)
    query = (Incident.select(month.alias("month"), Incident.category, fn.COUNT(Incident.id).alias("n"))
             .group_by(month, Incident.category).order_by(month.desc(), Incident.category))
    return [(row.month, row.category, row.n) for row in query.objects()]


# Supervision ----------------------------------------------------------------------------------

def add_supervision(supervisor_id, facilitator_id, date, notes_text, next_on):
    return Supervision.create(supervisor=supervisor_id, facilitator=facilitator_id, date=date,
                              notes=(notes_text or "").strip(), next_on=next_on)


def supervisions(facilitator_id=None):
    """Check-ins, newest first (one facilitator's when given), with both names."""
    supervisor = User.alias()
    query = (Supervision.select(Supervision, User.name.alias("facilitator_name"),
                                supervisor.name.alias("supervisor_name"))
             .join(User, on=(Supervision.facilitator == User.id))
             .join(supervisor, JOIN.LEFT_OUTER, on=(Supervision.supervisor == supervisor.id), src=Supervision)
             .order_by(Supervision.date.desc(), Supervision.id.desc()))
    if facilitator_id is not None:
        query = query.where(Supervision.facilitator == facilitator_id)
    return list(query.objects())


def facilitators_due(today):
    """Active facilitators with their latest check-in and whether they are overdue: the next date
    has passed, or (without one) the last check-in is older than SUPERVISION_DAYS, or there is none."""
    latest = (Supervision.select(Supervision.facilitator, fn.MAX(Supervision.id).alias("last_id"))
              .group_by(Supervision.facilitator))
    last = {row.facilitator_id: row.last_id for row in latest}
    rows = {row.id: row for row in Supervision.select().where(Supervision.id.in_(list(last.values()) or [0]))}
    result = []
    for user in User.select().where(User.role == "facilitator", User.active).order_by(User.name):
        check = rows.get(last.get(user.id))
        due = (check.next_on if check and check.next_on
               else check.date + datetime.timedelta(days=SUPERVISION_DAYS) if check else None)
        result.append({"user": user, "last": check, "due": due, "overdue": due is None or due < today})
    return result
