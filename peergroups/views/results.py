"""Survey results for staff: per meeting, per group by month, and for the whole organization.
Who may see a meeting or a group may see its results (security.py); the organization's results
are for admins and supervisors. Every figure is suppressed in results.py."""
from flask import Blueprint

from .. import results, surveys
from ..models import ROLES, Organization
from ..pages import render
from ..security import get_group, get_meeting, require_role
from ..suppression import effective_k

bp = Blueprint("results", __name__)

LABELS = dict(surveys.QUESTIONS)


def _k():
    """The organization's k (admins set it on the settings page), never below suppression.MIN_K."""
    org = Organization.current()
    return effective_k(org.survey_min_responses if org else None)


def _summary_page(summary, meeting=None, group=None):
    """The meeting's and the organization's pages are one template: count, questions, comments."""
    return render("results/summary.html", summary=summary, meeting=meeting, group=group, labels=LABELS,
                  scale=surveys.SCALE)


@bp.get("/meetings/<int:meeting_id>/results")
def meeting(meeting_id):
    require_role(*ROLES)
    meeting = get_meeting(meeting_id)
    return _summary_page(results.summary(_k(), meeting_id=meeting.id), meeting, get_group(meeting.group_id))


@bp.get("/groups/<int:group_id>/results")
def group(group_id):
    require_role(*ROLES)
    group = get_group(group_id)
    months, total = results.by_month(group.id, _k())
    return render("results/group.html", group=group, months=months, total=total, labels=LABELS)


@bp.get("/results/")
def organization():
    require_role("admin", "supervisor")
    return _summary_page(results.summary(_k()))
