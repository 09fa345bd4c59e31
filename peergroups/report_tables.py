"""The tables, headline figures and "how we count" definitions that the reports page, its CSV files
and the printable report draw, all from reports.py's aggregates (and, for feedback, from released
survey figures only). A table holds raw values; pages format them, files write them as they are."""
from typing import NamedTuple

from flask_babel.speaklater import LazyString

from . import reports, results, surveys
from .i18n import lazy_gettext as _l
from .labels import END_REASONS, name
from .models import Group

# Column kinds: "text", "month", "count" (of marks or meetings), "people" (of persons: shown as
# "fewer than k" when shared outside the organization), "decimal", "share" (a fraction 0..1 of a
# people count in its row), "days". None in a cell: nothing to show ("too early to tell" for a
# cohort, "not shown" for feedback, "–" otherwise).


class Column(NamedTuple):
    label: object
    kind: str
    how: str | None = None  # the key of its definition in HOW_WE_COUNT


class Table(NamedTuple):
    key: str  # also its CSV file's name
    title: object
    columns: list
    rows: list  # lists of raw values, one per column
    none_means: object = None  # what an empty cell says on the page
    total: list | None = None  # the row for the whole scope, drawn last


FEWER = object()  # a people count below k, when shared outside the organization

HOW_WE_COUNT = {
    "period": _l("Every figure covers the whole months of the chosen period, by the date of each meeting in its group's own time zone."),
    "held": _l("Meetings held: meetings in the period that were not cancelled, open or closed. Cancelled meetings are counted separately and nowhere else."),
    "attendances": _l("Attendances: present marks at meetings held in the period. A person who came to four meetings counts four times."),
    "average": _l("Average and median: attendances per meeting held. The median is the middle meeting when they are put in order, so one large meeting does not move it."),
    "rate": _l("Attendance rate: present marks divided by present and absent marks, at closed meetings only (closing a meeting marks everyone expected who was not marked as absent)."),
    "people": _l("People served: distinct people with at least one present mark in the period, in any of the groups shown. A person in three groups counts once; two records of one person that were merged count once."),
    "new": _l("New: people served whose first present mark ever, in any group, falls in the period."),
    "language": _l("People by meeting language: distinct people by the main language of the groups they attended. A person who attended groups of two languages counts once in each."),
    "retention": _l("Came back: of the people whose first present mark ever falls in a month (in a group shown), those with another present mark within 30 days after it. A month whose 30 days had not passed by the end of the period is too early to tell; marks after the period do not count."),
    "regular": _l("Stayed: of the same people, those with at least 4 present marks within 90 days of their first visit, the first included. Too early to tell until 90 days after the month have passed."),
    "offered": _l("Offered a mentor: of the newcomers of the period whose first 14 days had passed by its end, those for whom a pairing with a mentor was proposed within 14 days of their first visit."),
    "days": _l("Days to a mentor: the median number of days from a newcomer's first visit to their first pairing becoming active, among those paired by the end of the period."),
    "active": _l("Active pairings: pairings active on the last day of the period (or today, while it runs); with a check-in: those with a check-in recorded in the days set for check-ins before it."),
    "ended": _l("Pairings ended: pairings ended (or ended for a new mentor) during the period, by the reason recorded."),
    "follow_up": _l("Not seen lately: people with a present mark in the 90 days before the last 4 weeks, and none in those 4 weeks, at the end of the period. Came back: of the people in that situation at the start of the period, those with a present mark during it."),
    "feedback": _l("Feedback: only survey figures that were released and shown on the results pages, by month; a month with fewer responses than the organization's minimum, or hidden so that a small group cannot be worked out, is not shown here either. The whole period is shown only where the released figures give it."),
}


def _attendance_row(row):
    return [row.held, row.cancelled, row.present, row.average, row.median, row.rate]


ATTENDANCE_COLUMNS = [Column(_l("Meetings held"), "count", "held"), Column(_l("Cancelled"), "count", "held"),
                      Column(_l("Attendances"), "count", "attendances"),
                      Column(_l("Average per meeting"), "decimal", "average"),
                      Column(_l("Median per meeting"), "decimal", "average"),
                      Column(_l("Attendance rate"), "share", "rate")]
PEOPLE_COLUMNS = [Column(_l("People served"), "people", "people"), Column(_l("New"), "people", "new")]


class Report(NamedTuple):
    period: reports.Period
    as_of: object
    headline: dict
    tables: list
    funnel: reports.Funnel
    mentoring: reports.Mentoring


def group_names(scope):
    query = Group.select(Group.id, Group.name).order_by(Group.name)
    if scope.group_ids is not None:
        query = query.where(Group.id.in_(list(scope.group_ids) or [0]))
    return dict(query.tuples())


def build(scope, period, today, overdue_days):
    """Everything the page draws, as tables of raw values."""
    names = group_names(scope)
    attendance, months, total = reports.attendance(scope, period)
    (people, languages, people_total), cohorts, mentoring = reports.served(scope, period, today, overdue_days)
    funnel = reports.funnel(cohorts)
    follow = reports.follow_up(scope, period, today)
    shown_groups = [g for g in names if g in attendance or g in people]
    tables = [
        Table("attendance-months", _l("Attendance by month"), [Column(_l("Month"), "month"), *ATTENDANCE_COLUMNS],
              [[m.key, *_attendance_row(m)] for m in months], total=[None, *_attendance_row(total)]),
        Table("attendance-groups", _l("Attendance by group"), [Column(_l("Group"), "text"), *ATTENDANCE_COLUMNS],
              [[names[g], *_attendance_row(attendance.get(g, reports.AttendanceRow.empty(g)))] for g in shown_groups],
              total=[None, *_attendance_row(total)]),
        Table("people-groups", _l("People served by group"), [Column(_l("Group"), "text"), *PEOPLE_COLUMNS],
              [[names[g], *(people[g][1:] if g in people else (0, 0))] for g in shown_groups],
              total=[None, people_total.people, people_total.new]),
        Table("people-languages", _l("People served by meeting language"),
              [Column(_l("Language"), "language", "language"), *PEOPLE_COLUMNS],
              [[r.key, r.people, r.new] for r in languages]),
        Table("retention", _l("Newcomers by month of first visit"),
              [Column(_l("Month of first visit"), "month"), Column(_l("Newcomers"), "people", "new"),
               Column(_l("Came back within 30 days"), "people", "retention"), Column(_l("Share"), "share", "retention"),
               Column(_l("4 or more meetings within 90 days"), "people", "regular"), Column(_l("Share"), "share", "regular")],
              [[c.month, c.people, c.came_back, _share(c.came_back, c.people), c.regular, _share(c.regular, c.people)]
               for c in cohorts], none_means=_l("too early to tell")),
        Table("mentoring", _l("Mentoring"), [Column(_l("Figure"), "text"), Column(_l("Number"), "people")],
              [[_l("Newcomers whose first 14 days have passed"), mentoring.newcomers],
               [_l("Offered a mentor within 14 days"), mentoring.offered],
               [_l("Active pairings at the end of the period"), mentoring.active],
               [_l("Active pairings with a recent check-in"), mentoring.checked_in],
               *[[_l("Pairings ended: %(reason)s", reason=name(END_REASONS, reason)), n]
                 for reason, n in sorted(mentoring.ended.items())]]),
        Table("follow-up", _l("Follow-up"), [Column(_l("Figure"), "text"), Column(_l("People"), "people", "follow_up")],
              [[_l("Not seen lately at the end of the period"), follow.not_seen],
               [_l("Not seen lately at the start of the period"), follow.flagged],
               [_l("Of those, came back during the period"), follow.came_back]]),
    ]
    headline = {"held": total.held, "attendances": total.present, "rate": total.rate, "people": people_total.people,
                "new": people_total.new, "came_back": _share(funnel.came_back, funnel.judged_back),
                "offered": _share(mentoring.offered, mentoring.newcomers), "days": mentoring.median_days,
                "active": mentoring.active}
    return Report(period, period.as_of(today), headline, [resolved(t) for t in tables], funnel, mentoring)


def _text(value):
    return str(value) if isinstance(value, LazyString) else value


def resolved(table):
    """The table with its words in the request's language, looked up once: a lazy string is
    translated again wherever it is used, and a table repeats them in hundreds of cells."""
    return table._replace(title=str(table.title), none_means=_text(table.none_means),
                          columns=[column._replace(label=str(column.label)) for column in table.columns],
                          rows=[[_text(value) for value in row] for row in table.rows],
                          total=None if table.total is None else [_text(value) for value in table.total])


def _share(part, whole):
    return part / whole if part is not None and whole else None


# ---- Feedback: released figures only ----

class FeedbackTable(NamedTuple):
    table: Table
    chart: list  # (month, mean score or None)
    chart_label: object


def feedback(period, group_id, locale):
    """Per survey with releases in this scope (a group, or None: the organization): a table of its
    released months and the period as a whole, from results.released_figures only."""
    out = []
    for survey_id in results.released_surveys(group_id=group_id):
        definition = surveys.definition_of(survey_id)
        figures = results.released_figures(definition, survey_id, period.first, period.last, group_id)
        scales = [q for q in definition.questions if q.kind == "scale"]
        columns = [Column(_l("Month"), "month"), Column(_l("Responses"), "count", "feedback")]
        columns += [Column(_l("Average score: %(name)s", name=score_name or _l("total")), "decimal", "feedback")
                    for score_name in ([*definition.subscales, None] if definition.subscales else [])]
        columns += [Column(definition.text(q, locale)[0], "decimal", "feedback") for q in scales]

        def cells(shown):
            if shown is None:
                return [None] * (len(columns) - 1)
            scores = [s.mean for s in shown.scores]
            means = {r.question.key: r.mean for r in shown.questions}
            return [shown.count, *scores, *[means.get(q.key) for q in scales]]

        rows = [[month, *cells(released.figures if released else None)]
                for month, released in zip(period.months, figures.months)]
        key = f"feedback-{survey_id or 'builtin'}" + (f"-{group_id}" if group_id else "")
        table = Table(key, definition.name, columns, rows, none_means=_l("not shown"),
                      total=[None, *cells(figures.total)])
        subscales = list(definition.subscales)
        score_column = 2 + len(subscales) if subscales else (2 if scales else None)  # the total, or the first question
        chart = [(row[0], row[score_column]) for row in rows] if score_column else []
        out.append(FeedbackTable(resolved(table), chart, columns[score_column].label if score_column else None))
    return out


def shared(table, k):
    """The table for sharing outside the organization: people counts from 1 to k-1 become FEWER,
    and so does every share in a row where one is (a share of a small count would give it away)."""
    people = [i for i, c in enumerate(table.columns) if c.kind == "people"]
    shares = [i for i, c in enumerate(table.columns) if c.kind == "share"]

    def hide(row):
        if row is None:
            return None
        row = list(row)
        small = [i for i in people if isinstance(row[i], int) and 0 < row[i] < k]
        for i in small:
            row[i] = FEWER
        if small:
            for i in shares:
                row[i] = FEWER if row[i] is not None else None
        return row

    return table._replace(rows=[hide(r) for r in table.rows], total=hide(table.total))
