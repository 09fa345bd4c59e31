"""Groups: list, create, edit (schedule, languages, facilitators, topics), archive; starting meetings."""
import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from wtforms import SelectChoice, SelectMultipleField, TextAreaField, URLField
from wtforms.validators import Optional, ValidationError

from .. import attendance, follow_up as follow_up_data, groups as groups_data, members, pairing
from ..forms import (
    Form,
    choice_field, date_field, integer_field, language_choices, language_field, max_length, name_field,
    time_field, timezone_field,
)
from ..i18n import LANGUAGES, gettext as _, lazy_gettext as _l
from ..labels import CONTACT_HOWS, CONTACT_OUTCOMES, WEEKDAYS, choices
from ..models import ROLES, Organization
from ..i18n import day
from ..pages import ask_first, confirmed, render
from ..schedule import Schedule
from ..security import get_group, may_see_group, require_role, visible_group_list

bp = Blueprint("groups", __name__, url_prefix="/groups")


REPEAT_CHOICES = [("none", _l("No regular meetings")), ("weekly", _l("Every week")),
                  ("weeks", _l("Every few weeks")), ("monthly", _l("Once a month"))]
ORDINAL_CHOICES = [("1", _l("First")), ("2", _l("Second")), ("3", _l("Third")), ("4", _l("Fourth")),
                   ("-1", _l("Last"))]
SCHEDULE_ERRORS = {
    "weekday": ("weekday", _l("Please choose a day.")),
    "start_time": ("start_time", _l("Please enter a time like 18:30.")),
    "duration": ("duration", _l("Please enter a whole number from %(low)d to %(high)d.", low=1, high=1440)),
    "timezone": ("timezone", _l("Please choose a time zone from the list, like Europe/Madrid.")),
    "interval": ("interval", _l("Please enter a whole number from %(low)d to %(high)d.", low=2, high=52)),
    "starts_on": ("starts_on", _l("Please enter the date of the first meeting.")),
    "ordinal": ("ordinal", _l("Please choose which week of the month.")),
}


FIRST_DATE, LAST_DATE = datetime.date(1990, 1, 1), datetime.date(2099, 12, 31)


class GroupForm(Form):
    name = name_field(_l("Group name"))
    description = TextAreaField(_l("Description"), validators=[max_length(2000)])
    language = language_field(_l("Main language"))  # used first, e.g. for the group's survey links
    languages = SelectMultipleField(_l("Other languages"), choices=language_choices(), validate_choice=False)
    repeat = choice_field(_l("Meets"), REPEAT_CHOICES, default="weekly")
    weekday = choice_field(_l("Day"), choices(dict(enumerate(WEEKDAYS))), default="0")
    ordinal = choice_field(_l("Week of the month"), ORDINAL_CHOICES, default="1")
    interval = integer_field(_l("Every how many weeks"), 2, 52, default=2)
    start_time = time_field(_l("Start time"), default=datetime.time(18, 30))
    duration = integer_field(_l("Length in minutes"), 1, 1440, default=90)
    timezone = timezone_field()
    starts_on = date_field(_l("First meeting on or after"))
    location = TextAreaField(_l("Where (in person)"), validators=[max_length(500)])
    virtual_link = URLField(_l("Video call link"), validators=[Optional(), max_length(500)])
    topics = TextAreaField(_l("Rotating topics, one per line"), validators=[max_length(5000)])
    leads = SelectMultipleField(_l("Facilitators"), coerce=str, validate_choice=False)
    co_leads = SelectMultipleField(_l("Co-facilitators"), coerce=str, validate_choice=False)

    def validate_languages(self, field):
        if any(code not in LANGUAGES for code in field.data or []):
            raise ValidationError(_l("Please choose one of the options."))

    def validate_starts_on(self, field):
        if field.data and not FIRST_DATE <= field.data <= LAST_DATE:
            raise ValidationError(_l("Please enter a date between %(first)s and %(last)s.",
                                     first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat()))

    def validate_virtual_link(self, field):
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(_l("Please enter a web address starting with https://"))

    def schedule_values(self):
        """The group's schedule columns, or None after adding translated errors to the fields."""
        repeat = self.repeat.data
        if repeat == "none":
            return {"weekday": None, "start_time": None, "interval": 1, "ordinal": None,
                    "frequency": "weekly", "starts_on": self.starts_on.data}
        values = {
            "weekday": int(self.weekday.data), "start_time": self.start_time.data,
            "frequency": "monthly" if repeat == "monthly" else "weekly",
            "interval": (self.interval.data or 0) if repeat == "weeks" else 1,
            "ordinal": int(self.ordinal.data) if repeat == "monthly" else None,
            "starts_on": self.starts_on.data or (datetime.date.today() if repeat == "weeks" else None),
        }
        try:  # duration and time zone are the group's own columns, checked here with the rest
            Schedule(duration_minutes=self.duration.data, timezone=self.timezone.data, **values)
        except (ValueError, TypeError) as error:
            field, message = SCHEDULE_ERRORS.get(str(error), ("start_time", _l("Please check the schedule.")))
            getattr(self, field).errors = [*getattr(self, field).errors, message]
            return None
        return values


@bp.before_request
def signed_in():
    require_role(*ROLES)


@bp.get("/")
def index():
    show_archived = request.args.get("archived") == "1" and current_user.role == "admin"
    groups = visible_group_list(include_archived=show_archived)
    counts = groups_data.roster_sizes([g.id for g in groups])
    rows = [{"group": g, "members": counts.get(g.id, 0), "next": (groups_data.upcoming(g, 1) or [None])[0]}
            for g in groups]
    return render("groups/index.html", rows=rows, show_archived=show_archived)


def _form_choices(form):
    form.leads.choices = [SelectChoice(str(u.id), u.name) for u in groups_data.staff_who_may_lead()]
    form.co_leads.choices = form.leads.choices


@bp.route("/new", methods=["GET", "POST"])
def create():
    require_role("admin")
    form = GroupForm()
    _form_choices(form)
    if request.method == "GET":
        org = Organization.current()
        form.language.data = org.default_locale if org else "en"
        form.timezone.data = org.timezone if org else "UTC"
    if form.validate_on_submit():
        values = form.schedule_values()
        if values is not None:
            group = groups_data.create_group({**_group_fields(form), **values}, _chosen_leaders(form))
            flash(_("Group created."), "success")
            return redirect(url_for("groups.show", group_id=group.id), 303)
    return render("groups/form.html", form=form, group=None, status=422 if form.errors else 200)


def _group_fields(form):
    return {"name": form.name.data, "description": form.description.data.strip(),
            "languages": ",".join([form.language.data] + [c for c in LANGUAGES if c in (form.languages.data or [])
                                                          and c != form.language.data]),
            "duration_minutes": form.duration.data or 90, "timezone": form.timezone.data,
            "location": form.location.data.strip(), "virtual_link": (form.virtual_link.data or "").strip(),
            "topics": "\n".join(line.strip() for line in form.topics.data.splitlines() if line.strip())}


def _chosen_leaders(form):
    """{user id: lead?} from the form; None (leave as they are) unless an admin sends it: only admins
    assign facilitators and hand a group over. Someone in both lists is a facilitator."""
    if current_user.role != "admin":
        return None
    valid = {choice.value for choice in form.leads.choices}
    chosen = {value: False for value in form.co_leads.data or []} | {value: True for value in form.leads.data or []}
    return {int(value): lead for value, lead in chosen.items() if value in valid}


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
def edit(group_id):
    group = get_group(group_id, edit=True)
    form = GroupForm(obj=group)
    _form_choices(form)
    if request.method == "GET":
        _fill_form(form, group)
    if form.validate_on_submit():
        values = form.schedule_values()
        if values is not None:
            groups_data.update_group(group.id, {**_group_fields(form), **values}, _chosen_leaders(form))
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("groups.show", group_id=group.id), 303)
    return render("groups/form.html", form=form, group=group, status=422 if form.errors else 200)


def _fill_form(form, group):
    form.language.data = (group.language_list or ["en"])[0]
    form.languages.data = group.language_list[1:]
    form.duration.data = group.duration_minutes
    form.start_time.data = group.start_time or datetime.time(18, 30)
    if group.weekday is None:
        form.repeat.data = "none"
    else:
        form.weekday.data = str(group.weekday)
        form.repeat.data = "monthly" if group.frequency == "monthly" else ("weeks" if group.interval > 1 else "weekly")
        form.interval.data = group.interval if group.interval > 1 else 2
        form.ordinal.data = str(group.ordinal or 1)
    form.topics.data = group.topics
    people = groups_data.leaders(group)
    form.leads.data = [str(person.id) for person in people if person.lead]
    form.co_leads.data = [str(person.id) for person in people if not person.lead]


@bp.post("/<int:group_id>/archive")
def archive(group_id):
    require_role("admin")
    group = get_group(group_id)
    if not group.archived and not confirmed():
        return ask_first(_("Archive %(name)s? The history is kept, and it can be restored.", name=group.name),
                         _("Archive"))
    groups_data.set_archived(group.id, not group.archived)
    flash(_("Group restored.") if group.archived else _("Group archived. Its history is kept."), "success")
    return redirect(url_for("groups.show", group_id=group.id), 303)


@bp.get("/<int:group_id>")
def show(group_id):
    group = get_group(group_id)
    attendance.close_overdue(group)
    meetings, present = groups_data.recent_meetings(group)
    started = {m.starts_at for m in meetings}
    coming = [o for o in groups_data.upcoming(group) if o.starts_at_utc not in started]
    return render("groups/show.html", group=group, meetings=meetings, present=present, upcoming=coming,
                  leaders=groups_data.leaders(group), members=groups_data.roster(group),
                  can_edit=may_see_group(group.id, edit=True) and not group.archived,
                  open_meeting=attendance.in_progress(group), today=attendance.local_today(group.timezone),
                  next_topic=groups_data.next_topic(group), waiting=_waiting(group))


@bp.post("/<int:group_id>/meetings")
def start_meeting(group_id):
    """Start the scheduled meeting at `starts_at` (or an ad hoc one now); reuses one already started."""
    group = get_group(group_id, edit=True)
    planned = _planned_occurrence(group, request.form.get("starts_at", ""))
    cancel = request.form.get("cancel") == "1"
    if cancel and not confirmed():
        return ask_first(_("Cancel the meeting of %(day)s? Nobody can be marked at a cancelled meeting.", day=day(planned.local_date if planned else None, "medium")),
                         _("Cancel the meeting"))
    if (not cancel and planned and planned.local_date != attendance.local_today(group.timezone)
            and not confirmed()):
        return ask_first(_("The meeting of %(day)s is not today. Start it now anyway? Its survey link can "
                           "be opened only on its day.", day=day(planned.local_date, "full")),
                         _("Start it now"))
    meeting = groups_data.start_meeting(group, planned, current_user.id, current_app.config["SURVEY_WINDOW_HOURS"],
                                        cancel=cancel)
    if cancel:
        flash(_("The meeting is cancelled."), "success")
        return redirect(url_for("groups.show", group_id=group.id), 303)
    return redirect(url_for("meetings.show", meeting_id=meeting.id), 303)


def _planned_occurrence(group, value):
    if not value:
        return None
    try:
        wanted = datetime.datetime.fromisoformat(value)
    except ValueError:
        abort(400)
    return groups_data.planned_occurrence(group, wanted) or abort(404)


class ContactForm(Form):
    contacted_on = date_field(_l("When"))
    how = choice_field(_l("How"), choices(CONTACT_HOWS), default="call")
    outcome = choice_field(_l("What came of it"), choices(CONTACT_OUTCOMES), default="reached")
    note = TextAreaField(_l("Note (optional)"), validators=[max_length(follow_up_data.NOTE_MAX)])


@bp.get("/<int:group_id>/follow-up")
def follow_up(group_id):
    return _follow_up_page(get_group(group_id))


def _follow_up_page(group, form=None, form_member=None, status=200):
    """Who the group has not seen, each with the ways to reach them (for those who may see contact
    details), their latest contact note and a form to record the next one."""
    missed = current_app.config["FOLLOW_UP_MISSED_MEETINGS"]
    not_seen, came_once = attendance.follow_up(group, missed, current_app.config["NEWCOMER_WINDOW_DAYS"])
    overdue_days = current_app.config["CHECKIN_OVERDUE_DAYS"]
    overdue = pairing.overdue(group.id, overdue_days, attendance.local_today(group.timezone))
    # The group's leaders and admins: they may see its members' contact details (security.may_see_contact).
    can_edit = may_see_group(group.id, edit=True) and not group.archived
    listed = {row["id"] for row in not_seen}
    came_once = [row for row in came_once if row["id"] not in listed]  # each person once on the page
    notes = follow_up_data.latest(group.id, [r["id"] for r in not_seen + came_once]) if can_edit else {}
    for row in not_seen + came_once:
        note = notes.get(row["id"])
        row["note"] = note
        row["ways"] = [] if not can_edit or (note and note.outcome == "stop") else \
            follow_up_data.ways_to_reach(row["phone"], row["email"])
        row["form"] = form if form_member == row["id"] else None
    # Everyone's empty form is the same but for the person's prefix (and the day it starts at): made
    # and rendered only when the template does not keep it already (a form apiece was a fifth of the page).
    today = attendance.local_today(group.timezone)
    return render("groups/follow_up.html", group=group, not_seen=not_seen, came_once=came_once, missed=missed,
                  waiting=_waiting(group), overdue=overdue, overdue_days=overdue_days, can_edit=can_edit,
                  form_member=form_member, today=today, blank_id=BLANK_ID, contact_prefix=_contact_prefix,
                  blank_form=lambda: ContactForm(formdata=None, prefix=_contact_prefix(BLANK_ID), contacted_on=today),
                  status=status)


BLANK_ID = 0  # no row has it


def _contact_prefix(member_id):
    """One form per person on the page: prefixed names and ids keep them apart."""
    return f"contact{member_id}"


@bp.post("/<int:group_id>/follow-up/<int:member_id>/contacts")
def record_contact(group_id, member_id):
    group = get_group(group_id, edit=True)
    member = members.in_group(member_id, group.id) or abort(404)
    form = ContactForm(prefix=_contact_prefix(member.id))
    if not form.validate_on_submit():
        return _follow_up_page(group, form, member.id, 422)
    follow_up_data.record(member.id, group.id, form.contacted_on.data or attendance.local_today(group.timezone),
                          form.how.data, form.outcome.data, form.note.data or "", current_user.id)
    flash(_("The contact with %(name)s is noted.", name=member.name), "success")
    return redirect(url_for("groups.follow_up", group_id=group.id, _anchor=f"member-{member.id}"), 303)


def _waiting(group):
    return pairing.waiting_in(group, current_app.config["NEWCOMER_WINDOW_DAYS"])
