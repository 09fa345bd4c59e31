"""Members: search, their page with attendance history, edit, archive, merge two records."""
import datetime

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import FileField, HiddenField, StringField

from .. import audit, consent, erasure, members, pairing
from ..forms import Form, date_field, email_field, language_field, max_length, name_field
from ..i18n import gettext as _, lazy_gettext as _l, match_locale, ngettext, organization_default
from ..models import ROLES
from ..pages import ask_first, confirmed, render
from ..security import (
    get_group, get_member, may_merge, may_see_contact, may_see_group, may_see_member, parse_id, require_role,
    visible_group_list, visible_groups,
)

bp = Blueprint("members", __name__, url_prefix="/members")


class MemberForm(Form):
    name = name_field(_l("Name or alias"), max_length=80)
    locale = language_field()
    pronouns = StringField(_l("Pronouns (optional)"), validators=[max_length(40)])
    phone = StringField(_l("Phone (optional)"), validators=[max_length(40)])
    email = email_field(_l("Email (optional)"), required=False)
    joined_on = date_field(_l("Joined on"))

    def fields(self, joined_on):
        """The Member columns this form sets (joined_on when the form leaves it empty)."""
        return {"name": self.name.data, "locale": self.locale.data, "pronouns": self.pronouns.data.strip(),
                "phone": self.phone.data.strip(), "email": (self.email.data or "").strip(),
                "joined_on": self.joined_on.data or joined_on}


@bp.before_request
def signed_in():
    require_role(*ROLES)


def _visible_groups():
    return visible_groups(include_archived=True)


@bp.get("/")
def index():
    query = request.args.get("q", "")[:80].strip()
    show_archived = request.args.get("archived") == "1"
    rows = members.search(_visible_groups(), query, archived=show_archived)
    return render("members/index.html", "members/_results.html", members=rows, query=query,
                  show_archived=show_archived, can_add=any(may_see_group(g.id, edit=True) for g in visible_group_list()))


@bp.get("/<int:member_id>")
def show(member_id):
    member = get_member(member_id)
    groups = [g for g in members.groups_of(member.id) if may_see_group(g.id)]
    group_ids = [g.id for g in groups]
    joinable = [g for g in visible_group_list() if g.id not in group_ids and may_see_group(g.id, edit=True)]
    contact = may_see_contact(member.id)
    if contact and (member.phone or member.email):
        audit.record("member.contact_view", current_user.id, target_id=member.id)
    return render("members/show.html", member=member, groups=groups, marks=members.recent_marks(member.id, group_ids),
                  joinable=joinable, contact=contact, may_erase=current_user.role == "admin" and not member.erased_at,
                  can_edit=may_see_member(member.id, edit=True),
                  mentoring=pairing.member_section(member.id, group_ids),
                  agreements=consent.member_status(member.id))


@bp.post("/<int:member_id>/groups")
def join_group(member_id):
    """Add this person to another group the user leads (a member may belong to several)."""
    member = get_member(member_id, edit=True)
    group_id = parse_id(request.form.get("group_id", "")) or abort(400)
    group = get_group(group_id, edit=True)
    members.join_group(member.id, group.id)
    flash(_("%(name)s is added to the group.", name=member.name), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.post("/<int:member_id>/groups/<int:group_id>/leave")
def leave_group(member_id, group_id):
    """Take the person off a group's roster; their attendance there is kept."""
    member = get_member(member_id, edit=True)
    group = get_group(group_id, edit=True)
    if not confirmed():
        return ask_first(_("Take %(name)s off the list of %(group)s? Their history is kept.", name=member.name,
                           group=group.name), _("Take off the list"))
    members.leave_group(member.id, group.id)
    flash(_("%(name)s is no longer on this group's list. Their history is kept.", name=member.name), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
def edit(member_id):
    member = get_member(member_id, edit=True)
    form = MemberForm(obj=member)
    if form.validate_on_submit():
        members.update_member(member.id, form.fields(joined_on=member.joined_on))
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("members.show", member_id=member.id), 303)
    return render("members/form.html", form=form, member=member, status=422 if form.errors else 200)


@bp.post("/<int:member_id>/archive")
def archive(member_id):
    member = get_member(member_id, edit=True)
    if not member.archived and not confirmed():
        return ask_first(_("Archive %(name)s? The history is kept, and it can be restored.", name=member.name),
                         _("Archive"))
    members.set_archived(member.id, not member.archived)
    flash(_("%(name)s is restored.", name=member.name) if member.archived
          else _("%(name)s is archived. Their history is kept.", name=member.name), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.post("/<int:member_id>/erase")
def erase(member_id):
    """Erase the person's personal data on their request (admins only); their attendance stays as
    an anonymous record, so counts and rates do not change."""
    require_role("admin")
    member = get_member(member_id, edit=True)
    if member.erased_at:
        return redirect(url_for("members.show", member_id=member.id), 303)
    if not confirmed():
        return ask_first(_("Erase %(name)s's personal data? Their name, contact details, pronouns, mentor profile, "
                           "wishes, pairings and check-in notes are deleted for good; their attendance stays, "
                           "anonymous, so counts do not change. This cannot be undone.", name=member.name),
                         _("Erase for good"))
    try:
        erasure.erase_member(member.id, current_user.id)
    except erasure.ErasureRefused:
        flash(_("%(name)s is in an active mentor pairing: end it first, so the other person knows.",
                name=member.name), "error")
        return redirect(url_for("members.show", member_id=member.id), 303)
    flash(_("The personal data is erased. The anonymous attendance record remains."), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.post("/groups/<int:group_id>")
def add_to_group(group_id):
    """Add a new person to a group's roster (outside a meeting)."""
    group = get_group(group_id, edit=True)
    form = MemberForm()
    if form.validate_on_submit():
        member = members.add_member(group.id, form.fields(joined_on=datetime.date.today()))
        flash(_("%(name)s is added to the group.", name=member.name), "success")
        return redirect(url_for("groups.show", group_id=group.id), 303)
    return render("members/form.html", form=form, member=None, group=group, status=422)


@bp.get("/groups/<int:group_id>/new")
def new_in_group(group_id):
    group = get_group(group_id, edit=True)
    form = MemberForm(formdata=None, locale=(group.language_list or ["en"])[0], joined_on=datetime.date.today())
    return render("members/form.html", form=form, member=None, group=group)


@bp.get("/new")
def new():
    """Add a member: first choose the group (the members page lists people of many groups)."""
    groups = _editable_groups()
    if len(groups) == 1:
        return redirect(url_for("members.new_in_group", group_id=groups[0].id))
    return render("members/choose_group.html", groups=groups)


def _editable_groups():
    groups = [g for g in visible_group_list() if may_see_group(g.id, edit=True)]
    return groups or abort(404)


class ImportForm(Form):
    file = FileField(_l("Roster file (CSV)"))
    roster = HiddenField()  # after the preview, the file's text comes back with the confirmation


def _check_roster(rows, groups, group):
    """Each row of a roster file as a dict with its line, name, groups, the Member fields and its
    problems (translated); duplicates of a name already in a group, or earlier in the file, are
    skipped, not imported twice."""
    by_name = {g.name.casefold(): g for g in groups}
    taken = members.names_in(g.id for g in groups)
    checked = []
    for line, row in rows:
        problems = []
        wanted = [part.strip() for part in row["groups"].split(";") if part.strip()]
        chosen = [by_name.get(name.casefold()) for name in wanted] if wanted else [group]
        if not wanted and group is None:
            problems.append(_("Which group? Add a \"groups\" column."))
        for name, found in zip(wanted, chosen):
            if found is None:
                problems.append(_("No group of yours is called \"%(name)s\".", name=name))
        chosen = [g for g in chosen if g is not None]
        locale = match_locale(row["language"]) if row["language"] else (
            (chosen[0].language_list[0] if chosen and chosen[0].language_list else organization_default()))
        if locale is None:
            problems.append(_("\"%(language)s\" is not a language this site offers.", language=row["language"]))
        form = MemberForm(formdata=MultiDict({"name": row["name"], "locale": locale or "", "pronouns": row["pronouns"],
                                              "phone": row["phone"], "email": row["email"]}), meta={"csrf": False})
        form.validate()
        problems += [message for field in form for message in field.errors if field.name != "locale"]
        key = row["name"].casefold()
        skipped = [g for g in chosen if (g.id, key) in taken]
        taken.update((g.id, key) for g in chosen)
        checked.append({"line": line, "name": row["name"], "groups": chosen, "problems": problems,
                        "skipped": skipped, "fields": form.fields(joined_on=datetime.date.today())})
    return checked


@bp.route("/import", methods=["GET", "POST"])
def import_roster():
    """A roster from a CSV file: a preview with every row's problems, then all of it or nothing."""
    groups = _editable_groups()
    group = get_group(parse_id(request.values["group"]) or abort(404), edit=True) if request.values.get("group") else None
    form = ImportForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render("members/import.html", form=form, group=group, rows=None)
    upload = request.files.get("file")
    data = upload.read() if upload and upload.filename else (form.roster.data or "").encode()
    if not data.strip():
        form.file.errors = [_("Please choose a file.")]
        return render("members/import.html", form=form, group=group, rows=None, status=422)
    try:
        rows = _check_roster(members.read_roster(data), groups, group)
    except members.RosterFileError as problem:
        form.file.errors = [str(problem)]
        return render("members/import.html", form=form, group=group, rows=None, status=422)
    people = [(row["fields"], [g.id for g in row["groups"] if g not in row["skipped"]])
              for row in rows if not row["problems"]]
    people = [(fields, ids) for fields, ids in people if ids]
    faults = sum(1 for row in rows if row["problems"])
    if faults or not confirmed():
        form.roster.data = data.decode("utf-8-sig", "replace")
        return render("members/import.html", form=form, group=group, rows=rows, faults=faults, count=len(people),
                      status=422 if faults else 200)
    count = members.import_roster(people)
    flash(ngettext("%(num)d person is added.", "%(num)d people are added.", count), "success")
    return redirect(url_for("groups.show", group_id=group.id) if group else url_for("members.index"), 303)


@bp.route("/<int:member_id>/merge", methods=["GET", "POST"])
def merge(member_id):
    """Two records of the same person: everything of this one moves to the one chosen."""
    member = get_member(member_id, edit=True)
    query = request.values.get("q", "")[:80].strip()
    candidates = members.search(_visible_groups(), query, exclude=member.id, limit=50)
    if request.method == "POST":
        target = get_member(parse_id(request.form.get("into", "")) or abort(400), edit=True)
        if target.id == member.id:
            abort(400)
        outside = next((m for m in (member, target) if not may_merge(m.id)), None)
        if outside is not None:
            problem = _("%(name)s is also in a group you do not lead: only an administrator can merge these records.",
                        name=outside.name)
            return render("members/merge.html", member=member, candidates=candidates, query=query, problem=problem,
                          status=422)
        members.merge(member, target)
        audit.record("member.merge", current_user.id, target_id=target.id, detail=f"from {member.id}")
        flash(_("The two records are merged into %(name)s.", name=target.name), "success")
        return redirect(url_for("members.show", member_id=target.id), 303)
    return render("members/merge.html", member=member, candidates=candidates, query=query)
