"""Agreements: admins write them and choose which each group expects; facilitators show one
full-screen in the member's language and record the acceptance (or a withdrawal); a member may
accept on their own phone through a one-time link (/s/agree/<token>, discreet like the survey)."""
from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from .. import consent, labels
from ..forms import Form, choice_field, date_field, max_length, name_field
from ..i18n import LANGUAGES, bcp47, gettext as _, is_rtl, lazy_gettext as _l, native_name, use_survey_languages
from ..attendance import local_today
from ..labels import choices
from ..models import ROLES
from ..pages import ask_first, confirmed, render
from ..security import get_group, get_member, may_see_member, parse_id, require_role
from ..sessions import staff_browser
from ..sharing import public_url, qr_svg

bp = Blueprint("agreements", __name__)


class AgreementForm(Form):
    title = name_field(_l("Name in lists"), max_length=consent.TITLE_MAX)
    shares_contact = BooleanField(_l("This agreement is about sharing contact details with a mentor"))
    fallback = choice_field(_l("Fallback language"), [(code, native_name(code)) for code in LANGUAGES])

    def validate_fallback(self, field):
        code = field.data
        if code in LANGUAGES and not ((self[f"title_{code}"].data or "").strip() and (self[f"body_{code}"].data or "").strip()):
            raise ValidationError(_l("Please write the title and the text in the fallback language."))


for _code in LANGUAGES:
    setattr(AgreementForm, f"title_{_code}", StringField(_l("Title"), validators=[max_length(consent.TITLE_MAX)],
                                                         render_kw={"lang": bcp47(_code)}))
    setattr(AgreementForm, f"body_{_code}", TextAreaField(_l("Text"), validators=[max_length(consent.BODY_MAX)],
                                                          render_kw={"lang": bcp47(_code), "rows": 8}))


class AcceptForm(Form):
    method = choice_field(_l("How it was given"), choices(labels.CONSENT_METHODS))
    given_on = date_field(_l("Date"))
    version = StringField()
    back = StringField()


def _texts(form):
    return {code: (form[f"title_{code}"].data or "", form[f"body_{code}"].data or "") for code in LANGUAGES}


def _language_fields(form):
    return [(code, form[f"title_{code}"], form[f"body_{code}"]) for code in LANGUAGES]


# Admins: the agreements ------------------------------------------------------------------------

@bp.get("/admin/agreements/")
def index():
    require_role("admin")
    return _index_page(AgreementForm(formdata=None, fallback=str(get_locale())))


def _index_page(form, status=200):
    return render("agreements/index.html", form=form, fields=_language_fields(form), status=status,
                  agreements=consent.agreements(include_archived=True))


@bp.post("/admin/agreements/")
def create():
    require_role("admin")
    form = AgreementForm()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    agreement = consent.create_agreement(form.title.data, form.shares_contact.data, form.fallback.data,
                                         _texts(form), current_user.id)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("agreements.edit", agreement_id=agreement.id), 303)


def _edit_page(agreement, form, status=200):
    return render("agreements/edit.html", agreement=agreement, form=form, fields=_language_fields(form),
                  versions=consent.versions(agreement.id), status=status)


@bp.get("/admin/agreements/<int:agreement_id>")
def edit(agreement_id):
    require_role("admin")
    agreement = consent.get_agreement(agreement_id) or abort(404)
    version = consent.current_version(agreement.id)
    texts = consent.texts_of(version)
    values = {f"{part}_{code}": text[part] for code, text in texts.items() for part in ("title", "body")}
    form = AgreementForm(formdata=None, title=agreement.title, shares_contact=agreement.shares_contact,
                         fallback=version.fallback_locale, **values)
    return _edit_page(agreement, form)


@bp.post("/admin/agreements/<int:agreement_id>")
def save(agreement_id):
    require_role("admin")
    agreement = consent.get_agreement(agreement_id) or abort(404)
    form = AgreementForm()
    if not form.validate_on_submit():
        return _edit_page(agreement, form, 422)
    added = consent.save_version(agreement.id, form.title.data, form.shares_contact.data, form.fallback.data,
                                 _texts(form), current_user.id)
    flash(_("A new version is saved. Acceptances of earlier versions are kept.") if added
          else _("Your changes are saved."), "success")
    return redirect(url_for("agreements.edit", agreement_id=agreement.id), 303)


@bp.post("/admin/agreements/<int:agreement_id>/archive")
def archive(agreement_id):
    require_role("admin")
    agreement = consent.get_agreement(agreement_id) or abort(404)
    if not agreement.archived and not confirmed():
        return ask_first(_("Archive %(name)s? Groups will no longer ask for it.", name=agreement.title), _("Archive"))
    consent.set_archived(agreement.id, not agreement.archived)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("agreements.index"), 303)


@bp.get("/groups/<int:group_id>/agreements")
def group(group_id):
    require_role("admin")
    group = get_group(group_id, edit=True)
    return render("agreements/group.html", group=group, agreements=consent.agreements(),
                  expected=consent.expected_ids(group.id))


@bp.post("/groups/<int:group_id>/agreements")
def set_group(group_id):
    require_role("admin")
    group = get_group(group_id, edit=True)
    known = {a.id for a in consent.agreements()}
    chosen = {parse_id(value) for value in request.form.getlist("agreement")}
    consent.set_expected(group.id, chosen & known)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("groups.show", group_id=group.id), 303)


# Staff with a member: read together, record, withdraw, hand over, print --------------------------

def _member_and_agreement(member_id, agreement_id, edit=False):
    require_role(*ROLES)
    member = get_member(member_id, edit=edit)
    agreement = consent.get_agreement(agreement_id) or abort(404)
    return member, agreement


def _text_locale(member):
    """The agreement's language: ?text= when it is one of ours, else the member's own."""
    wanted = request.args.get("text", "")
    return wanted if wanted in LANGUAGES else member.locale


def _safe_back(value):
    return value if value and value.startswith("/") and not value.startswith("//") else None


def _show_page(member, agreement, form=None, status=200):
    version = consent.current_version(agreement.id)
    code, title, body = consent.text_in(version, _text_locale(member))
    form = form or AcceptForm(formdata=None, method="screen", given_on=local_today("UTC"), version=version.id,
                              back=_safe_back(request.args.get("back")) or "")
    return render("agreements/show.html", member=member, agreement=agreement, version=version, title=title,
                  body=body, text_lang=bcp47(code), text_dir="rtl" if is_rtl(code) else "ltr", form=form,
                  text_languages=sorted(consent.texts_of(version)), can_edit=may_see_member(member.id, edit=True),
                  history=consent.history(member.id, agreement.id), status=status,
                  back=_safe_back(request.values.get("back")))


@bp.get("/agreements/members/<int:member_id>/<int:agreement_id>")
def show(member_id, agreement_id):
    member, agreement = _member_and_agreement(member_id, agreement_id)
    return _show_page(member, agreement)


@bp.post("/agreements/members/<int:member_id>/<int:agreement_id>/accept")
def accept(member_id, agreement_id):
    member, agreement = _member_and_agreement(member_id, agreement_id, edit=True)
    form = AcceptForm()
    if form.validate_on_submit() and form.given_on.data is None:
        form.given_on.errors.append(_("Please enter a date like 2026-03-31."))
    if form.errors or form.given_on.data is None:
        return _show_page(member, agreement, form, 422)
    version = consent.get_version(agreement.id, parse_id(form.version.data)) or abort(400)
    try:
        consent.record(member.id, version.id, "accepted", form.method.data, form.given_on.data, current_user.id)
    except consent.Refused:
        flash(_("This agreement has a newer version. Please read it together again before accepting."), "error")
        return redirect(url_for("agreements.show", member_id=member.id, agreement_id=agreement.id), 303)
    flash(_("%(name)s accepted the agreement.", name=member.name), "success")
    return redirect(_safe_back(form.back.data) or url_for("members.show", member_id=member.id), 303)


@bp.post("/agreements/members/<int:member_id>/<int:agreement_id>/withdraw")
def withdraw(member_id, agreement_id):
    member, agreement = _member_and_agreement(member_id, agreement_id, edit=True)
    if not confirmed():
        return ask_first(_("Record that %(name)s withdraws this agreement?", name=member.name), _("Withdraw"))
    version = consent.current_version(agreement.id)
    consent.record(member.id, version.id, "withdrawn", "screen", local_today("UTC"), current_user.id)
    flash(_("The withdrawal is recorded."), "success")
    return redirect(url_for("members.show", member_id=member.id), 303)


@bp.post("/agreements/members/<int:member_id>/<int:agreement_id>/link")
def make_link(member_id, agreement_id):
    member, agreement = _member_and_agreement(member_id, agreement_id, edit=True)
    version = consent.current_version(agreement.id)
    token = consent.make_link(member.id, version.id, current_user.id)
    links = session.get("agreement_links", {})
    key = f"{member.id}-{agreement.id}"
    links[key] = public_url("agreements.phone", token=token)
    session["agreement_links"] = dict(list(links.items())[-5:])
    return redirect(url_for("agreements.phone_link", member_id=member.id, agreement_id=agreement.id), 303)


@bp.get("/agreements/members/<int:member_id>/<int:agreement_id>/link")
def phone_link(member_id, agreement_id):
    member, agreement = _member_and_agreement(member_id, agreement_id, edit=True)
    url = session.get("agreement_links", {}).get(f"{member.id}-{agreement.id}")
    return render("agreements/link.html", member=member, agreement=agreement, url=url,
                  qr=qr_svg(url, _("QR code of the link")) if url else None)


@bp.get("/agreements/members/<int:member_id>/<int:agreement_id>/print")
def printable(member_id, agreement_id):
    member, agreement = _member_and_agreement(member_id, agreement_id)
    version = consent.current_version(agreement.id)
    code, title, body = consent.text_in(version, _text_locale(member))
    return render("agreements/print.html", member=member, version=version, title=title, body=body,
                  text_lang=bcp47(code), text_dir="rtl" if is_rtl(code) else "ltr", today=local_today("UTC"))


# The member's own phone ---------------------------------------------------------------------------

def _phone_message(title, text, status):
    return render("surveys/message.html", status=status, title=title, text=text, link=None, crisis_lines=[])


def _load_link(token):
    link = consent.find_link(token)
    if link is None:
        abort(_phone_message(_("Link not found"), _("This link does not exist. Please ask for a new one."), 404))
    member = consent.link_member(link)
    use_survey_languages([member.locale], [member.locale])  # the agreement in the language the member reads
    if staff_browser():
        abort(_phone_message(_("Signed in as staff"),
                             _("This browser is signed in to the staff side. The member accepts on their own phone."),
                             403))
    problem = consent.link_problem(link)
    if problem:
        abort(_phone_message(_("This link was already used") if problem == "used" else _("This link has expired"),
                             _("Nothing more is needed here. Ask the facilitator if you want a new link."), 410))
    return link


def _phone_page(link, status=200):
    version = consent.link_version(link)
    code, title, body = consent.text_in(version, get_locale())
    return render("agreements/phone.html", title=title, body=body, text_lang=bcp47(code),
                  text_dir="rtl" if is_rtl(code) else "ltr", status=status)


@bp.get("/s/agree/<token>")
def phone(token):
    return _phone_page(_load_link(token))


@bp.post("/s/agree/<token>")
def phone_accept(token):
    link = _load_link(token)
    form = Form()
    if not form.validate_on_submit():
        return _phone_page(link, 422)
    try:
        consent.accept_by_link(link, local_today("UTC"))
    except consent.Refused as refused:
        if refused.code == "old_version":
            return _phone_message(_("This agreement has changed"),
                                  _("There is a newer version. Please ask the facilitator for a new link."), 409)
        return _phone_message(_("This link was already used"),
                              _("Nothing more is needed here. Ask the facilitator if you want a new link."), 410)
    return _phone_message(_("Thank you"), _("Your agreement is recorded. You can close this page."), 200)
