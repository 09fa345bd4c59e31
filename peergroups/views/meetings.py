"""The meeting screen: one tap per member, search, add a newcomer, undo, close, correct."""
import json

from markupsafe import Markup
from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from flask_wtf.csrf import generate_csrf
from wtforms import BooleanField, TextAreaField

from .. import attendance, consent, labels, members
from .. import crisis
from ..crisis import lines_for
from ..labels import choices
from ..forms import Form, choice_field, language_field, max_length, name_field
from ..models import MARK_STATES, ROLES
from ..i18n import day, gettext as _, lazy_gettext as _l
from ..pages import ask_first, confirmed, isolate, render, render_error, wants_fragment
from ..security import get_group, get_meeting, may_see_group, parse_id, require_role

bp = Blueprint("meetings", __name__, url_prefix="/meetings")



class NewcomerForm(Form):
    name = name_field(_l("Name"), max_length=80)
    locale = language_field()
    same_name_ok = BooleanField(_l("Yes, this is a different person with the same name"))


class DetailsForm(Form):
    topic = TextAreaField(_l("Topic"), validators=[max_length(200)])
    mode = choice_field(_l("How it meets"), choices(labels.MEETING_MODES))
    notes = TextAreaField(_l("Notes"), validators=[max_length(2000)])


@bp.before_request
def signed_in():
    require_role(*ROLES)


def row_context(meeting, member_ids=None):
    """What every roster row needs, worked out once per response rather than once per row. `agree`:
    who has not accepted an agreement the group expects ({member id: agreement ids}), shown quietly
    beside the row as a link to read it together; it never stands in the way of a mark."""
    meeting_url = url_for("meetings.show", meeting_id=meeting.id)
    return {"mark_url": url_for("meetings.mark", meeting_id=meeting.id), "csrf": generate_csrf(),
            "agree": consent.pending(meeting.group_id, member_ids), "meeting_url": meeting_url,
            "labels": {**{code: str(label) for code, label in labels.MARKS.items() if code},
                       None: _("Tap if here"), "unmarked": str(labels.MARKS[None]), "new": _("New"),
                       "unsaved": _("Not saved. Check the signal and tap again."),
                       "agree": _("Agreement to read")}}


def _first_language(group):
    return group.language_list[0] if group.language_list else "en"


def _screen(meeting, group, newcomer_form=None, status=200, fragment=None, **extra):
    query = request.values.get("q", "")[:80]
    everyone = attendance.roster(meeting, current_app.config["NEWCOMER_WINDOW_DAYS"])
    # Filtered here, not with SQL LIKE: SQLite folds case for ASCII only, and names are in any script.
    needle = query.casefold().strip()
    rows = [row for row in everyone if needle in row["name"].casefold()] if needle else everyone
    if fragment is None and request.method == "GET":
        # A poll (it sends its cursor) also gets the count; a search the rows alone.
        fragment = "meetings/_roster_poll.html" if "since" in request.args else "meetings/_roster.html"
    return render("meetings/meeting.html", fragment,
                  status=status, meeting=meeting, group=group, rows=rows, query=query,
                  count=sum(row["state"] == "present" for row in everyone),
                  # The empty newcomer form's fields are kept (pages.kept_fragment): it is made only
                  # when they are not, and its token is written without it.
                  newcomer=newcomer_form, newcomer_locale=_first_language(group),
                  blank_newcomer=lambda: NewcomerForm(formdata=None, locale=_first_language(group)),
                  can_edit=may_see_group(group.id, edit=True) and not group.archived,
                  started=attendance.has_started(meeting), crisis_lines=lines_for(get_locale()),
                  cursor=attendance.roster_cursor(meeting), **row_context(meeting), **extra)


@bp.get("/<int:meeting_id>")
def show(meeting_id):
    meeting = get_meeting(meeting_id)
    # Two phones on one meeting: an open roster asks every few seconds with its cursor, and gets
    # an empty answer while nothing changed (htmx does not swap a 204): one MAX() after the access
    # check, nothing else.
    since = request.args.get("since")
    if since is not None and wants_fragment() and since == attendance.roster_cursor(meeting):
        response = make_response("", 204)
        response.headers["Vary"] = "HX-Request"
        return response
    group = get_group(meeting.group_id)
    if meeting.status == "open" and meeting.local_date < attendance.local_today(group.timezone):
        attendance.close_overdue(group)
        meeting = get_meeting(meeting.id)
    return _screen(meeting, group)


@bp.get("/<int:meeting_id>/help")
def help_now(meeting_id):
    """"Someone needs help now": the crisis lines in each of the meeting's languages and the
    organization's escalation checklist, one tap from the meeting screen."""
    meeting = get_meeting(meeting_id)
    group = get_group(meeting.group_id)
    return render("meetings/help.html", meeting=meeting, group=group,
                  by_language=crisis.lines_by_language(group.language_list or [str(get_locale())]),
                  steps=crisis.steps_for(get_locale()),
                  can_edit=may_see_group(group.id, edit=True) and not group.archived)


def _editable(meeting_id, must_be_open=True):
    """The meeting, when the user may change it and (for marks) it is open; else a clear answer."""
    meeting = get_meeting(meeting_id, edit=True)
    if must_be_open and meeting.status != "open":
        message = (_("This meeting was cancelled.") if meeting.status == "cancelled"
                   else _("This meeting is closed. Reopen it to make corrections."))
        abort(render_error(409, _("Not saved"), message))
    return meeting


def _member_in_group(meeting, member_id):
    """Only members of this meeting's group can be marked: another group's id is a 404."""
    member_id = parse_id(member_id) or abort(400)
    return members.in_group(member_id, meeting.group_id) or abort(404)


@bp.post("/<int:meeting_id>/marks")
def mark(meeting_id):
    meeting = _editable(meeting_id)
    state = request.form.get("state")
    if state not in MARK_STATES:
        abort(400)
    member = _member_in_group(meeting, request.form.get("member_id", ""))
    attendance.set_mark(meeting, member.id, state, current_user.id)
    return _after_change(meeting, member.id)


def _after_change(meeting, member_id, row_oob=False, message=None):
    """htmx: the changed row and the new count (the row out of band when the request came from
    elsewhere, like the undo button, which also scrolls it into view); without JavaScript: back to
    the row. `message` says what happened (in the pinned bar, or as a flash)."""
    if wants_fragment():
        row = next(iter(attendance.roster(meeting, member_id=member_id,
                                          newcomer_days=current_app.config["NEWCOMER_WINDOW_DAYS"])), None)
        response = render("meetings/_row_update.html", row=row, meeting=meeting, member_id=member_id,
                          count=attendance.present_count(meeting.id), can_edit=True, row_oob=row_oob,
                          message=message, **row_context(meeting, [member_id]))
        if row_oob:
            response.headers["HX-Trigger"] = json.dumps({"peergroups:changed": f"member-{member_id}"})
        return response
    if message:
        flash(message, "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor=f"member-{member_id}"), 303)


@bp.post("/<int:meeting_id>/undo")
def undo(meeting_id):
    meeting = _editable(meeting_id)
    change = attendance.undo_last(meeting, current_user.id)
    if change is None:
        if wants_fragment():
            return render("meetings/_row_update.html", row=None, meeting=meeting, member_id=None,
                          count=attendance.present_count(meeting.id), can_edit=True,
                          message=_("There is nothing of yours to undo."))
        flash(_("There is nothing of yours to undo."), "info")
        return redirect(url_for("meetings.show", meeting_id=meeting.id), 303)
    # The name isolated in <bdi> (pages.isolate); the translation is ours, so it may carry markup.
    message = Markup(_("Undone: %(name)s is “%(state)s” again.")) % {
        "name": isolate(change.member.name), "state": labels.MARKS[change.previous]}
    return _after_change(meeting, change.member_id, row_oob=True, message=message)


@bp.post("/<int:meeting_id>/newcomer")
def newcomer(meeting_id):
    meeting = _editable(meeting_id)
    form = NewcomerForm()
    if form.validate_on_submit():
        if not form.same_name_ok.data and members.name_taken(meeting.group_id, form.name.data):
            form.name.errors.append(_("Someone in this group already has this name. If this is a "
                                      "different person, tick the box below; if not, tap their name in the list."))
        else:
            member_id = members.add_newcomer(meeting, form.name.data, form.locale.data, current_user.id)
            message = _("%(name)s is added and marked present. Welcome!", name=form.name.data)
            if wants_fragment():
                response = _screen(meeting, get_group(meeting.group_id), fragment="meetings/_newcomer_added.html",
                                   message=message)
                response.headers["HX-Trigger"] = json.dumps({"peergroups:changed": f"member-{member_id}"})
                return response
            flash(message, "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor=f"member-{member_id}"), 303)
    # The form alone for htmx, the page without it (either way the name field has autofocus).
    return _screen(meeting, get_group(meeting.group_id), newcomer_form=form, status=422,
                   fragment="meetings/_newcomer.html")


@bp.post("/<int:meeting_id>/close")
def close(meeting_id):
    meeting = _editable(meeting_id)
    started = attendance.has_started(meeting)
    absent = attendance.close_meeting(meeting, current_user.id)
    flash(_("The meeting is closed. %(count)d present.", count=attendance.present_count(meeting.id)) + " "
          + (_("Absences recorded: %(count)d.", count=absent) if started
             else _("No absences were recorded: the meeting had not started yet.")), "success")
    return redirect(url_for("groups.show", group_id=meeting.group_id), 303)


@bp.post("/<int:meeting_id>/reopen")
def reopen(meeting_id):
    meeting = _editable(meeting_id, must_be_open=False)
    if attendance.reopen(meeting) == "scheduled":
        flash(_("The meeting of %(day)s is scheduled again.", day=day(meeting.local_date, "medium")), "success")
        return redirect(url_for("groups.show", group_id=meeting.group_id), 303)
    flash(_("The meeting is open for corrections. Every change is kept in its history."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id), 303)


@bp.post("/<int:meeting_id>/cancel")
def cancel(meeting_id):
    meeting = _editable(meeting_id, must_be_open=False)
    if not confirmed():
        return ask_first(_("Cancel the meeting of %(day)s? Nobody can be marked at a cancelled meeting.", day=day(meeting.local_date, "medium")), _("Cancel the meeting"))
    if not attendance.cancel(meeting.id):
        flash(_("People were marked present at this meeting, so it cannot be cancelled."), "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id), 303)
    flash(_("The meeting is cancelled."), "success")
    return redirect(url_for("groups.show", group_id=meeting.group_id), 303)


@bp.route("/<int:meeting_id>/details", methods=["GET", "POST"])
def details(meeting_id):
    meeting = _editable(meeting_id, must_be_open=False)
    form = DetailsForm(obj=meeting)
    if form.validate_on_submit():
        attendance.update_details(meeting.id, form.topic.data.strip(), form.mode.data, form.notes.data.strip())
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id), 303)
    return render("meetings/details.html", form=form, meeting=meeting, group=get_group(meeting.group_id),
                  status=422 if form.errors else 200)


@bp.get("/<int:meeting_id>/history")
def history(meeting_id):
    meeting = get_meeting(meeting_id)
    return render("meetings/history.html", meeting=meeting, group=get_group(meeting.group_id),
                  changes=attendance.history(meeting.id))
