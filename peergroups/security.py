"""Security headers on every response, and the one rule that decides who may see what.

The rule: admins see and change everything; supervisors read groups, rosters (without contact
details), reports and incidents and change nothing; facilitators see and change only the groups
they lead (lead or co-facilitator) and those groups' members and meetings. Whatever a user may not
see is a 404, so nobody learns that it exists. Every view that takes an id loads it here."""
import logging
from functools import cache

from flask import abort, g, request
from werkzeug.routing import IntegerConverter
from flask_login import current_user

from .db import Prepared, row_by_id
from .extensions import login_manager
from .i18n import lazy_gettext as _l
from .pages import address
from .models import Group, GroupFacilitator, GroupMember, Meeting, Member

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def is_survey_path(path):
    return path.startswith("/s/")


class SurveyLogFilter(logging.Filter):
    """Drops access-log lines of survey pages, so no log line ties an address or a time to an answer."""

    def filter(self, record):
        return " /s/" not in record.getMessage()


def quiet_survey_access_log():
    for name in ("werkzeug", "waitress", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SurveyLogFilter) for f in logger.filters):
            logger.addFilter(SurveyLogFilter())


def set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # same-origin on survey pages keeps the token on this site; strict-origin-when-cross-origin
    # elsewhere still sends the same-origin Referer that Flask-WTF checks over HTTPS.
    headers["Referrer-Policy"] = (
        "same-origin" if is_survey_path(request.path) else "strict-origin-when-cross-origin"
    )
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.path.startswith("/static/"):
        # Private pages and survey answers must never sit in a shared or browser cache.
        headers["Cache-Control"] = "no-store"
        # Most views answer an htmx request with a fragment and a plain one with a page.
        response.vary.add("HX-Request")
    return response


def nav_items():
    """The main navigation for the signed-in user's role: (address, label, whether it is the
    current section)."""
    role, section = menu_key()
    return [(address(endpoint), label, own_section == section) for endpoint, own_section, label in _nav_entries(role)]


def menu_key():
    """What the menu depends on besides the language: (the user's role or None, the current
    section). base.html keeps the rendered menu under it."""
    return _role(), (request.endpoint or "").split(".")[0]


@cache
def _nav_entries(role):
    """(endpoint, its section, label) for a role (None: not signed in); the labels translate when shown."""
    items = [("main.index", _l("Home")), ("groups.index", _l("Groups")), ("members.index", _l("Members"))]
    if role == "admin":
        items += [("staff.index", _l("Staff")), ("crisis.index", _l("Crisis lines")),
                  ("agreements.index", _l("Agreements")), ("survey_admin.index", _l("Surveys")),
                  ("settings.index", _l("Settings"))]
    if role in ("admin", "supervisor"):
        items.append(("results.organization", _l("Feedback")))
    if role is not None:
        items += [("reports.index", _l("Reports")), ("incidents.index", _l("Incidents"))]
    items.append(("account.index", _l("Account")))
    return tuple((endpoint, endpoint.split(".")[0], label) for endpoint, label in items)


MAX_ID = 2**63 - 1  # the largest id the databases store; larger numbers cannot name anything


class IdConverter(IntegerConverter):
    """<int:...> in every route: a number too large for the database is a 404, not a crash."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def parse_id(value):
    """An id sent in a form, or None when it is not one (letters, signs, absurdly large)."""
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


def _role():
    return current_user.role if current_user.is_authenticated else None


def led_group_ids():
    """Ids of the groups the signed-in facilitator leads (cached for the request)."""
    if "led_group_ids" not in g:
        g.led_group_ids = {group_id for (group_id,) in _LED_GROUPS.rows(current_user.id)}
    return g.led_group_ids


def archived_group_ids():
    """Ids of archived groups (cached for the request): archived means read-only everywhere."""
    if "archived_group_ids" not in g:
        g.archived_group_ids = {group_id for (group_id,) in _ARCHIVED_GROUPS.rows()}
    return g.archived_group_ids


_LED_GROUPS = Prepared(lambda user_id: GroupFacilitator.select(GroupFacilitator.group)
                       .where(GroupFacilitator.user == user_id).tuples())
_ARCHIVED_GROUPS = Prepared(lambda: Group.select(Group.id).where(Group.archived).tuples())


def may_see_group(group_id, edit=False):
    role = _role()
    if edit and group_id in archived_group_ids():
        return False
    if role == "admin":
        return True
    if role == "supervisor":
        return not edit
    return role == "facilitator" and group_id in led_group_ids()


def _visible_ids():
    """The ids of the groups the user may see, or None for every group (admins, supervisors)."""
    role = _role()
    if role in ("admin", "supervisor"):
        return None
    return tuple(led_group_ids() or {0}) if role == "facilitator" else (0,)


def _groups(include_archived, ids):
    query = Group.select().order_by(Group.name)
    if not include_archived:
        query = query.where(~Group.archived)
    return query if ids is None else query.where(Group.id.in_(ids))


_VISIBLE_GROUPS = {archived: Prepared(lambda ids, archived=archived: _groups(archived, ids)) for archived in (True, False)}


def visible_groups(include_archived=False):
    """The groups the user may see, by name, as a query (to filter others by)."""
    return _groups(include_archived, _visible_ids())


def visible_group_list(include_archived=False):
    """visible_groups() as a list, its SQL compiled once for each kind of user."""
    return list(_VISIBLE_GROUPS[bool(include_archived)].rows(_visible_ids()))


def get_group(group_id, edit=False):
    group = row_by_id(Group, group_id)
    if group is None or not may_see_group(group.id, edit):
        abort(404)
    if edit and group.archived:
        abort(404)
    return group


def _get_in_group(model, row_id, edit):
    """A row that belongs to one group (a meeting, a pairing): visible with its group."""
    row = row_by_id(model, row_id)
    if row is None or not may_see_group(row.group_id, edit):
        abort(404)
    return row


def get_meeting(meeting_id, edit=False):
    return _get_in_group(Meeting, meeting_id, edit)


def member_group_ids(member_id):
    """Ids of the groups the member belongs to (cached for the request: a member's page asks thrice)."""
    cache = g.setdefault("member_group_ids", {})
    if member_id not in cache:
        cache[member_id] = frozenset(group_id for (group_id,) in _MEMBER_GROUPS.rows(member_id))
    return cache[member_id]


_MEMBER_GROUPS = Prepared(lambda member_id: GroupMember.select(GroupMember.group)
                          .where(GroupMember.member == member_id).tuples())


def may_see_member(member_id, edit=False):
    role = _role()
    if role == "admin":
        return True
    if role == "supervisor":
        return not edit
    # A facilitator changes a member through a group they lead that is not archived.
    groups = led_group_ids() - archived_group_ids() if edit else led_group_ids()
    return role == "facilitator" and bool(member_group_ids(member_id) & groups)


def get_member(member_id, edit=False):
    member = row_by_id(Member, member_id)
    if member is None or not may_see_member(member.id, edit):
        abort(404)
    return member


def may_merge(member_id):
    """Merging moves every membership and mark of a record: a facilitator may merge only records
    that belong to groups they lead (not archived); only admins merge across groups."""
    if _role() == "admin":
        return True
    return _role() == "facilitator" and member_group_ids(member_id) <= led_group_ids() - archived_group_ids()


def may_see_contact(member_id):
    """Contact details, and the sensitive parts of a mentor profile (self-described gender, date in
    recovery): admins, and the leaders of the member's groups. Not supervisors."""
    return _role() == "admin" or (_role() == "facilitator" and may_see_member(member_id))


def get_incident(incident_id):
    """Incidents are seen by admins, supervisors and the person who recorded them: not by the
    group's other facilitators (decisions.md, "Consent, safety and incidents")."""
    from .models import Incident

    incident = Incident.get_or_none(Incident.id == incident_id)
    if incident is None or not (_role() in ("admin", "supervisor") or incident.recorded_by_id == current_user.id):
        abort(404)
    return incident


def get_pairing(pairing_id, edit=False):
    """A mentor pairing belongs to the newcomer's group: who may see that group may see it."""
    from .models import Pairing

    return _get_in_group(Pairing, pairing_id, edit)


def require_role(*roles):
    """Sign in first; then 404 (not 403: do not reveal what exists) without one of roles."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        abort(404)


def init_app(app):
    app.url_map.converters["int"] = IdConverter  # before any blueprint adds its rules
    quiet_survey_access_log()
    app.after_request(set_headers)

