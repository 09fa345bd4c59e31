"""Anonymous surveys: the member's page /s/<token> (no account, no login) and the facilitator's
feedback screen with the QR code. Nothing about the visitor is stored: see surveys.store_response."""
import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Optional

from .. import surveys
from ..extensions import survey_limiter
from ..forms import Form, EmptyForm, max_length
from ..i18n import use_survey_languages
from ..models import ROLES, Group, Meeting
from ..pages import render
from ..security import get_group, get_meeting, require_role
from ..sharing import public_url, qr_svg
from .crisis import lines_for

bp = Blueprint("surveys", __name__)

ANSWERED_COOKIE = "answered"
POINTS = [str(point) for point in range(1, len(surveys.SCALE) + 1)]


def scale_field(label):
    return RadioField(
        label, choices=[SelectChoice(p, text) for p, text in zip(POINTS, surveys.SCALE)], validate_choice=False,
        validators=[InputRequired(message=_l("Please choose an answer.")),
                    AnyOf(POINTS, message=_l("Please choose one of the options."))])


LABELS = dict(surveys.QUESTIONS)


class SurveyForm(Form):
    useful = scale_field(LABELS["useful"])
    respected = scale_field(LABELS["respected"])
    belong = scale_field(LABELS["belong"])
    hopeful = scale_field(LABELS["hopeful"])
    comment = TextAreaField(_l("Anything else you would like to tell us? (optional)"),
                            validators=[Optional(), max_length(surveys.COMMENT_MAX)])

    def scale_fields(self):
        return [self[name] for name, _label in surveys.QUESTIONS]


def _message(title, text, status, link=None):
    return render("surveys/message.html", status=status, title=title, text=text, link=link,
                  crisis_lines=lines_for(get_locale()) if link else [])


def _load(token):
    """The link, with the page in the group's language; a clear page for an unknown token."""
    link = surveys.find_link(token)
    if link is None:
        abort(_message(_("Survey not found"),
                       _("This survey link does not exist. Please check the address or scan the code again."), 404))
    group = Group.select(Group.languages).join(Meeting).where(Meeting.id == link.meeting_id).get()
    use_survey_languages(group.language_list)
    return link


def _refuse_if_done(link):
    if request.cookies.get(ANSWERED_COOKIE):
        abort(_message(_("You have already answered"),
                       _("Thank you. This survey takes one answer from each phone."),
                       200 if request.method == "GET" else 409, link))
    if not surveys.is_open(link):
        abort(_message(_("This survey is closed"),
                       _("Thank you for wanting to answer. This survey has ended."), 410))


@bp.get("/s/<token>")
def survey(token):
    link = _load(token)
    _refuse_if_done(link)
    return render("surveys/survey.html", form=SurveyForm(), link=link, comment_max=surveys.COMMENT_MAX)


@bp.post("/s/<token>")
@survey_limiter.limit(lambda: current_app.config["SURVEY_RATE_LIMIT"])
def answer(token):
    link = _load(token)
    _refuse_if_done(link)
    form = SurveyForm()
    if not form.validate_on_submit():
        return render("surveys/survey.html", status=422, form=form, link=link,
                      comment_max=surveys.COMMENT_MAX)
    answers = {field.name: field.data for field in form.scale_fields()}
    stored = surveys.store_response(link, answers, (form.comment.data or "").strip(),
                                    current_app.config["SURVEY_RESPONSE_MARGIN"])
    if not stored:
        return _message(_("This survey is full"),
                        _("Thank you. This survey already has as many answers as there were people at the meeting."),
                        409)
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


@bp.get("/meetings/<int:meeting_id>/feedback")
def feedback(meeting_id):
    meeting = _staff_meeting(meeting_id)
    link = surveys.current_link(meeting.id)
    url = public_url("surveys.survey", token=link.token) if link else None
    return render("surveys/feedback.html", meeting=meeting, group=get_group(meeting.group_id), link=link, url=url,
                  short_url=url.split("://", 1)[-1] if url else None,
                  qr=qr_svg(url, _("QR code of the survey link")) if url else None)


@bp.post("/meetings/<int:meeting_id>/feedback/open")
def open_feedback(meeting_id):
    meeting = _staff_meeting(meeting_id)
    EmptyForm().validate_on_submit() or abort(400)
    surveys.open_link(meeting, current_app.config["SURVEY_WINDOW_HOURS"])
    return redirect(url_for("surveys.feedback", meeting_id=meeting.id), 303)


@bp.post("/meetings/<int:meeting_id>/feedback/close")
def close_feedback(meeting_id):
    meeting = _staff_meeting(meeting_id)
    EmptyForm().validate_on_submit() or abort(400)
    link = surveys.current_link(meeting.id)
    if link:
        surveys.close_link(link)
        flash(_("The survey link is closed. Nobody can answer with it any more."), "success")
    return redirect(url_for("surveys.feedback", meeting_id=meeting.id), 303)
