"""Survey results for staff: per meeting, per group (with its months) and for the whole
organization, one survey at a time. Who may see a meeting or a group may see its results
(security.py); the organization's results are for admins and supervisors. Pages only read what
results.release_due released: nothing is computed from responses here. Released figures change
only with a release, so what a page shows is kept until the database changes (pages.kept)."""
from flask import Blueprint, render_template, request
from flask_babel import get_locale

from .. import db, results, surveys
from ..models import ROLES, Organization
from ..pages import kept, render
from ..security import get_group, get_meeting, require_role
from ..suppression import effective_k

bp = Blueprint("results", __name__)
BUILTIN = "builtin"


def _choose(available, default=None):
    """The survey asked for with ?survey= (BUILTIN or an id) when it has results here, else the
    first (with none released yet: the group's survey after meetings); and the choices, as
    (value, name), for the switcher."""
    if not available:
        available = [default]
    names = surveys.names_of(available)
    values = {BUILTIN if s is None else str(s): s for s in available}
    wanted = values.get(request.args.get("survey", ""), available[0])
    choices = [(value, names[s]) for value, s in values.items()]
    return wanted, choices


def _page(stamp, available, read, **context):
    """The page around its results, which `available` (the surveys released here) and `read`
    (definition, survey id -> headline and months) make when they are not kept. `stamp` is
    db.generation(), taken before the view read anything."""
    def make():
        group = context["group"]
        survey_id, choices = _choose(available(), group.meeting_survey_id if group else None)
        definition = surveys.definition_of(survey_id)
        org = Organization.current()
        return render_template(
            "results/_summary.html", definition=definition, locale=get_locale(), choices=choices,
            chosen=BUILTIN if survey_id is None else str(survey_id),
            k=effective_k(org.survey_min_responses if org else None), **read(definition, survey_id), **context)
    return render("results/summary.html", content=kept("results/_summary.html", stamp, make), **context)


@bp.get("/meetings/<int:meeting_id>/results")
def meeting(meeting_id):
    stamp = db.generation()
    require_role(*ROLES)
    meeting = get_meeting(meeting_id)
    return _page(stamp, lambda: results.released_surveys(meeting_id=meeting.id),
                 lambda d, s: dict(headline=results.meeting_release(d, s, meeting.id), months=None),
                 meeting=meeting, group=get_group(meeting.group_id))


@bp.get("/groups/<int:group_id>/results")
def group(group_id):
    stamp = db.generation()
    require_role(*ROLES)
    group = get_group(group_id)
    return _page(stamp, lambda: results.released_surveys(group_id=group.id),
                 lambda d, s: dict(headline=results.range_release(d, s, group.id),
                                   months=results.month_releases(d, s, group.id)),
                 meeting=None, group=group)


@bp.get("/results/")
def organization():
    stamp = db.generation()
    require_role("admin", "supervisor")
    return _page(stamp, results.released_surveys,
                 lambda d, s: dict(headline=results.range_release(d, s), months=results.month_releases(d, s)),
                 meeting=None, group=None)
