"""Incidents: a facilitator records what happened at a meeting; admins and supervisors review,
add notes and close; counts by category and month. Supervision check-ins live here too. Every
view and change of an incident is logged (incidents.record_view and the writes)."""
import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from .. import accounts, incidents, labels
from ..attendance import local_today
from ..forms import Form, date_field, max_length, required, time_field
from ..i18n import gettext as _, lazy_gettext as _l
from ..models import ROLES
from ..pages import render
from ..security import get_group, get_incident, get_meeting, parse_id, require_role

bp = Blueprint("incidents", __name__)

NO_CLINICAL = _l("Write what happened and what was done, not anyone's health, diagnosis or story. "
                 "Name people only by the alias used in the group.")


class IncidentForm(Form):
    date = date_field(_l("Date"), validators=[required()])
    time = time_field(_l("Time"), validators=[required()])
    category = SelectField(_l("Category"), validate_choice=False)
    what_happened = TextAreaField(_l("What happened"), validators=[required(), max_length(incidents.TEXT_MAX)])
    what_was_done = TextAreaField(_l("What was done"), validators=[max_length(incidents.TEXT_MAX)])
    escalated_to = StringField(_l("Escalated to (optional)"), validators=[max_length(200)])
    follow_up_on = date_field(_l("Follow up by (optional)"))
    members = StringField(_l("Members involved (optional, aliases only)"), validators=[max_length(400)])

    def validate_category(self, field):
        if field.data not in current_app.config["INCIDENT_CATEGORIES"]:
            raise ValidationError(_l("Please choose one of the options."))

    def validate_follow_up_on(self, field):
        if field.data and field.data < self.today:
            raise ValidationError(_l("Please choose a follow-up date from today on."))


def _incident_form(group, blank=False):
    """The form, with now in the group's time zone as the default (blank) and the limit of the
    follow-up date."""
    now = datetime.datetime.now(ZoneInfo(group.timezone))
    form = (IncidentForm(formdata=None, date=now.date(), time=now.time().replace(second=0, microsecond=0))
            if blank else IncidentForm())
    form.today = now.date()
    form.category.choices = [(code, labels.name(labels.INCIDENT_CATEGORIES, code))
                             for code in current_app.config["INCIDENT_CATEGORIES"]]
    return form


def _new_page(meeting, group, form, status=200):
    return render("incidents/new.html", meeting=meeting, group=group, form=form, hint=NO_CLINICAL, status=status)


@bp.get("/meetings/<int:meeting_id>/incidents/new")
def new(meeting_id):
    require_role(*ROLES)
    meeting = get_meeting(meeting_id, edit=True)
    group = get_group(meeting.group_id)
    return _new_page(meeting, group, _incident_form(group, blank=True))


@bp.post("/meetings/<int:meeting_id>/incidents/new")
def create(meeting_id):
    require_role(*ROLES)
    meeting = get_meeting(meeting_id, edit=True)
    group = get_group(meeting.group_id)
    form = _incident_form(group)
    if not form.validate_on_submit():
        return _new_page(meeting, group, form, 422)
    local = datetime.datetime.combine(form.date.data, form.time.data, ZoneInfo(group.timezone))
    incident = incidents.create({
        "group": group.id, "meeting": meeting.id,
        "occurred_at": local.astimezone(datetime.UTC).replace(tzinfo=None), "category": form.category.data,
        "what_happened": form.what_happened.data.strip(), "what_was_done": (form.what_was_done.data or "").strip(),
        "escalated_to": (form.escalated_to.data or "").strip(), "follow_up_on": form.follow_up_on.data,
        "members": (form.members.data or "").strip()}, current_user.id)
    flash(_("The incident is recorded. Only supervisors, administrators and you can see it."), "success")
    return redirect(url_for("incidents.show", incident_id=incident.id), 303)


@bp.get("/incidents/")
def index():
    require_role(*ROLES)
    status = request.args.get("status") if request.args.get("status") in labels.INCIDENT_STATUSES else None
    return render("incidents/index.html", items=incidents.visible(current_user.id, current_user.role, status),
                  chosen=status, reviewer=current_user.role in ("admin", "supervisor"))


class NoteForm(Form):
    text = TextAreaField(_l("Review note"), validators=[required(), max_length(incidents.TEXT_MAX)])


def _show_page(incident, note_form=None, status=200):
    reviewer = current_user.role in ("admin", "supervisor")
    group = incident.group
    return render("incidents/show.html", incident=incident, group_name=group.name, timezone=group.timezone, notes=incidents.notes(incident.id),
                  events=incidents.events(incident.id) if reviewer else [], reviewer=reviewer,
                  recorder=accounts.get_user(incident.recorded_by_id),
                  note_form=note_form or NoteForm(formdata=None), status=status)


@bp.get("/incidents/<int:incident_id>")
def show(incident_id):
    require_role(*ROLES)
    incident = get_incident(incident_id)
    incidents.record_view(incident.id, current_user.id)
    return _show_page(incident)


@bp.post("/incidents/<int:incident_id>/notes")
def add_note(incident_id):
    require_role("admin", "supervisor")
    incident = get_incident(incident_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _show_page(incident, form, 422)
    incidents.add_note(incident.id, form.text.data, current_user.id)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("incidents.show", incident_id=incident.id), 303)


@bp.post("/incidents/<int:incident_id>/status")
def set_status(incident_id):
    require_role("admin", "supervisor")
    incident = get_incident(incident_id)
    status = request.form.get("status")
    if status not in labels.INCIDENT_STATUSES:
        abort(400)
    incidents.set_status(incident.id, status, current_user.id)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("incidents.show", incident_id=incident.id), 303)


@bp.get("/incidents/report")
def report():
    require_role("admin", "supervisor")
    rows = incidents.counts_by_category_and_month()
    months = sorted({month for month, _c, _n in rows}, reverse=True)
    categories = sorted({category for _m, category, _n in rows})
    counts = {(month, category): n for month, category, n in rows}
    return render("incidents/report.html", months=months, categories=categories, counts=counts)


# Supervision ------------------------------------------------------------------------------------

class SupervisionForm(Form):
    facilitator = SelectField(_l("Facilitator"), validate_choice=False)
    date = date_field(_l("Date"), validators=[required()])
    notes = TextAreaField(_l("Notes (the facilitator sees them too)"), validators=[max_length(incidents.TEXT_MAX)])
    next_on = date_field(_l("Next check-in (optional)"))

    def validate_facilitator(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose one of the options."))


def _supervision_form(**kwargs):
    form = SupervisionForm(**kwargs)
    form.facilitator.choices = [(str(row["user"].id), row["user"].name) for row in incidents.facilitators_due(local_today("UTC"))]
    return form


def _supervision_page(form=None, status=200):
    today = local_today("UTC")
    if current_user.role == "facilitator":
        return render("incidents/supervision.html", mine=incidents.supervisions(current_user.id), status=status)
    return render("incidents/supervision.html", due=incidents.facilitators_due(today),
                  checks=incidents.supervisions(), form=form or _supervision_form(formdata=None, date=today),
                  status=status)


@bp.get("/supervision/")
def supervision():
    require_role(*ROLES)
    return _supervision_page()


@bp.post("/supervision/")
def add_supervision():
    require_role("admin", "supervisor")
    form = _supervision_form()
    if not form.validate_on_submit():
        return _supervision_page(form, 422)
    incidents.add_supervision(current_user.id, parse_id(form.facilitator.data), form.date.data, form.notes.data,
                              form.next_on.data)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("incidents.supervision"), 303)
