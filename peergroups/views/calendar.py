"""A private calendar feed per group (a revocable secret link) for facilitators' phone calendars."""
import re
import secrets

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _

from ..ical import calendar as make_calendar
from ..models import ROLES, Group, utcnow
from ..pages import render
from ..security import get_group, require_role
from ..sharing import public_url, qr_svg
from ..groups import upcoming

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
    token = None if request.form.get("action") == "off" else secrets.token_urlsafe(16)
    Group.update(calendar_token=token).where(Group.id == group.id).execute()
    flash(_("A new calendar link is ready. The old one no longer works.") if token
          else _("The calendar link is turned off."), "success")
    return redirect(url_for("calendar.manage", group_id=group.id), 303)


@bp.get("/calendar/<token>.ics")
def feed(token):
    # Only what token_urlsafe makes reaches the database (PostgreSQL refuses NUL in text).
    valid = re.fullmatch(r"[A-Za-z0-9_-]{1,100}", token)
    group = Group.get_or_none(Group.calendar_token == token, ~Group.archived) if valid else None
    if group is None:
        abort(404)
    events = [{"uid": f"{group.id}-{o.starts_at_utc:%Y%m%dT%H%M}@peergroups", "starts": o.starts_at_utc,
               "ends": o.ends_at_utc, "summary": group.name,
               "location": group.location or group.virtual_link, "description": group.virtual_link}
              for o in upcoming(group, current_app.config.get("CALENDAR_MEETINGS", 12))]
    response = make_response(make_calendar(group.name, events, utcnow()))
    response.mimetype = "text/calendar"
    return response
