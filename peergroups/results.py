"""Survey results: figures counted in SQL (GROUP BY), then suppressed with the organization's k
(product.md, "Privacy rules"). Nothing here returns a response, a person or a time: only counts,
means and, at k or more responses, the comments in random order."""
import datetime
from typing import NamedTuple

from peewee import fn

from .models import Meeting, SurveyAnswer, SurveyLink, SurveyResponse
from .suppression import Distribution, comments_to_show, shown, suppress_distribution, suppress_mean
from .surveys import COMMENT, QUESTIONS, SCALE

POINTS = tuple(range(1, len(SCALE) + 1))


class QuestionResult(NamedTuple):
    key: str
    distribution: Distribution  # counts per scale point, None where hidden
    mean: float | None  # None where hidden
    complete: bool  # every part and the total shown: the mean and a chart add nothing hidden


class Summary(NamedTuple):
    count: int | None  # responses; None where hidden
    questions: list
    comments: list


class Month(NamedTuple):
    month: datetime.date  # the first day of the month
    count: int | None
    means: dict  # question -> mean or None


def _where(meeting_id=None, group_id=None):
    """The scope of a result: one meeting, one group, or (neither) the whole organization."""
    if meeting_id is not None:
        return Meeting.id == meeting_id
    if group_id is not None:
        return Meeting.group == group_id
    return True


def _responses(*fields):
    return SurveyResponse.select(*fields).join(SurveyLink).join(Meeting)


def _answers(*fields):
    return SurveyAnswer.select(*fields).join(SurveyResponse).join(SurveyLink).join(Meeting)


def _question_result(key, counts, k):
    distribution = suppress_distribution({point: counts.get(point, 0) for point in POINTS}, k)
    total = sum(counts.values())
    mean = sum(point * n for point, n in counts.items()) / total if total else None
    # Beside a distribution with hidden parts the mean adds one more equation, enough to solve two
    # hidden parts: it is shown only when every part is.
    complete = distribution.total is not None and None not in distribution.cells.values()
    return QuestionResult(key, distribution, suppress_mean(total, mean, k) if complete else None, complete)


def summary(k, meeting_id=None, group_id=None, rng=None):
    """Count, per-question distribution and mean, and comments for one scope, suppressed."""
    where = _where(meeting_id, group_id)
    count = _responses(fn.COUNT(SurveyResponse.id)).where(where).scalar() or 0
    counts = {}
    for question, value, n in (_answers(SurveyAnswer.question, SurveyAnswer.value, fn.COUNT(SurveyAnswer.response))
                               .where(where, SurveyAnswer.value.is_null(False))
                               .group_by(SurveyAnswer.question, SurveyAnswer.value).tuples()):
        counts.setdefault(question, {})[value] = n
    comments = []
    if shown(count, k):  # below k nothing is shown, so nothing is read
        comments = [text for (text,) in _answers(SurveyAnswer.text)
                    .where(where, SurveyAnswer.question == COMMENT).tuples()]
    total = suppress_distribution({None: count}, k).total
    return Summary(total, [_question_result(key, counts.get(key, {}), k) for key, _label in QUESTIONS],
                   comments_to_show(comments, k, rng))


def by_month(group_id, k):
    """One row per month, newest first: responses (suppressed as parts of the group's total, so a
    hidden month is not the total minus the others) and each question's mean where the count shows.

    SQL groups by meeting date (a few rows per month); the dates are folded into months here,
    which works the same on SQLite and PostgreSQL."""
    where = _where(group_id=group_id)
    counts, sums = {}, {}
    for day, n in (_responses(SurveyResponse.meeting_date, fn.COUNT(SurveyResponse.id)).where(where)
                   .group_by(SurveyResponse.meeting_date).tuples()):
        month = _month(day)
        counts[month] = counts.get(month, 0) + n
    for day, question, total in (_answers(SurveyResponse.meeting_date, SurveyAnswer.question, fn.SUM(SurveyAnswer.value))
                                 .where(where, SurveyAnswer.value.is_null(False))
                                 .group_by(SurveyResponse.meeting_date, SurveyAnswer.question).tuples()):
        key = (_month(day), question)
        sums[key] = sums.get(key, 0) + total
    months = suppress_distribution(counts, k)
    rows = [Month(month, months.cells[month],
                  {key: _mean(months.cells[month], sums.get((month, key), 0), k) for key, _label in QUESTIONS})
            for month in sorted(counts, reverse=True)]
    return rows, months.total


def _month(day):
    if isinstance(day, str):  # SQLite hands back the ISO text of a DATE in a grouped query
        day = datetime.date.fromisoformat(day)
    return day.replace(day=1)


def _mean(count, total, k):
    # Every question is required, so a month's count is also the number of answers to each.
    return suppress_mean(count, total / count, k) if count else None
