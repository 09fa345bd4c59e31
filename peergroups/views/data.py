"""The organization's data, for admins: the export download and the audit log."""
import datetime
import io

from flask import Blueprint, request, send_file
from flask_login import current_user

from .. import audit, export
from ..labels import AUDIT_ACTIONS
from ..models import Organization
from ..pages import render
from ..security import parse_id, require_role

bp = Blueprint("data", __name__)


@bp.before_request
def admins_only():
    require_role("admin")


@bp.get("/admin/data")
def export_page():
    return render("data/export.html", files=export.TABLES)


@bp.post("/admin/data")
def export_download():
    """The ZIP, built in memory (compressed CSV: a few MB even for a large organization)."""
    spool = io.BytesIO()
    export.write_zip(spool)
    audit.record("export", current_user.id, detail="download")
    spool.seek(0)
    response = send_file(spool, mimetype="application/zip", as_attachment=True, download_name=export.file_name())
    response.headers["Cache-Control"] = "no-store"
    return response


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/admin/audit")
def audit_log():
    action = request.args.get("action", "")
    action = action if action in AUDIT_ACTIONS else ""
    user_id = parse_id(request.args.get("user", ""))
    since, until = _date(request.args.get("since", "")), _date(request.args.get("until", ""))
    return render("data/audit.html", timezone=Organization.current().timezone, events=audit.events(action, user_id, since, until), actions=AUDIT_ACTIONS,
                  actors=audit.actors(), action=action, user_id=user_id, since=since, until=until,
                  limit=audit.PAGE_SIZE)
