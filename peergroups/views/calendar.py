"""A private calendar feed per group (a revocable secret link) for facilitators' phone calendars."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for

from .. import groups
from ..i18n import gettext as _
from ..ical import calendar as make_calendar
from ..models import ROLES, utcnow
from ..pages import render
from ..security import get_group, require_role
from ..sharing import public_url, qr_svg

bp = Blueprint("calendar", __name__)


@bp.get("/groups/<int:group_id>/calendar")
def manage(group_id):
    require_role(*ROLES)
    group = get_group(group_id, edit=True)
    url = public_url("calendar.feed", token=group.calendar_token) if group.calendar_token else None
    return render("groups/calendar.html", group=group, url=url,
                  qr=qr_svg(url, _("QR code of the link")) if url else None)


@bp.post("/groups/<int:group_id>/calendar")
def renew(group_id):
    """Make a new link (the old one stops working), or turn the feed off."""
    require_role(*ROLES)
    group = get_group(group_id, edit=True)
    token = groups.renew_calendar_link(group.id, turn_off=request.form.get("action") == "off")
    flash(_("A new calendar link is ready. The old one no longer works.") if token
          else _("The calendar link is turned off."), "success")
    return redirect(url_for("calendar.manage", group_id=group.id), 303)


@bp.get("/calendar/<token>.ics")
def feed(token):
    group = groups.by_calendar_token(token) or abort(404)
    events = groups.calendar_events(group, current_app.config["CALENDAR_MEETINGS"])
    response = make_response(make_calendar(group.name, events, utcnow()))
    response.mimetype = "text/calendar"
    return response
