"""The home page and the health check."""
from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user

from .. import attendance, incidents
from ..db import database
from ..pages import render
from ..security import visible_groups

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    groups = list(visible_groups())
    meetings = attendance.open_meetings([g.id for g in groups])
    today = attendance.local_today("UTC")
    supervision_due = ([row for row in incidents.facilitators_due(today) if row["overdue"]]
                       if current_user.role == "supervisor" else [])
    return render("main/home.html", groups=groups, open_meetings=[(m, m.group) for m in meetings],
                  overdue=incidents.overdue(current_user.id, current_user.role, today), supervision_due=supervision_due)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise: for monitors and load balancers."""
    try:
        database.execute_sql("SELECT 1")
    except Exception:  # any driver error means "not healthy", never a 500 page
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
