"""Mentoring: mentor profiles and newcomer preferences, who waits for a mentor, suggestions with
reasons, matching everyone at once, the pairing lifecycle and check-ins."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from wtforms import BooleanField, SelectChoice, StringField, TextAreaField
from wtforms.validators import ValidationError

from .. import consent, labels, matching, members, pairing
from ..attendance import local_today
from ..db import write_transaction
from ..forms import (
    Form, choice_field, codes_field, date_field, integer_field, language_choices, max_length,
)
from ..i18n import gettext as _, lazy_gettext as _l, ngettext
from ..labels import choices
from ..models import (
    ROLES, MentorProfile, NewcomerPreference,
    Organization, SLOTS, split_codes,
)
from ..pages import render
from ..security import (
    get_group, get_member, get_pairing, may_see_contact, may_see_group, parse_id, require_role, visible_group_list,
)

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")

MAX_SUGGESTIONS = 10
CODE_FIELDS = ("languages", "focus_areas", "availability")


def refusal_message(code):
    return {
        "self": _("Nobody can be their own mentor."),
        "mentor_unavailable": _("This mentor is archived or no longer willing to mentor. Please choose someone else."),
        "taken": _("This newcomer already has a proposed or active pairing."),
        "capacity": _("This mentor has no free place. Please choose someone else."),
        "language": _("They share no language. Tick “Show mentors without a shared language” to pair them anyway."),
        "state": _("This pairing changed in the meantime. Nothing was saved."),
    }[code]


def slot_choices():
    return [SelectChoice(slot, slot) for slot in SLOTS]  # drawn as a grid of day and part names, not by label


def focus_choices():
    return [SelectChoice(name, name) for name in current_app.config["MENTOR_FOCUS_AREAS"]]


class MentorForm(Form):
    willing = BooleanField(_l("Willing to mentor"))
    capacity = integer_field(_l("How many newcomers at once"), 1, 10)
    languages = codes_field(_l("Languages spoken"), language_choices())
    focus_areas = codes_field(_l("Focus areas"))
    availability = codes_field(_l("Usually available"), slot_choices())
    in_recovery_since = date_field(_l("In recovery or in the group since (optional)"))
    gender = StringField(_l("Gender in their own words (optional)"), validators=[max_length(60)])

    def validate_capacity(self, field):
        # Not DataRequired: it would replace the parse error ("a whole number from 1 to 10").
        if field.data is None and not field.errors:
            raise ValidationError(_l("Please fill this in."))


class PreferenceForm(Form):
    languages = codes_field(_l("Languages the mentor should speak"), language_choices())
    preferred_gender = StringField(_l("Preferred gender of the mentor (optional)"), validators=[max_length(60)])
    focus_areas = codes_field(_l("Focus areas"))
    availability = codes_field(_l("Usually available"), slot_choices())


class ActivateForm(Form):
    consent = BooleanField(_l("Both agreed to share their contact details with each other"))


class EndForm(Form):
    reason = choice_field(_l("Why does it end?"), choices(labels.END_REASONS))


class CheckInForm(Form):
    date = date_field(_l("Date"))
    kind = choice_field(_l("What happened"), choices(labels.CHECK_IN_KINDS))
    note = TextAreaField(_l("Short note (optional)"), validators=[max_length(500)])

    def validate_date(self, field):
        if field.data is None and not field.errors:
            raise ValidationError(_l("Please enter a date like 2026-03-31."))


@bp.before_request
def signed_in():
    require_role(*ROLES)


def editable_group_ids():
    """Groups whose mentors the user may pair: all for admins, the led ones for facilitators."""
    return [g.id for g in visible_group_list() if may_see_group(g.id, edit=True)]


def _codes_form(form_class, row, **defaults):
    """A profile form filled from `row` (or defaults), its focus-area choices from the setting."""
    if request.method == "POST":
        form = form_class()
    elif row is not None:
        form = form_class(formdata=None, obj=row)
        for name in CODE_FIELDS:  # stored comma-separated, edited as lists
            getattr(form, name).data = split_codes(getattr(row, name))
    else:
        form = form_class(formdata=None, **defaults)
    form.focus_areas.choices = focus_choices()
    return form


def _codes(form):
    return {name: ",".join(getattr(form, name).data or []) for name in CODE_FIELDS}


@bp.route("/members/<int:member_id>/mentor", methods=["GET", "POST"])
def mentor_profile(member_id):
    member = get_member(member_id, edit=True)
    form = _codes_form(MentorForm, pairing.mentor_profile_of(member.id), willing=True, capacity=1, languages=[member.locale])
    if form.validate_on_submit():
        pairing.save_profile(MentorProfile, member.id, dict(
            _codes(form), willing=form.willing.data, capacity=form.capacity.data or 1,
            in_recovery_since=form.in_recovery_since.data, gender=(form.gender.data or "").strip()))
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("members.show", member_id=member.id), 303)
    return render("mentoring/profile.html", form=form, member=member, status=422 if form.errors else 200)


@bp.route("/members/<int:member_id>/preferences", methods=["GET", "POST"])
def preferences(member_id):
    member = get_member(member_id, edit=True)
    form = _codes_form(PreferenceForm, pairing.preference_of(member.id), languages=[member.locale])
    if form.validate_on_submit():
        pairing.save_profile(NewcomerPreference, member.id, dict(_codes(form), preferred_gender=(form.preferred_gender.data or "").strip()))
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("members.show", member_id=member.id), 303)
    return render("mentoring/preferences.html", form=form, member=member, status=422 if form.errors else 200)


def _waiting(group):
    return pairing.waiting_in(group, current_app.config["NEWCOMER_WINDOW_DAYS"])


@bp.get("/groups/<int:group_id>")
def group(group_id):
    """The group's mentoring: who waits, open pairings, overdue check-ins, recent ends."""
    group = get_group(group_id)
    rows = pairing.pairing_rows(pairing.Pairing.group == group.id)
    overdue = pairing.overdue(group.id, current_app.config["CHECKIN_OVERDUE_DAYS"], local_today(group.timezone))
    return render("mentoring/group.html", group=group, waiting=_waiting(group), overdue=overdue,
                  open_rows=[r for r in rows if r["status"] in ("proposed", "active")],
                  closed_rows=[r for r in rows if r["status"] not in ("proposed", "active")][:20],
                  can_edit=may_see_group(group.id, edit=True) and not group.archived)


def _group_newcomer(group, member_id):
    """A member of `group` the user may pair; 404 otherwise."""
    member = get_member(member_id, edit=True)
    return members.in_group(member.id, group.id) or abort(404)


@bp.get("/groups/<int:group_id>/newcomers/<int:member_id>")
def suggestions(group_id, member_id):
    """Ranked mentors for one newcomer, each with a score and the reasons behind it."""
    group = get_group(group_id, edit=True)
    newcomer = _group_newcomer(group, member_id)
    any_language = request.args.get("any_language") == "1"
    current = pairing.pairing_rows(pairing.Pairing.newcomer == newcomer.id, pairing.open_pairings())
    today = local_today(group.timezone)
    since = pairing.first_present(newcomer.id, group.id)
    needs = pairing.newcomer_needs([{"id": newcomer.id, "locale": newcomer.locale, "since": since}], today)[0]
    ranked = matching.rank_mentors(pairing.mentor_candidates(editable_group_ids(), today), needs,
                                   allow_language_mismatch=any_language)[:MAX_SUGGESTIONS]
    mentor_names = pairing.names(s.mentor_id for s in ranked)
    return render("mentoring/suggestions.html", group=group, newcomer=newcomer, needs=needs, since=since,
                  current=current[0] if current else None, any_language=any_language,
                  suggestions=[(s, mentor_names[s.mentor_id]) for s in ranked])


@bp.post("/groups/<int:group_id>/pairings")
def propose(group_id):
    group = get_group(group_id, edit=True)
    newcomer = _group_newcomer(group, _form_id("newcomer_id"))
    mentor = get_member(_form_id("mentor_id"), edit=True)
    any_language = request.form.get("any_language") == "1"
    try:
        created = pairing.propose([(newcomer.id, mentor.id)], group.id, current_user.id, any_language)
    except pairing.Refused as refused:
        flash(refusal_message(refused.code), "error")
        return redirect(url_for("mentoring.suggestions", group_id=group.id, member_id=newcomer.id,
                                any_language=1 if any_language else None), 303)
    flash(_("%(mentor)s is proposed as mentor for %(newcomer)s.", mentor=mentor.name, newcomer=newcomer.name),
          "success")
    return redirect(url_for("mentoring.show", pairing_id=created[0].id), 303)


def _form_id(name):
    value = parse_id(request.form.get(name))
    return value if value is not None else abort(400)


@bp.route("/groups/<int:group_id>/match", methods=["GET", "POST"])
def match(group_id):
    """Everyone waiting in the group at once: the optimal proposal; the facilitator ticks which to keep."""
    group = get_group(group_id, edit=True)
    newcomers = [{**row, "group_id": group.id} for row in _waiting(group)]
    here = url_for("mentoring.match", group_id=group.id)
    if request.method == "POST":
        return _confirm_match(newcomers, here, url_for("mentoring.group", group_id=group.id))
    return _match_page(group, newcomers, editable_group_ids(), local_today(group.timezone))


@bp.route("/match", methods=["GET", "POST"])
def match_everyone():
    """The whole organization at once (admins): a newcomer waiting in two groups counts once."""
    require_role("admin")
    newcomers, seen = [], set()
    for group in visible_group_list():
        for row in _waiting(group):
            if row["id"] not in seen:
                seen.add(row["id"])
                newcomers.append({**row, "group_id": group.id})
    here = url_for("mentoring.match_everyone")
    if request.method == "POST":
        return _confirm_match(newcomers, here, here)
    org = Organization.current()
    return _match_page(None, newcomers, editable_group_ids(), local_today(org.timezone if org else "UTC"))


def _match_page(group, newcomers, group_ids, today):
    needs = pairing.newcomer_needs(newcomers, today)
    mentors = pairing.mentor_candidates(group_ids, today)
    proposal = matching.match_all(mentors, needs)
    matched = {n for n, _m, _s in proposal}
    reasons = {(n.id, s.mentor_id): s for n in needs for s in matching.rank_mentors(mentors, n)}
    member_names = pairing.names({n for n, _m, _s in proposal} | {m for _n, m, _s in proposal})
    rows = [{"newcomer_id": n, "mentor_id": m, "score": s, "newcomer": member_names[n], "mentor": member_names[m],
             "reasons": reasons[(n, m)].reasons} for n, m, s in proposal]
    return render("mentoring/match.html", group=group, rows=rows,
                  unmatched=[n for n in newcomers if n["id"] not in matched])


def _confirm_match(newcomers, back, done):
    """Propose the ticked pairs, all or none; each pairing belongs to its newcomer's group."""
    group_of = {row["id"]: row["group_id"] for row in newcomers}
    pairs = []
    for value in request.form.getlist("pair"):
        newcomer_id, _sep, mentor_id = value.partition("-")
        newcomer_id, mentor_id = parse_id(newcomer_id), parse_id(mentor_id)
        if newcomer_id is None or mentor_id is None:
            abort(400)
        if newcomer_id not in group_of:  # not waiting (any more) where this user may pair
            abort(404)
        pairs.append((newcomer_id, get_member(mentor_id, edit=True).id))
    if not pairs:
        flash(_("Nothing was proposed."), "success")
        return redirect(done, 303)
    try:
        with write_transaction():
            for group_id in sorted({group_of[n] for n, _m in pairs}):
                pairing.propose([p for p in pairs if group_of[p[0]] == group_id], group_id, current_user.id)
    except pairing.Refused as refused:
        flash(refusal_message(refused.code) + " " + _("None of the pairings was saved."), "error")
        return redirect(back, 303)
    flash(ngettext("%(num)d pairing proposed.", "%(num)d pairings proposed.", len(pairs)), "success")
    return redirect(done, 303)


def _pairing_page(item, status=200, **forms):
    """The pairing with its check-ins and the forms for what can happen next; `forms` replaces
    one with the invalid form just posted, so what was typed stays."""
    row = pairing.pairing_rows(pairing.Pairing.id == item.id)[0]
    group = get_group(item.group_id)
    forms = {"activate_form": ActivateForm(formdata=None), "end_form": EndForm(formdata=None),
             "check_in_form": CheckInForm(formdata=None, date=local_today(group.timezone)), **forms}
    return render("mentoring/pairing.html", row=row, group=group, check_ins=pairing.check_ins(item.id),
                  can_edit=may_see_group(item.group_id, edit=True) and not group.archived,
                  contact=may_see_contact(item.newcomer_id) and may_see_contact(item.mentor_id),
                  consent=item.consent_to_share_contact and not consent.contact_withdrawn([item.newcomer_id, item.mentor_id]),
                  status=status, **forms)


@bp.get("/pairings/<int:pairing_id>")
def show(pairing_id):
    return _pairing_page(get_pairing(pairing_id))


def _refused_or_saved(item, action, message):
    """Run a lifecycle action; a refusal is flashed (nothing was saved) and both end on the page."""
    try:
        action()
    except pairing.Refused as refused:
        flash(refusal_message(refused.code), "error")
    else:
        flash(message, "success")
    return redirect(url_for("mentoring.show", pairing_id=item.id), 303)


@bp.post("/pairings/<int:pairing_id>/activate")
def activate(pairing_id):
    item = get_pairing(pairing_id, edit=True)
    form = ActivateForm()
    form.validate_on_submit() or abort(400)
    return _refused_or_saved(item, lambda: pairing.activate(item.id, form.consent.data),
                             _("The pairing is active."))


@bp.post("/pairings/<int:pairing_id>/end")
def end(pairing_id):
    item = get_pairing(pairing_id, edit=True)
    form = EndForm()
    if not form.validate_on_submit():
        return _pairing_page(item, status=422, end_form=form)
    return _refused_or_saved(item, lambda: pairing.end(item.id, form.reason.data), _("The pairing has ended."))


@bp.post("/pairings/<int:pairing_id>/rematch")
def rematch(pairing_id):
    """End this pairing as rematched and go straight to the suggestions for another mentor."""
    item = get_pairing(pairing_id, edit=True)
    try:
        pairing.end(item.id, None, status="rematched")
    except pairing.Refused as refused:
        flash(refusal_message(refused.code), "error")
        return redirect(url_for("mentoring.show", pairing_id=item.id), 303)
    flash(_("The pairing is closed. Please choose another mentor."), "success")
    return redirect(url_for("mentoring.suggestions", group_id=item.group_id, member_id=item.newcomer_id), 303)


@bp.post("/pairings/<int:pairing_id>/check-ins")
def check_in(pairing_id):
    item = get_pairing(pairing_id, edit=True)
    form = CheckInForm()
    if not form.validate_on_submit():
        return _pairing_page(item, status=422, check_in_form=form)
    return _refused_or_saved(
        item, lambda: pairing.add_check_in(item.id, form.date.data, form.kind.data, (form.note.data or "").strip(),
                                           current_user.id),
        _("The check-in is saved."))
