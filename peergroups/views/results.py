"""Survey results for staff: per meeting, per group (with its months) and for the whole
organization, one survey at a time. Who may see a meeting or a group may see its results
(security.py); the organization's results are for admins and supervisors. Every figure is
suppressed in results.py."""
from flask import Blueprint, request
from flask_babel import get_locale

from .. import results, surveys
from ..models import ROLES, Organization, Survey
from ..pages import render
from ..security import get_group, get_meeting, require_role
from ..suppression import effective_k

bp = Blueprint("results", __name__)
BUILTIN = "builtin"


def _k():
    """The organization's k (admins set it on the settings page), never below suppression.MIN_K."""
    org = Organization.current()
    return effective_k(org.survey_min_responses if org else None)


def _choose(available, default=None):
    """The survey asked for with ?survey= (BUILTIN or an id) when it has results here, else the
    first (with no results yet: the group's survey after meetings); and the choices, as
    (value, name), for the switcher."""
    if not available:
        available = [default]
    names = {None: surveys.questionnaire(None).name}
    for survey in Survey.select().where(Survey.id.in_([s for s in available if s is not None])):
        names[survey.id] = survey.questionnaire().name
    values = {BUILTIN if s is None else str(s): s for s in available}
    wanted = values.get(request.args.get("survey", ""), available[0])
    choices = [(value, names[s]) for value, s in values.items()]
    return wanted, choices


def _page(scope, available, **context):
    group = context["group"]
    survey_id, choices = _choose(available, group.meeting_survey_id if group else None)
    definition = surveys.questionnaire(survey_id)
    k = _k()
    release = results.release(definition, survey_id, k)  # once: every figure of this survey
    summary = results.summary(definition, release, scope, k)
    months = results.by_month(definition, release, group.id, k) if scope[0] == "group" else None
    return render("results/summary.html", summary=summary, definition=definition, locale=get_locale(),
                  choices=choices, chosen=BUILTIN if survey_id is None else str(survey_id), months=months,
                  **context)


@bp.get("/meetings/<int:meeting_id>/results")
def meeting(meeting_id):
    require_role(*ROLES)
    meeting = get_meeting(meeting_id)
    return _page(results.scope_of_meeting(meeting.id), results.surveys_with_responses(meeting_id=meeting.id),
                 meeting=meeting, group=get_group(meeting.group_id))


@bp.get("/groups/<int:group_id>/results")
def group(group_id):
    require_role(*ROLES)
    group = get_group(group_id)
    return _page(results.scope_of_group(group.id), results.surveys_with_responses(group_id=group.id),
                 meeting=None, group=group)


@bp.get("/results/")
def organization():
    require_role("admin", "supervisor")
    return _page(results.ORG, results.surveys_with_responses(), meeting=None, group=None)
