"""The home page and the health check."""
from flask import Blueprint, current_app, jsonify, redirect, url_for
from flask_login import current_user

from .. import attendance, health, incidents
from ..pages import render
from ..security import visible_group_list

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    groups = visible_group_list()
    meetings = attendance.open_meetings([g.id for g in groups])
    today = attendance.local_today("UTC")
    supervision_due = ([row for row in incidents.facilitators_due(today) if row["overdue"]]
                       if current_user.role == "supervisor" else [])
    return render("main/home.html", groups=groups, open_meetings=[(m, m.group) for m in meetings],
                  overdue=incidents.overdue(current_user.id, current_user.role, today), supervision_due=supervision_due)


@bp.get("/healthz")
def healthz():
    """200 when the database can be read and written, the disk has room, no migration is pending
    and the integrity check passed; 503 with the reasons otherwise. For monitors and load balancers."""
    missing = current_app.extensions["peergroups_database_problem"]
    if missing:  # opening the database would create an empty one
        return jsonify(status="unavailable", problems=[missing]), 503
    problems, facts = health.check(current_app.config, current_app.extensions["peergroups_health"])
    if problems:
        return jsonify(status="unavailable", problems=problems, **facts), 503
    return jsonify(status="ok", **facts)
