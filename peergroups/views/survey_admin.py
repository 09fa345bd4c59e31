"""Admins' surveys: build one question by question with text per language, score items into
subscales, export and import a definition as a file, and choose per group which surveys run.
survey_builder.py stores them; once a survey has a link only its wording can change, and a copy
can be changed freely."""

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from wtforms import BooleanField, FileField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, Optional

from .. import questionnaire, survey_builder
from ..forms import Form, choice_field, codes_field, language_choices, language_field, max_length, name_field
from ..i18n import gettext as _, lazy_gettext as _l
from ..models import PERIODS
from ..pages import ask_first, confirmed, render
from ..labels import PERIODS as PERIOD_NAMES, QUESTION_KINDS, choices
from ..questionnaire import AFTER_MEETING, DefinitionError, Question, Questionnaire
from ..security import get_group, require_role

bp = Blueprint("survey_admin", __name__)


class SurveySettingsForm(Form):
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
    fields = {"required": BooleanField(_l("An answer is required"), default=False)}
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
    return survey_builder.get(survey_id) or abort(404)


def _index_page(form=None, import_form=None, status=200):
    return render("survey_admin/index.html", status=status, surveys=survey_builder.all_surveys(),
                  form=form or SurveySettingsForm(formdata=None, languages=["en"], fallback="en"),
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
    form = SurveySettingsForm()
    if not form.validate_on_submit() or _settings_error(form):
        return _index_page(form=form, status=422)
    survey = survey_builder.create(Questionnaire(form.name.data, form.fallback.data, form.languages.data,
                                                 form.scoring.data))
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
    survey = survey_builder.create(definition)
    flash(_("The survey is imported. Check it before groups use it."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


def _show_page(survey, definition, form=None, status=200):
    return render("survey_admin/show.html", status=status, survey=survey, definition=definition,
                  used=survey_builder.is_used(survey.id),
                  form=form or SurveySettingsForm(formdata=None, name=definition.name, languages=definition.languages,
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
    form = SurveySettingsForm()
    if not form.validate_on_submit() or _settings_error(form):
        return _show_page(survey, definition, form, 422)
    definition.name, definition.fallback = form.name.data, form.fallback.data
    definition.languages, definition.scoring = list(form.languages.data), form.scoring.data
    for question in definition.questions:  # texts of languages taken away go with them
        question.text = {lang: t for lang, t in question.text.items() if lang in definition.languages}
        if question.options:
            question.options = {lang: o for lang, o in question.options.items() if lang in definition.languages}
    try:
        survey_builder.save(survey.id, definition)
    except DefinitionError as error:
        form.fallback.errors = [str(error)]
        return _show_page(survey, survey.questionnaire(), form, 422)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


def _question_page(survey, definition, form, kind, question=None, status=200):
    return render("survey_admin/question.html", status=status, survey=survey, definition=definition, form=form,
                  kind=kind, kind_name=QUESTION_KINDS[kind], question=question,
                  used=survey_builder.is_used(survey.id))


@bp.route("/admin/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
def new_question(survey_id):
    survey = _survey(survey_id)
    definition = survey.questionnaire()
    kind = request.args.get("kind", "")
    if kind not in QUESTION_KINDS:
        abort(404)
    if survey_builder.is_used(survey.id):
        return _structure_fixed(survey)
    form, kind = question_form(definition, kind=kind)
    if request.method == "POST":
        return _save_question(survey, definition, form, kind, survey_builder.next_key(definition))
    return _question_page(survey, definition, form, kind)


def _save_question(survey, definition, form, kind, key, old=None):
    if not form.validate_on_submit():
        return _question_page(survey, definition, form, kind, old, 422)
    question = _question_from(form, definition, key, kind)
    if (old is not None and survey_builder.is_used(survey.id)
            and survey_builder.structure(old) != survey_builder.structure(question)):
        form.required.errors = [_("This survey already has answers, so only the wording can change. "
                                  "Make a copy to change more.")]
        return _question_page(survey, definition, form, kind, old, 422)
    position = definition.questions.index(old) if old else len(definition.questions)
    definition.questions[position:position + (1 if old else 0)] = [question]
    try:
        survey_builder.save(survey.id, definition)
    except DefinitionError as error:
        form.required.errors = [str(error)]
        return _question_page(survey, definition, form, kind, old, 422)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


def _structure_fixed(survey):
    flash(_("This survey already has answers, so its questions cannot change. Make a copy to change it."), "error")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


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
    if survey_builder.is_used(survey.id):
        return _structure_fixed(survey)
    if action == "delete" and not confirmed():
        return ask_first(_("Remove %(name)s? This cannot be undone.",
                           name=question.text.get(definition.fallback) or question.key), _("Remove"))
    survey_builder.move_question(definition, question, action)
    survey_builder.save(survey.id, definition)
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
    definition = survey.questionnaire()
    definition.name = _("Copy of %(name)s", name=definition.name)[:questionnaire.NAME_MAX]
    new = survey_builder.create(definition)
    flash(_("This is a copy: change it freely."), "success")
    return redirect(url_for("survey_admin.show", survey_id=new.id), 303)


@bp.post("/admin/surveys/<int:survey_id>/archive")
def archive(survey_id):
    """Archived surveys are kept with their results but offered to no group; unused ones are deleted."""
    survey = _survey(survey_id)
    if not survey.archived and not confirmed():
        name = survey.questionnaire().name
        if survey_builder.is_used(survey.id):
            return ask_first(_("Archive %(name)s? The history is kept, and it can be restored.", name=name),
                             _("Archive"))
        return ask_first(_("Remove %(name)s? This cannot be undone.", name=name), _("Delete"))
    if survey_builder.archive_or_delete(survey) == "deleted":
        flash(_("The survey is deleted."), "success")
        return redirect(url_for("survey_admin.index"), 303)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("survey_admin.show", survey_id=survey.id), 303)


# Per group: which survey runs after meetings and which (if any) once a month or quarter.
NO_SURVEY = "none"


class GroupSurveysForm(Form):
    after_meetings = RadioField(_l("After each meeting"), validate_choice=False)
    periodic = RadioField(_l("Once a period, for everyone in the group"), validate_choice=False)
    period = choice_field(_l("Period"), choices(PERIOD_NAMES))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = survey_builder.offered()
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
            survey_builder.choose_for_group(
                group.id, after_meetings=after != NO_SURVEY, meeting_survey_id=int(after) if after.isdigit() else None,
                periodic_survey_id=int(form.periodic.data) if form.periodic.data.isdigit() else None,
                period=form.period.data if form.period.data in PERIODS else "month")
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("groups.show", group_id=group.id), 303)
    return render("survey_admin/group.html", status=422 if form.errors else 200, form=form, group=group)

