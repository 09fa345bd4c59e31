"""Admins' surveys: build one question by question with text per language, score items into
subscales, export and import a definition as a file, and choose per group which surveys run.

Every change goes through questionnaire.from_document, the same check an imported file gets, so
a survey in the database is always a valid definition. Once a survey has a link, its structure
(questions, kinds, options, scoring of items) is fixed so earlier answers keep their meaning;
wording can still be corrected, and a copy can be changed freely."""
import json

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from wtforms import BooleanField, FileField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, Optional

from .. import questionnaire
from ..forms import EmptyForm, Form, choice_field, codes_field, language_choices, language_field, max_length, name_field
from ..models import PERIODS, Group, Survey, SurveyLink
from ..pages import render
from ..labels import PERIODS as PERIOD_NAMES, QUESTION_KINDS, choices
from ..questionnaire import AFTER_MEETING, DefinitionError, Question, Questionnaire
from ..security import get_group, require_role

bp = Blueprint("survey_admin", __name__)


class SurveyForm(Form):
    name = name_field(_l("Name"), max_length=questionnaire.NAME_MAX)
    languages = codes_field(_l("Languages it is written in"))
    fallback = language_field(_l("Fallback language"))
    scoring = choice_field(_l("Scores are the"), [("sum", _l("Sum of the items")), ("mean", _l("Mean of the items"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = language_choices()


class ImportForm(Form):
    file = FileField(_l("Survey file"))


def question_form(definition, question=None, kind=None):
    """A form for one question: its settings and, for each of the survey's languages, its text
    and (scales and choices) one option per line."""
    kind = question.kind if question else kind
    fields = {"required": BooleanField(_l("An answer is required"), default=True)}
    if kind == "scale":
        fields["subscale"] = StringField(_l("Subscale (for scored scales; leave empty if not scored)"),
                                         validators=[Optional(), max_length(questionnaire.NAME_MAX)])
        fields["reverse"] = BooleanField(_l("Reverse-scored"))
    for lang in definition.languages:
        fields[f"text_{lang}"] = StringField(_l("Question"), validators=[max_length(questionnaire.QUESTION_MAX)])
        if kind in ("scale", "choice"):
            fields[f"options_{lang}"] = TextAreaField(_l("Options, one per line, in order"),
                                                      validators=[max_length(20 * questionnaire.OPTION_MAX)])
    form = type("QuestionForm", (Form,), fields)(
        formdata=request.form if request.method == "POST" else None,
        data=_question_data(question) if question else None)
    return form, kind


def _question_data(question):
    data = {"required": question.required, "subscale": question.subscale, "reverse": question.reverse}
    for lang, text in question.text.items():
        data[f"text_{lang}"] = text
    for lang, labels in (question.options or {}).items():
        data[f"options_{lang}"] = "\n".join(labels)
    return data


def _question_from(form, definition, key, kind):
    texts = {lang: (form[f"text_{lang}"].data or "").strip() for lang in definition.languages}
    options = None
    if kind in ("scale", "choice"):
        options = {lang: [line.strip() for line in (form[f"options_{lang}"].data or "").splitlines() if line.strip()]
                   for lang in definition.languages}
    subscale = (form.subscale.data or "").strip() if kind == "scale" else ""
    return Question(key, kind, texts, options, bool(form.required.data), subscale,
                    bool(kind == "scale" and form.reverse.data))


def _survey(survey_id):
    require_role("admin")
    return Survey.get_or_none(Survey.id == survey_id) or abort(404)


def _used(survey):
    return SurveyLink.select().where(SurveyLink.survey == survey.id).exists()


def _save(survey, definition):
    """Check the whole definition as an import would, then store it; DefinitionError if it fails."""
    checked = questionnaire.from_document(json.loads(definition.dumps()))
    survey.definition = checked.dumps()
    survey.save()
    return checked


def _index_page(form=None, import_form=None, status=200):
    surveys = list(Survey.select().order_by(Survey.archived, Survey.id))
    return render("survey_admin/index.html", status=status, surveys=[(s, s.questionnaire()) for s in surveys],
                  form=form or SurveyForm(formdata=None, languages=["en"], fallback="en"),
                  import_form=import_form or ImportForm(formdata=None), builtin=AFTER_MEETING)


@bp.get("/admin/surveys/")
def index():
    require_role("admin")
    return _index_page()


def _settings_error(form):
    if form.fallback.data not in (form.languages.data or []):
        form.fallback.errors = [_("The fallback language must be one of the survey's languages.")]
        return True
    return False


@bp.post("/admin/surveys/")
def create():
    require_role("admin")
    form = SurveyForm()
    if not form.validate_on_submit() or _settings_error(form):
        return _index_page(form=form, status=422)
    survey = Survey(definition="")
    _save(survey, Questionnaire(form.name.data, form.fallback.data, form.languages.data, form.scoring.data))
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


@bp.post("/admin/surveys/import")
def import_file():
    require_role("admin")
    form = ImportForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        form.file.errors = [_("Please choose a survey file.")]
        return _index_page(import_form=form, status=422)
    try:
        definition = questionnaire.loads(upload.read(questionnaire.FILE_MAX + 1))
    except DefinitionError as error:
        form.file.errors = [str(error)]
        return _index_page(import_form=form, status=422)
    survey = Survey(definition="")
    _save(survey, definition)
    flash(_("The survey is imported. Check it before groups use it."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


def _show_page(survey, definition, form=None, status=200):
    return render("survey_admin/show.html", status=status, survey=survey, definition=definition, used=_used(survey),
                  form=form or SurveyForm(formdata=None, name=definition.name, languages=definition.languages,
                                          fallback=definition.fallback, scoring=definition.scoring),
                  kinds=QUESTION_KINDS, locale=get_locale())


@bp.get("/admin/surveys/<int:survey_id>")
def show(survey_id):
    survey = _survey(survey_id)
    return _show_page(survey, survey.questionnaire())


@bp.post("/admin/surveys/<int:survey_id>")
def update(survey_id):
    survey = _survey(survey_id)
    definition = survey.questionnaire()
    form = SurveyForm()
    if not form.validate_on_submit() or _settings_error(form):
        return _show_page(survey, definition, form, 422)
    definition.name, definition.fallback = form.name.data, form.fallback.data
    definition.languages, definition.scoring = list(form.languages.data), form.scoring.data
    for question in definition.questions:  # texts of languages taken away go with them
        question.text = {lang: t for lang, t in question.text.items() if lang in definition.languages}
        if question.options:
            question.options = {lang: o for lang, o in question.options.items() if lang in definition.languages}
    try:
        _save(survey, definition)
    except DefinitionError as error:
        form.fallback.errors = [str(error)]
        return _show_page(survey, survey.questionnaire(), form, 422)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


def _question_page(survey, definition, form, kind, question=None, status=200):
    return render("survey_admin/question.html", status=status, survey=survey, definition=definition, form=form,
                  kind=kind, kind_name=QUESTION_KINDS[kind], question=question, used=_used(survey))


@bp.route("/admin/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
def new_question(survey_id):
    survey = _survey(survey_id)
    definition = survey.questionnaire()
    kind = request.args.get("kind", "")
    if kind not in QUESTION_KINDS:
        abort(404)
    if _used(survey):
        flash(_("This survey already has answers, so its questions cannot change. Make a copy to change it."),
              "error")
        return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)
    form, kind = question_form(definition, kind=kind)
    if request.method == "POST":
        key = f"q{1 + max([int(q.key[1:]) for q in definition.questions if q.key[1:].isdigit()] or [0])}"
        return _save_question(survey, definition, form, kind, key)
    return _question_page(survey, definition, form, kind)


def _save_question(survey, definition, form, kind, key, old=None):
    if not form.validate_on_submit():
        return _question_page(survey, definition, form, kind, old, 422)
    question = _question_from(form, definition, key, kind)
    if old is not None and _used(survey) and _structure(old) != _structure(question):
        form.required.errors = [_("This survey already has answers, so only the wording can change. "
                                  "Make a copy to change more.")]
        return _question_page(survey, definition, form, kind, old, 422)
    position = definition.questions.index(old) if old else len(definition.questions)
    definition.questions[position:position + (1 if old else 0)] = [question]
    try:
        _save(survey, definition)
    except DefinitionError as error:
        form.required.errors = [str(error)]
        return _question_page(survey, definition, form, kind, old, 422)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


def _structure(question):
    """What an answer's meaning depends on: fixed once a survey has answers."""
    options = len(next(iter(question.options.values()))) if question.options else 0
    return question.kind, question.required, question.subscale, question.reverse, options


def _question(survey_id, key):
    survey = _survey(survey_id)
    definition = survey.questionnaire()
    question = definition.question(key) or abort(404)
    return survey, definition, question


@bp.route("/admin/surveys/<int:survey_id>/questions/<key>", methods=["GET", "POST"])
def edit_question(survey_id, key):
    survey, definition, question = _question(survey_id, key)
    form, kind = question_form(definition, question)
    if request.method == "POST":
        return _save_question(survey, definition, form, kind, key, question)
    return _question_page(survey, definition, form, kind, question)


@bp.post("/admin/surveys/<int:survey_id>/questions/<key>/up", defaults={"action": "up"})
@bp.post("/admin/surveys/<int:survey_id>/questions/<key>/down", defaults={"action": "down"})
@bp.post("/admin/surveys/<int:survey_id>/questions/<key>/delete", defaults={"action": "delete"})
def change_question(survey_id, key, action):
    survey, definition, question = _question(survey_id, key)
    EmptyForm().validate_on_submit() or abort(400)
    if _used(survey):
        flash(_("This survey already has answers, so its questions cannot change. Make a copy to change it."),
              "error")
        return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)
    position = definition.questions.index(question)
    del definition.questions[position]
    if action != "delete":
        target = max(0, position - 1) if action == "up" else min(len(definition.questions), position + 1)
        definition.questions.insert(target, question)
    _save(survey, definition)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


@bp.get("/admin/surveys/<int:survey_id>/export")
def export(survey_id):
    survey = _survey(survey_id)
    filename = f"survey-{survey.id}.json"
    return Response(survey.questionnaire().dumps(), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/admin/surveys/<int:survey_id>/copy")
def copy(survey_id):
    survey = _survey(survey_id)
    EmptyForm().validate_on_submit() or abort(400)
    definition = survey.questionnaire()
    definition.name = _("Copy of %(name)s", name=definition.name)[:questionnaire.NAME_MAX]
    new = Survey(definition="")
    _save(new, definition)
    flash(_("This is a copy: change it freely."), "success")
    return redirect(url_for("survey_admin.show", survey_id=new.id), 303)


@bp.post("/admin/surveys/<int:survey_id>/archive")
def archive(survey_id):
    """Archived surveys are kept with their results but offered to no group; unused ones are deleted."""
    survey = _survey(survey_id)
    EmptyForm().validate_on_submit() or abort(400)
    if not _used(survey):
        _unassign(survey)
        survey.delete_instance()
        flash(_("The survey is deleted."), "success")
        return redirect(url_for("survey_admin.index"), 303)
    survey.archived = not survey.archived
    survey.save()
    if survey.archived:
        _unassign(survey)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


def _unassign(survey):
    """Groups that ran this survey go back to ours after meetings and to none periodically."""
    Group.update(meeting_survey=None).where(Group.meeting_survey == survey.id).execute()
    Group.update(periodic_survey=None).where(Group.periodic_survey == survey.id).execute()


# Per group: which survey runs after meetings and which (if any) once a month or quarter.
NO_SURVEY = "none"


class GroupSurveysForm(Form):
    after_meetings = RadioField(_l("After each meeting"), validate_choice=False)
    periodic = RadioField(_l("Once a period, for everyone in the group"), validate_choice=False)
    period = choice_field(_l("Period"), choices(PERIOD_NAMES))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = [(str(s.id), s.questionnaire().name) for s in Survey.select().where(~Survey.archived)]
        self.after_meetings.choices = [SelectChoice("", AFTER_MEETING.name), *(SelectChoice(v, n) for v, n in offered),
                                       SelectChoice(NO_SURVEY, _l("No survey after meetings"))]
        self.periodic.choices = [SelectChoice(NO_SURVEY, _l("None")), *(SelectChoice(v, n) for v, n in offered)]
        message = _l("Please choose one of the options.")
        self.after_meetings.validators = [AnyOf(["", NO_SURVEY, *(v for v, _n in offered)], message=message)]
        self.periodic.validators = [AnyOf([NO_SURVEY, *(v for v, _n in offered)], message=message)]


@bp.route("/groups/<int:group_id>/surveys", methods=["GET", "POST"])
def group_surveys(group_id):
    require_role("admin")
    group = get_group(group_id, edit=True)
    form = GroupSurveysForm(data={
        "after_meetings": NO_SURVEY if not group.surveys_after_meetings else str(group.meeting_survey_id or ""),
        "periodic": str(group.periodic_survey_id or NO_SURVEY), "period": group.survey_period,
    } if request.method == "GET" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            after = form.after_meetings.data
            group.surveys_after_meetings = after != NO_SURVEY
            group.meeting_survey = int(after) if after.isdigit() else None
            group.periodic_survey = int(form.periodic.data) if form.periodic.data.isdigit() else None
            group.survey_period = form.period.data if form.period.data in PERIODS else "month"
            group.save()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("groups.show", group_id=group.id), 303)
    return render("survey_admin/group.html", status=422 if form.errors else 200, form=form, group=group)

