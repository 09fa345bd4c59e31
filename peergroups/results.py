"""Survey results: figures counted in SQL (GROUP BY), then suppressed with the organization's k
(product.md, "Privacy rules"). Nothing here returns a response, a person or a time: only counts,
means, scores and, at k or more responses, free-text answers in random order.

One suppression per survey covers every page at once (suppression.suppress_linked): a meeting's
figures, its group's months and totals and the organization's totals are linked by sums, so a
figure hidden on one page cannot be worked out by subtracting figures shown on other pages."""
import datetime
from typing import NamedTuple

from peewee import fn

from .models import SurveyAnswer, SurveyLink, SurveyResponse
from .suppression import comments_to_show, shown, suppress_linked

ORG = ("org",)


class QuestionResult(NamedTuple):
    question: object  # questionnaire.Question
    cells: dict  # point -> count, None where hidden
    total: int | None  # people who answered it
    mean: float | None  # None where hidden
    complete: bool  # every part and the total shown: the mean and a chart add nothing hidden
    texts: list  # free-text answers, in random order, or [] below k


class Score(NamedTuple):
    name: str | None  # a subscale's name; None for the total
    mean: float | None
    low: float
    high: float


class Summary(NamedTuple):
    count: int | None  # responses; None where hidden
    questions: list
    scores: list


class Month(NamedTuple):
    month: datetime.date  # the first day of the month
    count: int | None
    means: dict  # question key -> mean or None


class Release(NamedTuple):
    """Every figure of one survey in the organization and which of them are hidden."""
    survey_id: int | None
    values: dict
    hidden: frozenset
    leaves: dict  # leaf scope -> (group id, month)
    sums: dict  # (scope, question key) -> sum of the answers' values, for means

    def get(self, key):
        return None if key in self.hidden else self.values.get(key, 0)


def scope_of_meeting(meeting_id):
    return ("meeting", meeting_id)


def scope_of_group(group_id):
    return ("group", group_id)


def _link_filter(survey_id):
    return SurveyLink.survey.is_null() if survey_id is None else SurveyLink.survey == survey_id


def _leaf(meeting_id, link_id):
    """A meeting (all its links together) or a periodic link is the smallest unit results show."""
    return ("meeting", meeting_id) if meeting_id is not None else ("period", link_id)


def _month(day):
    if isinstance(day, str):  # SQLite hands back the ISO text of a DATE in a grouped query
        day = datetime.date.fromisoformat(day)
    return day.replace(day=1)


def release(definition, survey_id, k):
    """Count everything of one survey in two grouped queries, then suppress it all in one run."""
    values, lines, leaves, sums = {}, [], {}, {}
    link = _link_filter(survey_id)
    for group_id, meeting_id, link_id, day, n in (
            SurveyResponse.select(SurveyLink.group, SurveyLink.meeting, SurveyLink.id, SurveyResponse.counts_for,
                                  fn.COUNT(SurveyResponse.id))
            .join(SurveyLink).where(link)
            .group_by(SurveyLink.group, SurveyLink.meeting, SurveyLink.id, SurveyResponse.counts_for).tuples()):
        leaf = _leaf(meeting_id, link_id)
        leaves[leaf] = (group_id, _month(day))
        values[("n", leaf)] = values.get(("n", leaf), 0) + n
    answers = {}
    for meeting_id, link_id, question, value, n in (
            SurveyAnswer.select(SurveyLink.meeting, SurveyLink.id, SurveyAnswer.question, SurveyAnswer.value,
                                fn.COUNT(SurveyAnswer.response))
            .join(SurveyResponse).join(SurveyLink).where(link, SurveyAnswer.value.is_null(False))
            .group_by(SurveyLink.meeting, SurveyLink.id, SurveyAnswer.question, SurveyAnswer.value).tuples()):
        key = (_leaf(meeting_id, link_id), question, value)
        answers[key] = answers.get(key, 0) + n

    groups, months, parts_of = {}, {}, {}
    for leaf, (group_id, month) in leaves.items():
        group = scope_of_group(group_id)
        groups.setdefault(group, []).append(leaf)
        months.setdefault(("month", group_id, month), []).append(leaf)
        # Answers per point are shown for each meeting, group and the organization. A periodic
        # link's answers show only within its group's, so a group's periods are one part of it.
        parts_of.setdefault(group, {}).setdefault(leaf if leaf[0] == "meeting" else ("periods", group_id), []).append(leaf)

    def add_line(parts, total):
        values[total] = sum(values[p] for p in parts)
        lines.append((parts, total))
    for month, parts in months.items():
        add_line([("n", leaf) for leaf in parts], ("n", month))
    for group in groups:
        add_line([("n", m) for m in months if scope_of_group(m[1]) == group], ("n", group))
    add_line([("n", g) for g in groups], ("n", ORG))
    for group, parts in parts_of.items():
        for part, part_leaves in parts.items():
            if part[0] == "periods" and len(parts) > 1:
                add_line([("n", leaf) for leaf in part_leaves], ("n", part))
    # Where a group's periods are all of it, the group's own figures are the finest shown.
    cell_scopes = [part for parts in parts_of.values() if len(parts) > 1 or next(iter(parts))[0] == "meeting"
                   for part in parts]

    for question in definition.questions:
        if not question.points:
            continue
        key = question.key
        for leaf in leaves:
            sums[(leaf, key)] = sum(answers.get((leaf, key, p), 0) * p for p in question.points)
        cells = {}
        for group, parts in parts_of.items():
            for part, part_leaves in parts.items():
                for point in question.points:
                    cells[(part, point)] = sum(answers.get((leaf, key, point), 0) for leaf in part_leaves)
            sums[(group, key)] = sum(sums[(leaf, key)] for leaf in groups[group])
        sums[(ORG, key)] = sum(sums[(g, key)] for g in groups)
        # A required question's distribution adds up to the responses; otherwise (an optional
        # question, or answers that predate a change) to the number who answered it.
        # (Whole groups and their meetings agree, so their periods do too.)
        by_responses = question.required and all(
            sum(cells[(part, p)] for part in (parts if scope == group else [scope]) for p in question.points)
            == values[("n", scope)]
            for group, parts in parts_of.items() for scope in (group, *(p for p in parts if p[0] == "meeting")))
        for scope in cell_scopes:
            for point in question.points:
                values[("c", scope, key, point)] = cells[(scope, point)]
        for group, parts in parts_of.items():
            for point in question.points:
                if len(parts) > 1 or next(iter(parts))[0] == "meeting":
                    add_line([("c", part, key, point) for part in parts], ("c", group, key, point))
                else:
                    values[("c", group, key, point)] = cells[(next(iter(parts)), point)]
        for point in question.points:
            add_line([("c", g, key, point) for g in groups], ("c", ORG, key, point))
        for scope in [*cell_scopes, *groups, ORG]:
            scope_cells = [("c", scope, key, p) for p in question.points]
            if by_responses:
                lines.append((scope_cells, ("n", scope)))
            else:
                add_line(scope_cells, ("a", scope, key))
    return Release(survey_id, values, frozenset(suppress_linked(values, lines, k)), leaves, sums)


def summary(definition, rel, scope, k, rng=None):
    """Count, each question's distribution and mean, scores and free-text answers for one scope
    (scope_of_meeting, scope_of_group or ORG), as the organization-wide release allows."""
    count = rel.get(("n", scope))
    results = {}
    for question in definition.questions:
        if not question.points:
            results[question.key] = QuestionResult(question, {}, None, None, False,
                                                   _texts(rel.survey_id, scope, question.key, count, k, rng))
            continue
        cells = {p: rel.get(("c", scope, question.key, p)) for p in question.points}
        total_key = ("a", scope, question.key)
        total = rel.get(total_key if total_key in rel.values else ("n", scope))
        # Beside a distribution with hidden parts the mean adds one more equation, enough to solve two
        # hidden parts: it is shown only when every part is.
        complete = total is not None and None not in cells.values()
        mean = (rel.sums.get((scope, question.key), 0) / total
                if complete and total and shown(total, k) else None)
        results[question.key] = QuestionResult(question, cells, total, mean, complete, [])
    scores = []
    for name in [*definition.subscales, None] if definition.subscales else []:
        items = definition.items(name)
        means = {q.key: results[q.key].mean for q in items}
        low, high = definition.score_range(name)
        mean = None if None in means.values() else definition.mean_score(means, name)
        scores.append(Score(name, mean, low, high))
    return Summary(count, list(results.values()), scores)


def _texts(survey_id, scope, key, count, k, rng):
    """Free-text answers of a scope whose count is shown and at least k, in a fresh random order."""
    if count is None or not shown(count, k):
        return []
    query = (SurveyAnswer.select(SurveyAnswer.text).join(SurveyResponse).join(SurveyLink)
             .where(_link_filter(survey_id), SurveyAnswer.question == key, SurveyAnswer.text.is_null(False)))
    if scope[0] == "meeting":
        query = query.where(SurveyLink.meeting == scope[1])
    elif scope[0] == "group":
        query = query.where(SurveyLink.group == scope[1])
    return comments_to_show([text for (text,) in query.tuples()], k, rng)


def by_month(definition, rel, group_id, k):
    """One row per month of a group, newest first: responses and each scored or scale question's
    mean where the month's count shows."""
    months = {}
    for leaf, (g, month) in rel.leaves.items():
        if g == group_id:
            months.setdefault(month, []).append(leaf)
    rows = []
    for month in sorted(months, reverse=True):
        count = rel.get(("n", ("month", group_id, month)))
        means = {}
        for question in definition.questions:
            if question.points and question.kind == "scale" and question.required:
                total = sum(rel.sums.get((leaf, question.key), 0) for leaf in months[month])
                means[question.key] = total / count if count and shown(count, k) else None
        rows.append(Month(month, count, means))
    return rows


def surveys_with_responses(meeting_id=None, group_id=None):
    """Survey ids (None: our built-in one) that have responses in this scope, most used first."""
    query = SurveyLink.select(SurveyLink.survey, fn.COUNT(SurveyResponse.id)).join(SurveyResponse)
    if meeting_id is not None:
        query = query.where(SurveyLink.meeting == meeting_id)
    elif group_id is not None:
        query = query.where(SurveyLink.group == group_id)
    counted = query.group_by(SurveyLink.survey).tuples()
    return [survey for survey, _n in sorted(counted, key=lambda row: -row[1])]
