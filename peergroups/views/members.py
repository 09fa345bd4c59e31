"""Members: search, their page with attendance history, edit, archive, merge two records."""
import datetime

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from wtforms import StringField

from .. import consent, members, pairing
from ..forms import Form, date_field, email_field, language_field, max_length, name_field
from ..models import ROLES
from ..pages import ask_first, confirmed, render
from ..security import (
    get_group, get_member, may_see_contact, may_see_group, may_see_member, parse_id, require_role,
    visible_groups,
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
                  show_archived=show_archived)


@bp.get("/<int:member_id>")
def show(member_id):
    member = get_member(member_id)
    groups = [g for g in members.groups_of(member.id) if may_see_group(g.id)]
    group_ids = [g.id for g in groups]
    joinable = [g for g in visible_groups() if g.id not in group_ids and may_see_group(g.id, edit=True)]
    return render("members/show.html", member=member, groups=groups, marks=members.recent_marks(member.id, group_ids),
                  joinable=joinable, contact=may_see_contact(member.id),
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
        members.merge(member, target)
        flash(_("The two records are merged into %(name)s.", name=target.name), "success")
        return redirect(url_for("members.show", member_id=target.id), 303)
    return render("members/merge.html", member=member, candidates=candidates, query=query)
