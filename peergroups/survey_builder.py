"""The organization's own surveys as admins build them: storing definitions, copying, archiving,
and which survey each group runs. Flask-free; views/survey_admin.py calls these.

Every change goes through questionnaire.from_document, the same check an imported file gets, so
a survey in the database is always a valid definition. Once a survey has a link, its structure
(questions, kinds, options, scoring of items) is fixed so earlier answers keep their meaning."""
import json

from . import questionnaire
from .db import write_transaction
from .models import Group, Survey, SurveyLink


def all_surveys():
    """Every survey with its definition, the archived ones last."""
    return [(s, s.questionnaire()) for s in Survey.select().order_by(Survey.archived, Survey.id)]


def offered():
    """(id as text, name) of the surveys a group may choose (not archived)."""
    return [(str(s.id), s.questionnaire().name) for s in Survey.select().where(~Survey.archived)]


def get(survey_id):
    return Survey.get_or_none(Survey.id == survey_id)


def is_used(survey_id):
    """A survey with a link has answers, or may get them: its structure is fixed."""
    return SurveyLink.select().where(SurveyLink.survey == survey_id).exists()


def _checked(definition):
    """The definition as an import would read it; DefinitionError if it fails."""
    return questionnaire.from_document(json.loads(definition.dumps()))


def create(definition):
    """A new survey from a definition (built, imported or copied); DefinitionError if it fails."""
    return Survey.create(definition=_checked(definition).dumps())


def save(survey_id, definition):
    """Store a changed definition, touching nothing else of the row; DefinitionError if it fails."""
    Survey.update(definition=_checked(definition).dumps()).where(Survey.id == survey_id).execute()


def structure(question):
    """What an answer's meaning depends on: fixed once a survey has answers."""
    options = len(next(iter(question.options.values()))) if question.options else 0
    return question.kind, question.required, question.subscale, question.reverse, options


def next_key(definition):
    """A key no question of the definition has yet (q1, q2, ...)."""
    return f"q{1 + max([int(q.key[1:]) for q in definition.questions if q.key[1:].isdigit()], default=0)}"


def move_question(definition, question, action):
    """Move a question up or down one place, or delete it ("up", "down", "delete")."""
    position = definition.questions.index(question)
    del definition.questions[position]
    if action != "delete":
        target = max(0, position - 1) if action == "up" else min(len(definition.questions), position + 1)
        definition.questions.insert(target, question)


def archive_or_delete(survey):
    """An unused survey is deleted; a used one is archived (kept with its results, offered to no
    group) or restored. Groups that ran it go back to ours after meetings and to none periodically.
    Returns "deleted", "archived" or "restored"."""
    with write_transaction():
        if not is_used(survey.id):
            _unassign(survey.id)
            Survey.delete().where(Survey.id == survey.id).execute()
            return "deleted"
        Survey.update(archived=not survey.archived).where(Survey.id == survey.id).execute()
        if not survey.archived:
            _unassign(survey.id)
    return "restored" if survey.archived else "archived"


def _unassign(survey_id):
    Group.update(meeting_survey=None).where(Group.meeting_survey == survey_id).execute()
    Group.update(periodic_survey=None).where(Group.periodic_survey == survey_id).execute()


def choose_for_group(group_id, after_meetings, meeting_survey_id, periodic_survey_id, period):
    """Which survey the group runs after meetings (None: ours; after_meetings False: none) and
    once a period (None: none). Only these columns change, so a concurrent edit of the group's
    schedule is kept."""
    Group.update(surveys_after_meetings=after_meetings, meeting_survey=meeting_survey_id,
                 periodic_survey=periodic_survey_id, survey_period=period).where(Group.id == group_id).execute()
