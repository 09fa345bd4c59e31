"""Anonymous surveys: the member's page /s/<token> (no account, no login) and the facilitator's
feedback screen with the QR code. Nothing about the visitor is stored: see surveys.store_response.

Every request a survey page causes stays under /s/ (its stylesheet, scripts and icon are served
from /s/-/), so the app's log filter and a proxy rule for /s/ leave no line behind."""
import datetime
import mimetypes
import pathlib

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import get_locale

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Optional

from .. import questionnaire, results, surveys
from ..crisis import lines_for
from ..extensions import survey_limiter
from ..forms import Form, max_length
from ..i18n import bcp47, gettext as _, is_rtl, lazy_gettext as _l, use_survey_languages
from ..models import ROLES
from ..pages import address, render
from ..security import get_group, get_meeting, is_survey_path, require_role
from ..sessions import staff_browser
from ..sharing import public_url, qr_svg

bp = Blueprint("surveys", __name__)

ANSWERED_COOKIE = "answered"
# What a survey page loads, served under /s/-/ (a token is never this short).
SURVEY_ASSETS = ("app.css", "app.js", "htmx.min.js", "icon.svg")


@bp.get("/s/-/<filename>")
def asset(filename):
    if filename not in SURVEY_ASSETS:
        abort(404)
    path = pathlib.Path(current_app.static_folder) / filename
    return current_app.response_class(path.read_bytes(), mimetype=mimetypes.guess_type(filename)[0])


@bp.app_template_global()
def asset_url(filename):
    """A static file's address: under /s/ on survey pages, so no request of theirs leaves /s/."""
    return address("surveys.asset" if is_survey_path(request.path) else "static", filename=filename)


def _choice_field(label, labels, required):
    values = [str(point) for point in range(1, len(labels) + 1)]
    validators = [InputRequired(message=_l("Please choose an answer.")) if required else Optional(),
                  AnyOf(values, message=_l("Please choose one of the options."))]
    return RadioField(label, choices=[SelectChoice(v, text) for v, text in zip(values, labels)],
                      validate_choice=False, validators=validators)


_FORMS = {}  # id(definition) -> (definition, {language: (form class, languages)})


def survey_form(definition, locale):
    """A form for one survey in the member's language: a field per question, named by its key.

    Returns the form class and, per field name, the language its words are in when that is not
    the page's (a question without a translation falls back), so screen readers read it right.
    Built once per survey (definition_of shares one parsed survey per text) and language: the
    entry holds its definition, so its id names no other while it is kept."""
    kept = _FORMS.get(id(definition))
    if kept is None or kept[0] is not definition:
        if len(_FORMS) >= 32:
            _FORMS.clear()
        kept = _FORMS[id(definition)] = (definition, {})
    code = str(locale)
    if code not in kept[1]:
        kept[1][code] = _build_survey_form(definition, locale)
    return kept[1][code]


def _build_survey_form(definition, locale):
    fields, languages = {}, {}
    for question in definition.questions:
        text, lang = definition.text(question, locale)
        if question.kind == "text":
            fields[question.key] = TextAreaField(text, validators=[
                InputRequired(message=_l("Please write an answer.")) if question.required else Optional(),
                max_length(questionnaire.TEXT_MAX)])
        else:
            labels, labels_lang = definition.labels(question, locale)
            fields[question.key] = _choice_field(text, labels, question.required)
            lang = lang or labels_lang
        if lang and lang != str(locale):
            languages[question.key] = (bcp47(lang), "rtl" if is_rtl(lang) else "ltr")
    return type("SurveyForm", (Form,), fields), languages


def _answers(form, definition):
    """{key: number or text} of what was answered; an empty optional answer is not stored."""
    answers = {}
    for question in definition.questions:
        data = form[question.key].data
        if question.kind == "text":
            if (data or "").strip():
                answers[question.key] = data.strip()
        elif data not in (None, "", "None"):
            answers[question.key] = int(data)
    return answers


def _message(title, text, status, link=None):
    return render("surveys/message.html", status=status, title=title, text=text, link=link,
                  crisis_lines=lines_for(get_locale()) if link else [])


def _load(token):
    """The link, with the page in the group's language; a clear page for an unknown token."""
    link = surveys.find_link(token)
    if link is None:
        abort(_message(_("Survey not found"),
                       _("This survey link does not exist. Please check the address or scan the code again."), 404))
    use_survey_languages(surveys.group_languages(link.group_id), surveys.definition_of(link.survey_id).languages)
    g.survey_link = link  # for the survey cookie's expiry (sessions.py)
    return link


def _refuse_if_done(link):
    if staff_browser():
        # Staff could otherwise add answers to their own group's results: nothing is stored.
        abort(_message(_("Signed in as staff"),
                       _("This browser is signed in to the staff side, so it cannot answer a survey. "
                         "Members answer on their own phones; sign out first if this phone is yours as a member."),
                       403))
    if request.cookies.get(ANSWERED_COOKIE):
        abort(_message(_("You have already answered"),
                       _("Thank you. This survey takes one answer from each phone."),
                       200 if request.method == "GET" else 409, link))
    if not surveys.is_open(link):
        abort(_message(_("This survey is closed"),
                       _("Thank you for wanting to answer. This survey has ended."), 410))


def _survey_page(link, form, languages, status=200, problem=None):
    return render("surveys/survey.html", status=status, form=form, link=link, question_langs=languages,
                  text_max=questionnaire.TEXT_MAX, problem=problem)


@bp.get("/s/<token>")
# Only what is not found counts (a wrong short code is a guess); reading a real link costs nothing.
@survey_limiter.limit(lambda: current_app.config["SURVEY_RATE_LIMIT"], deduct_when=lambda r: r.status_code == 404)
def survey(token):
    typed = surveys.find_by_code(token)
    if typed is not None:  # a short code, typed: on to the link's own address (its cookies' scope)
        return redirect(url_for("surveys.survey", token=typed.token), 303)
    link = _load(token)
    _refuse_if_done(link)
    form_class, languages = survey_form(surveys.definition_of(link.survey_id), get_locale())
    return _survey_page(link, form_class(), languages)


@bp.post("/s/<token>")
@survey_limiter.limit(lambda: current_app.config["SURVEY_RATE_LIMIT"])
def answer(token):
    link = _load(token)
    _refuse_if_done(link)
    definition = surveys.definition_of(link.survey_id)
    form_class, languages = survey_form(definition, get_locale())
    form = form_class()
    if not form.validate_on_submit():
        return _survey_page(link, form, languages, 422)
    answers = _answers(form, definition)
    if not answers:
        return _survey_page(link, form, languages, 422, problem=_("Please answer at least one question."))
    stored = surveys.store_response(link, answers, current_app.config["SURVEY_RESPONSE_MARGIN"])
    if stored == surveys.FULL:
        return _message(_("This survey is full"),
                        _("Thank you. This survey already has as many answers as there are people it is for."),
                        409)
    if stored == surveys.CLOSED:
        return _message(_("This survey is closed"), _("Thank you for wanting to answer. This survey has ended."), 410)
    response = redirect(url_for("surveys.thanks", token=token), 303)
    # Remembered in this browser only, for this link only, until the link closes.
    response.set_cookie(ANSWERED_COOKIE, "1", path=url_for("surveys.survey", token=token),
                        expires=link.closes_at.replace(tzinfo=datetime.UTC), httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/s/<token>/thanks")
def thanks(token):
    link = _load(token)
    return render("surveys/thanks.html", link=link, crisis_lines=lines_for(get_locale()))


def _staff_meeting(meeting_id):
    require_role(*ROLES)
    return get_meeting(meeting_id, edit=True)


def _feedback_page(group, link, meeting=None, why=None, present=False):
    """The full-screen QR code of a meeting's or a group's periodic link (one template for both)."""
    url = public_url("surveys.survey", token=link.token) if link else None
    return render("surveys/feedback.html" if not present else "surveys/present.html",
                  meeting=meeting, group=group, link=link, url=url, why=why,
                  short_url=_typed_url(link) if link else None,
                  qr=qr_svg(url, _("QR code of the survey link")) if url else None)


def _typed_url(link):
    """What people type when they cannot scan: the address with the short code (ABCD-EFGH), or
    the full address for a link made before short codes."""
    if not link.short_code:
        return public_url("surveys.survey", token=link.token).split("://", 1)[-1]
    code = f"{link.short_code[:4]}-{link.short_code[4:]}"
    return public_url("surveys.survey", token=code).split("://", 1)[-1]


@bp.get("/meetings/<int:meeting_id>/feedback")
def feedback(meeting_id):
    meeting = _staff_meeting(meeting_id)
    link = surveys.current_link(meeting.id)
    return _feedback_page(get_group(meeting.group_id), link, meeting, None if link else surveys.why_no_link(meeting))


@bp.get("/meetings/<int:meeting_id>/feedback/present")
def present_feedback(meeting_id):
    """Presentation mode: the code as large as the screen allows, no navigation, the screen kept
    awake where the browser allows (static/present.js, the Wake Lock API)."""
    meeting = _staff_meeting(meeting_id)
    link = surveys.current_link(meeting.id)
    if link is None:
        return redirect(url_for("surveys.feedback", meeting_id=meeting.id), 303)
    return _feedback_page(get_group(meeting.group_id), link, meeting, present=True)


@bp.post("/meetings/<int:meeting_id>/feedback/open")
def open_feedback(meeting_id):
    meeting = _staff_meeting(meeting_id)
    surveys.open_link(meeting, current_app.config["SURVEY_WINDOW_HOURS"])
    return redirect(url_for("surveys.feedback", meeting_id=meeting.id), 303)


@bp.post("/meetings/<int:meeting_id>/feedback/close")
def close_feedback(meeting_id):
    meeting = _staff_meeting(meeting_id)
    _close(surveys.current_link(meeting.id))
    return redirect(url_for("surveys.feedback", meeting_id=meeting.id), 303)


def _close(link):
    if link and surveys.is_open(link):
        results.close_link(link)
        flash(_("The survey link is closed for good. Its results appear once they can be shown safely."), "success")


def _staff_group(group_id):
    require_role(*ROLES)
    return get_group(group_id, edit=True)


@bp.get("/groups/<int:group_id>/feedback")
def group_feedback(group_id):
    """The group's link for this period, once opened (opening is a POST)."""
    group = _staff_group(group_id)
    link = surveys.periodic_link(group)
    return _feedback_page(group, link if link and surveys.is_open(link) else None,
                          why="used" if link else None)


@bp.post("/groups/<int:group_id>/feedback/open")
def open_group_feedback(group_id):
    group = _staff_group(group_id)
    surveys.open_periodic_link(group)
    return redirect(url_for("surveys.group_feedback", group_id=group.id), 303)


@bp.post("/groups/<int:group_id>/feedback/close")
def close_group_feedback(group_id):
    group = _staff_group(group_id)
    _close(surveys.periodic_link(group))
    return redirect(url_for("surveys.group_feedback", group_id=group.id), 303)
