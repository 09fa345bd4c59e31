"""Members: search, their page with attendance history, edit, archive, merge two records."""
import datetime

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from peewee import fn
from wtforms import StringField

from ..db import write_transaction
from ..forms import (
    Form,
    EmptyForm, date_field, email_field, language_field, max_length, name_field,
)
from ..models import ROLES, Attendance, AttendanceChange, Group, GroupMember, Meeting, Member
from ..pages import render
from ..security import (
    get_group, get_member, may_see_contact, may_see_group, may_see_member, parse_id, require_role,
    visible_groups,
)
from .mentoring import member_section

bp = Blueprint("members", __name__, url_prefix="/members")


class MemberForm(Form):
    name = name_field(_l("Name or alias"), max_length=80)
    locale = language_field()
    pronouns = StringField(_l("Pronouns (optional)"), validators=[max_length(40)])
    phone = StringField(_l("Phone (optional)"), validators=[max_length(40)])
    email = email_field(_l("Email (optional)"), required=False)
    joined_on = date_field(_l("Joined on"))


@bp.before_request
def signed_in():
    require_role(*ROLES)


def visible_member_query():
    # A subquery, not a join with DISTINCT: PostgreSQL refuses DISTINCT with ORDER BY LOWER(name).
    groups = visible_groups(include_archived=True).select(Group.id).order_by()
    in_groups = GroupMember.select(GroupMember.member).where(GroupMember.group.in_(groups))
    return Member.select().where(Member.id.in_(in_groups), Member.merged_into.is_null())


@bp.get("/")
def index():
    query = request.args.get("q", "")[:80].strip()
    show_archived = request.args.get("archived") == "1"
    members = visible_member_query().where(Member.archived == show_archived).order_by(fn.LOWER(Member.name))
    rows = [m for m in members if query.casefold() in m.name.casefold()][:200]
    return render("members/index.html", "members/_results.html", members=rows, query=query,
                  show_archived=show_archived)


@bp.get("/<int:member_id>")
def show(member_id):
    member = get_member(member_id)
    groups = [g for g in Group.select().join(GroupMember).where(GroupMember.member == member.id)
              if may_see_group(g.id)]
    marks = (Attendance.select(Attendance.state, Meeting.local_date, Meeting.id.alias("meeting_id"),
                               Group.name.alias("group_name"))
             .join(Meeting, on=(Attendance.meeting == Meeting.id))
             .join(Group, on=(Meeting.group == Group.id))
             .where(Attendance.member == member.id, Meeting.group.in_([g.id for g in groups] or [0]))
             .order_by(Meeting.local_date.desc()).limit(100).dicts())
    joinable = [g for g in visible_groups() if g.id not in {x.id for x in groups} and may_see_group(g.id, edit=True)]
    return render("members/show.html", member=member, groups=groups, marks=list(marks), joinable=joinable,
                  contact=may_see_contact(member.id), can_edit=may_see_member(member.id, edit=True),
                  mentoring=member_section(member, [g.id for g in groups]))


@bp.post("/<int:member_id>/groups")
def join_group(member_id):
    """Add this person to another group the user leads (a member may belong to several)."""
    member = get_member(member_id, edit=True)
    EmptyForm().validate_on_submit() or abort(400)
    group_id = request.form.get("group_id", "")
    group = get_group(parse_id(group_id), edit=True) if parse_id(group_id) else abort(400)
    with write_transaction():
        membership = GroupMember.get_or_none(GroupMember.group == group.id, GroupMember.member == member.id)
        if membership is None:
            GroupMember.create(group=group.id, member=member.id, joined_on=datetime.date.today())
        else:
            GroupMember.update(active=True).where(GroupMember.id == membership.id).execute()
    flash(_("%(name)s is added to the group.", name=member.name), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.post("/<int:member_id>/groups/<int:group_id>/leave")
def leave_group(member_id, group_id):
    """Take the person off a group's roster; their attendance there is kept."""
    member = get_member(member_id, edit=True)
    group = get_group(group_id, edit=True)
    EmptyForm().validate_on_submit() or abort(400)
    GroupMember.update(active=False).where(GroupMember.group == group.id, GroupMember.member == member.id).execute()
    flash(_("%(name)s is no longer on this group's list. Their history is kept.", name=member.name), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
def edit(member_id):
    member = get_member(member_id, edit=True)
    form = MemberForm(obj=member)
    if form.validate_on_submit():
        Member.update(name=form.name.data, locale=form.locale.data, pronouns=form.pronouns.data.strip(),
                      phone=form.phone.data.strip(), email=(form.email.data or "").strip(),
                      joined_on=form.joined_on.data or member.joined_on).where(Member.id == member.id).execute()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("members.show", member_id=member.id), 303)
    return render("members/form.html", form=form, member=member, status=422 if form.errors else 200)


@bp.post("/<int:member_id>/archive")
def archive(member_id):
    member = get_member(member_id, edit=True)
    EmptyForm().validate_on_submit() or abort(400)
    Member.update(archived=not member.archived).where(Member.id == member.id).execute()
    flash(_("%(name)s is restored.", name=member.name) if member.archived
          else _("%(name)s is archived. Their history is kept.", name=member.name), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.post("/groups/<int:group_id>")
def add_to_group(group_id):
    """Add a new person to a group's roster (outside a meeting)."""
    group = get_group(group_id, edit=True)
    form = MemberForm()
    if form.validate_on_submit():
        with write_transaction():
            joined = form.joined_on.data or datetime.date.today()
            member = Member.create(name=form.name.data, locale=form.locale.data, pronouns=form.pronouns.data.strip(),
                                   phone=form.phone.data.strip(), email=(form.email.data or "").strip(), joined_on=joined)
            GroupMember.create(group=group.id, member=member.id, joined_on=joined)
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
    candidates = [m for m in visible_member_query().where(Member.id != member.id, ~Member.archived)
                  .order_by(fn.LOWER(Member.name)) if query.casefold() in m.name.casefold()][:50]
    if request.method == "POST":
        EmptyForm().validate_on_submit() or abort(400)
        target_id = request.form.get("into", "")
        target = get_member(parse_id(target_id), edit=True) if parse_id(target_id) else abort(400)
        if target.id == member.id:
            abort(400)
        merge_members(member, target)
        flash(_("The two records are merged into %(name)s.", name=target.name), "success")
        return redirect(url_for("members.show", member_id=target.id), 303)
    return render("members/merge.html", member=member, candidates=candidates, query=query)


def merge_members(source, target):
    """Move memberships and attendance from source to target; where both were marked at the same
    meeting, present wins. The source stays as an archived pointer to the target."""
    with write_transaction():
        for membership in GroupMember.select().where(GroupMember.member == source.id):
            existing = GroupMember.get_or_none(GroupMember.group == membership.group_id, GroupMember.member == target.id)
            if existing is None:
                GroupMember.update(member=target.id).where(GroupMember.id == membership.id).execute()
            else:
                GroupMember.update(joined_on=min(existing.joined_on, membership.joined_on),
                                   active=existing.active or membership.active).where(GroupMember.id == existing.id).execute()
                membership.delete_instance()
        for mark in Attendance.select().where(Attendance.member == source.id):
            existing = Attendance.get_or_none(Attendance.meeting == mark.meeting_id, Attendance.member == target.id)
            if existing is None:
                Attendance.update(member=target.id).where(Attendance.id == mark.id).execute()
            else:
                if mark.state == "present" and existing.state != "present":
                    Attendance.update(state="present").where(Attendance.id == existing.id).execute()
                mark.delete_instance()
        AttendanceChange.update(member=target.id).where(AttendanceChange.member == source.id).execute()
        Member.update(archived=True, merged_into=target.id).where(Member.id == source.id).execute()
        Member.update(joined_on=min(source.joined_on, target.joined_on)).where(Member.id == target.id).execute()
