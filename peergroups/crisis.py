"""Crisis and support lines per language: the admins' list, and the lines a page shows."""
from .models import CrisisLine

FIELDS = ("locale", "name", "phone", "text_line", "url", "hours")


def lines_for(locale):
    """Every line, the reader's language first, then the general lines (locale ""), then the rest:
    someone in crisis may read another language better than the page's."""
    own = str(locale)
    return sorted(CrisisLine.select(), key=lambda line: (line.locale != own, line.locale != "", line.locale, line.name))


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
