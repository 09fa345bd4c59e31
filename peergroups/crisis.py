"""Crisis and support lines and the escalation checklist per language: the admins' lists, and
what the survey pages and the meeting's "Someone needs help now" screen show."""
from peewee import fn

from .db import Prepared, write_transaction
from .models import CrisisLine, EscalationStep

FIELDS = ("locale", "name", "phone", "text_line", "url", "hours")


def lines_for(locale):
    """Every line, the reader's language first, then the general lines (locale ""), then the rest:
    someone in crisis may read another language better than the page's."""
    own = str(locale)
    return sorted(_LINES.rows(), key=lambda line: (line.locale != own, line.locale != "", line.locale, line.name))


_LINES = Prepared(lambda: CrisisLine.select())


def all_lines():
    return list(CrisisLine.select().order_by(CrisisLine.locale, CrisisLine.name))


def get_line(line_id):
    return CrisisLine.get_or_none(CrisisLine.id == line_id)


def add_line(values):
    """A new line from {field: text} (FIELDS); missing fields are empty."""
    return CrisisLine.create(**{name: (values.get(name) or "").strip() for name in FIELDS})


def delete_line(line_id):
    """True when the line existed."""
    return bool(CrisisLine.delete().where(CrisisLine.id == line_id).execute())


def lines_by_language(codes):
    """[(language, its lines)] for each of a meeting's languages, as lines_for gives them; a
    language whose set of lines was already shown (in any order) is not repeated, so no line
    appears twice on the help screen."""
    result, seen = [], []
    for code in codes:
        lines = lines_for(code)
        ids = {line.id for line in lines}
        if ids and ids not in seen:
            seen.append(ids)
            result.append((code, lines))
    return result


# The escalation checklist: ordered steps the organization writes per language ("" = fallback).

def steps_for(locale):
    """The checklist in this language, or the fallback checklist when it has none."""
    steps = list(EscalationStep.select().where(EscalationStep.locale.in_([str(locale), ""]))
                 .order_by(EscalationStep.position, EscalationStep.id))
    own = [step for step in steps if step.locale]
    return own or steps


def all_steps():
    return list(EscalationStep.select().order_by(EscalationStep.locale, EscalationStep.position, EscalationStep.id))


def get_step(step_id):
    return EscalationStep.get_or_none(EscalationStep.id == step_id)


def add_step(locale, text, phone):
    """A step at the end of its language's checklist."""
    with write_transaction():
        last = (EscalationStep.select(fn.MAX(EscalationStep.position)).where(EscalationStep.locale == locale).scalar())
        return EscalationStep.create(locale=locale, text=text.strip(), phone=(phone or "").strip(),
                                     position=(last or 0) + 1)


def delete_step(step_id):
    return bool(EscalationStep.delete().where(EscalationStep.id == step_id).execute())
