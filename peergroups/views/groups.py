"""Groups: list, create, edit (schedule, languages, facilitators, topics), archive; starting meetings."""
import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from peewee import fn
from wtforms import SelectChoice, SelectMultipleField, TextAreaField, URLField
from wtforms.validators import Optional, ValidationError

from .. import attendance, pairing, surveys
from ..db import write_transaction
from ..forms import (
    Form,
    EmptyForm, choice_field, date_field, integer_field, language_choices, language_field, max_length, name_field,
    time_field, timezone_field,
)
from ..i18n import LANGUAGES
from ..labels import WEEKDAYS, choices
from ..models import (
    ROLES, Attendance, Group, GroupFacilitator, GroupMember, Meeting, Member, Organization, User, utcnow,
)
from ..pages import render
from ..schedule import Schedule, next_occurrences
from ..security import get_group, may_see_group, require_role, visible_groups
from . import mentoring

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


def staff_choices(role):
    return [SelectChoice(str(u.id), u.name)
            for u in User.select().where(User.active, User.role.in_(role)).order_by(User.name)]


def group_schedule(group):
    if group.weekday is None or group.start_time is None:
        return None
    return Schedule(weekday=group.weekday, start_time=group.start_time, duration_minutes=group.duration_minutes,
                    timezone=group.timezone, frequency=group.frequency, interval=group.interval,
                    ordinal=group.ordinal, starts_on=group.starts_on)


def upcoming(group, count=4):
    schedule = group_schedule(group)
    try:
        return next_occurrences(schedule, utcnow() - datetime.timedelta(hours=3), count) if schedule else []
    except OverflowError:  # a schedule that starts near the year 9999 has no next meeting
        return []


@bp.before_request
def signed_in():
    require_role(*ROLES)


@bp.get("/")
def index():
    show_archived = request.args.get("archived") == "1" and current_user.role == "admin"
    groups = list(visible_groups(include_archived=show_archived))
    counts = dict(GroupMember.select(GroupMember.group, fn.COUNT(GroupMember.id))
                  .join(Member, on=(GroupMember.member == Member.id))
                  .where(GroupMember.active, ~Member.archived, GroupMember.group.in_([g.id for g in groups] or [0]))
                  .group_by(GroupMember.group).tuples())
    rows = [{"group": g, "members": counts.get(g.id, 0), "next": (upcoming(g, 1) or [None])[0]} for g in groups]
    return render("groups/index.html", rows=rows, show_archived=show_archived)


def _form_choices(form):
    form.leads.choices = staff_choices(("admin", "facilitator"))
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
            with write_transaction():
                group = Group.create(**_group_fields(form), **values)
                _save_facilitators(group, form)
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


def _save_facilitators(group, form):
    """Only admins assign facilitators and hand a group over."""
    if current_user.role != "admin":
        return
    valid = {choice.value for choice in form.leads.choices}
    GroupFacilitator.delete().where(GroupFacilitator.group == group.id).execute()
    chosen = {}
    for value in form.co_leads.data or []:
        chosen[value] = False
    for value in form.leads.data or []:
        chosen[value] = True
    rows = [{"group": group.id, "user": int(v), "lead": lead} for v, lead in chosen.items() if v in valid]
    if rows:
        GroupFacilitator.insert_many(rows).execute()


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
            with write_transaction():
                Group.update(**_group_fields(form), **values).where(Group.id == group.id).execute()
                _save_facilitators(group, form)
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
    rows = list(GroupFacilitator.select().where(GroupFacilitator.group == group.id))
    form.leads.data = [str(r.user_id) for r in rows if r.lead]
    form.co_leads.data = [str(r.user_id) for r in rows if not r.lead]


@bp.post("/<int:group_id>/archive")
def archive(group_id):
    require_role("admin")
    group = get_group(group_id)
    EmptyForm().validate_on_submit() or abort(400)
    Group.update(archived=not group.archived).where(Group.id == group.id).execute()
    flash(_("Group restored.") if group.archived else _("Group archived. Its history is kept."), "success")
    return redirect(url_for("groups.show", group_id=group.id), 303)


@bp.get("/<int:group_id>")
def show(group_id):
    group = get_group(group_id)
    attendance.close_overdue(group)
    meetings = list(Meeting.select().where(Meeting.group == group.id)
                    .order_by(Meeting.starts_at.desc()).limit(12))
    present = dict(Attendance.select(Attendance.meeting, fn.COUNT(Attendance.id))
                   .where(Attendance.meeting.in_([m.id for m in meetings] or [0]), Attendance.state == "present")
                   .group_by(Attendance.meeting).tuples())
    started = {m.starts_at for m in meetings}
    coming = [o for o in upcoming(group) if o.starts_at_utc not in started]
    leaders = list(User.select(User, GroupFacilitator.lead).join(GroupFacilitator)
                   .where(GroupFacilitator.group == group.id).order_by(GroupFacilitator.lead.desc(), User.name)
                   .objects())
    members = list(Member.select().join(GroupMember, on=(GroupMember.member == Member.id))
                   .where(GroupMember.group == group.id, GroupMember.active, ~Member.archived)
                   .order_by(fn.LOWER(Member.name)))
    return render("groups/show.html", group=group, meetings=meetings, present=present, upcoming=coming,
                  leaders=leaders, members=members, can_edit=may_see_group(group.id, edit=True) and not group.archived,
                  open_meeting=next((m for m in meetings if m.status == "open"), None),
                  next_topic=next_topic(group), waiting=mentoring.waiting(group))


def next_topic(group):
    """The rotating topic after the last one used (the first when none was used yet)."""
    topics = group.topic_list
    if not topics:
        return ""
    last = (Meeting.select(Meeting.topic).where(Meeting.group == group.id, Meeting.topic != "",
                                                Meeting.status != "cancelled")
            .order_by(Meeting.starts_at.desc()).first())
    if last is None or last.topic not in topics:
        return topics[0]
    return topics[(topics.index(last.topic) + 1) % len(topics)]


@bp.post("/<int:group_id>/meetings")
def start_meeting(group_id):
    """Start the scheduled meeting at `starts_at` (or an ad hoc one now); reuses one already started."""
    group = get_group(group_id, edit=True)
    EmptyForm().validate_on_submit() or abort(400)
    planned = _planned_occurrence(group, request.form.get("starts_at", ""))
    status = "cancelled" if request.form.get("cancel") == "1" else "open"
    with write_transaction():
        meeting = None
        if planned:
            meeting = Meeting.get_or_none(Meeting.group == group.id, Meeting.starts_at == planned.starts_at_utc)
        if meeting is None:
            now = utcnow()
            meeting = Meeting.create(
                group=group.id, starts_at=planned.starts_at_utc if planned else now,
                local_date=planned.local_date if planned else attendance.local_today(group.timezone),
                ad_hoc=planned is None, topic=next_topic(group) if status == "open" else "",
                mode="virtual" if group.virtual_link and not group.location else "in_person",
                status=status, opened_by=current_user.id)
            if status == "open":  # starting a meeting opens its survey link
                surveys.open_link(meeting, current_app.config["SURVEY_WINDOW_HOURS"])
    if status == "cancelled":
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
    for occurrence in upcoming(group, 8):
        if occurrence.starts_at_utc == wanted:
            return occurrence
    abort(404)


@bp.get("/<int:group_id>/follow-up")
def follow_up(group_id):
    group = get_group(group_id)
    missed = current_app.config["FOLLOW_UP_MISSED_MEETINGS"]
    not_seen, came_once = attendance.follow_up(group, missed, current_app.config["NEWCOMER_WINDOW_DAYS"])
    overdue_days = current_app.config["CHECKIN_OVERDUE_DAYS"]
    overdue = pairing.overdue(group.id, overdue_days, attendance.local_today(group.timezone))
    return render("groups/follow_up.html", group=group, not_seen=not_seen, came_once=came_once, missed=missed,
                  waiting=mentoring.waiting(group), overdue=overdue, overdue_days=overdue_days,
                  can_edit=may_see_group(group.id, edit=True) and not group.archived)
