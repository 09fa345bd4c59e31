"""Survey results, released rather than live (decisions.md, "Survey results: the release model").

A release is computed once, when links close and months end (release_due), and stored in
SurveyRelease; pages and reports only read it (released_figures, meeting_release, ...). Which
aggregates are shown is decided by suppression.decide over everything released of the survey
before, so no page, report or later release lets a hidden set of fewer than k responses be worked
out. A shown aggregate is shown whole: count, distribution, mean, scores, comments in random order.

Aggregates of one survey: a meeting's link and a periodic link ("period") are leaves; a group's
month ("month"); the organization's month ("org-month"); a group's and the organization's
responses from the start through a month ("group", "org": the all-time figures as of that month)."""
import datetime
import json
import random
from typing import NamedTuple

from peewee import JOIN, fn

from . import surveys
from .db import Prepared, database, is_sqlite, write_transaction
from .models import Meeting, Organization, SurveyAnswer, SurveyLink, SurveyRelease, SurveyResponse, utcnow
from .suppression import GROUP_RANGE, LEAF, MONTH, ORG_MONTH, ORG_RANGE, Aggregate, decide, effective_k

LEVEL = {"meeting": LEAF, "period": LEAF, "month": MONTH, "org-month": ORG_MONTH, "group": GROUP_RANGE,
         "org": ORG_RANGE}


# ---- What pages and reports draw ----

class QuestionFigures(NamedTuple):
    question: object  # questionnaire.Question
    counts: dict  # point -> responses that chose it (every point, zeros included)
    percents: dict  # point -> share of those who answered, 0-100
    answered: int
    mean: float | None  # scale questions only
    texts: list  # free-text answers in random order


class Score(NamedTuple):
    name: str | None  # a subscale's name; None for the total
    mean: float | None
    low: float
    high: float


class Figures(NamedTuple):
    """A shown aggregate, whole."""
    count: int
    questions: list
    scores: list


class Released(NamedTuple):
    """One released aggregate: figures None where it holds fewer than k responses (or is hidden
    so that another cannot be worked out; pages say the same for both)."""
    kind: str
    month: datetime.date
    figures: Figures | None


def _figures(definition, raw):
    questions = []
    for question in definition.questions:
        data = raw["q"].get(question.key, {"c": {}, "a": 0, "s": 0})
        counts = {p: data["c"].get(str(p), 0) for p in question.points}
        answered = data["a"]
        percents = {p: 100 * n / answered if answered else 0 for p, n in counts.items()}
        mean = data["s"] / answered if question.kind == "scale" and answered else None
        questions.append(QuestionFigures(question, counts, percents, answered, mean, raw["t"].get(question.key, [])))
    scores = []
    if definition.subscales:
        means = {q.question.key: q.mean for q in questions}
        for name in [*definition.subscales, None]:
            low, high = definition.score_range(name)
            items = definition.items(name)
            mean = None if any(means[q.key] is None for q in items) else definition.mean_score(means, name)
            scores.append(Score(name, mean, low, high))
    return Figures(raw["n"], questions, scores)


def _released(definition, row):
    return Released(row.kind, row.month, _figures(definition, json.loads(row.figures)) if row.shown else None)


def _in_scope(query, group_id):
    return query if group_id is None else query.where(SurveyRelease.group == group_id)


def meeting_release(definition, survey_id, meeting_id):
    """The meeting's release, or None while its link is open (or its figures wait for the month)."""
    row = _MEETING_RELEASE.first(survey_id, meeting_id)
    return _released(definition, row) if row else None


_MEETING_RELEASE = Prepared(lambda survey_id, meeting_id: SurveyRelease.of_survey(survey_id)
                            .where(SurveyRelease.meeting == meeting_id).limit(1))


def range_release(definition, survey_id, group_id=None):
    """The latest shown all-time figures (a group's, or with no group the organization's), or the
    latest released ones (hidden), or None before the first month is released."""
    row = _RANGE_RELEASE.first(survey_id, group_id)
    return _released(definition, row) if row else None


def month_releases(definition, survey_id, group_id=None):
    """Released months, newest first: a group's, or with no group the organization's."""
    return [_released(definition, row) for row in _MONTH_RELEASES.rows(survey_id, group_id)]


_MONTHS_AND_RANGES = Prepared(lambda survey_id, group_id: _in_scope(SurveyRelease.of_survey(survey_id).where(
    SurveyRelease.kind.in_(["org-month", "org"] if group_id is None else ["month", "group"])), group_id))
_RANGE_RELEASE = Prepared(lambda survey_id, group_id: _in_scope(SurveyRelease.of_survey(survey_id).where(
    SurveyRelease.kind == ("org" if group_id is None else "group")), group_id)
    .order_by(SurveyRelease.shown.desc(), SurveyRelease.month.desc()).limit(1))
_MONTH_RELEASES = Prepared(lambda survey_id, group_id: _in_scope(SurveyRelease.of_survey(survey_id).where(
    SurveyRelease.kind == ("org-month" if group_id is None else "month")), group_id)
    .order_by(SurveyRelease.month.desc()))


def released_surveys(meeting_id=None, group_id=None):
    """Survey ids (None: our built-in one) with releases in this scope, most released first."""
    counted = _RELEASED_SURVEYS.rows(meeting_id, None if meeting_id is not None else group_id)
    return [survey for survey, _n in sorted(counted, key=lambda row: -row[1])]


def _released_surveys(meeting_id, group_id):
    query = SurveyRelease.select(SurveyRelease.survey, fn.COUNT(SurveyRelease.id))
    if meeting_id is not None:
        query = query.where(SurveyRelease.meeting == meeting_id)
    elif group_id is not None:
        query = query.where(SurveyRelease.group == group_id)
    return query.group_by(SurveyRelease.survey).tuples()


_RELEASED_SURVEYS = Prepared(_released_surveys)


class RangeFigures(NamedTuple):
    months: list  # Released per month of the range, oldest first; None for a month not released
    total: Figures | None  # the range as a whole, where shown figures give it; comments only from the start


def released_figures(definition, survey_id, first, last, group_id=None):
    """For reports: a survey's released figures for a group (or, with no group, the organization)
    over the whole months `first`..`last` (dates, any day of the month).

    Returns only figures that are already released and shown, or that follow from them by adding and
    subtracting (which reveals nothing new: the release rule covers every such combination):
    - months: each month's release (figures None where hidden or not released yet);
    - total: the range's figures, taken from the released running totals (through `last` minus
      through the month before `first`), or the sum of the months when each is shown; None
      otherwise. Comments are in the total only where it is a running total from the start.
    Nothing here computes from responses: ranges are unions of released months."""
    first, last = first.replace(day=1), last.replace(day=1)
    month_kind, range_kind = ("org-month", "org") if group_id is None else ("month", "group")
    rows = {(row.kind, row.month): row for row in _MONTHS_AND_RANGES.rows(survey_id, group_id)}
    months, month = [], first
    while month <= last:
        row = rows.get((month_kind, month))
        months.append(_released(definition, row) if row else None)
        month = _next_month(month)
    through = rows.get((range_kind, last))
    before = [row for (kind, m), row in rows.items() if kind == range_kind and m < first]
    total = None
    if through and through.shown:
        if not before and not any(m < first for kind, m in rows if kind == month_kind):
            total = _figures(definition, raw(through))
        elif before and max(before, key=lambda r: r.month).month == _previous_month(first):
            previous = max(before, key=lambda r: r.month)
            if previous.shown:
                total = _figures(definition, _subtract(raw(through), raw(previous)))
    if total is None and months and all(m and m.figures for m in months):
        total = _figures(definition, _add([raw(rows[(month_kind, m.month)]) for m in months], with_texts=False))
    return RangeFigures(months, total)


def raw(row):
    """A release's figures as stored."""
    return json.loads(row.figures)


def _next_month(month):
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _previous_month(month):
    return (month - datetime.timedelta(days=1)).replace(day=1)


def _subtract(a, b):
    out = {"n": a["n"] - b["n"], "q": {}, "t": {}}
    for key, data in a["q"].items():
        other = b["q"].get(key, {"c": {}, "a": 0, "s": 0})
        out["q"][key] = {"c": {p: n - other["c"].get(p, 0) for p, n in data["c"].items()},
                         "a": data["a"] - other["a"], "s": data["s"] - other["s"]}
    return out


def _add(raws, with_texts=True, rng=None):
    out = {"n": 0, "q": {}, "t": {}}
    for raw in raws:
        out["n"] += raw["n"]
        for key, data in raw["q"].items():
            into = out["q"].setdefault(key, {"c": {}, "a": 0, "s": 0})
            for point, n in data["c"].items():
                into["c"][point] = into["c"].get(point, 0) + n
            into["a"] += data["a"]
            into["s"] += data["s"]
        if with_texts:
            for key, texts in raw["t"].items():
                out["t"].setdefault(key, []).extend(texts)
    for texts in out["t"].values():
        (rng or random.SystemRandom()).shuffle(texts)
    return out


# ---- Releasing ----

class Leaf(NamedTuple):
    key: str
    kind: str  # "meeting" or "period"
    group_id: int
    month: datetime.date
    meeting_id: int | None
    link_id: int


def _survey_filter(model, survey_id):
    return model.survey.is_null() if survey_id is None else model.survey == survey_id


def _month_of(day):
    if isinstance(day, str):  # SQLite hands back the ISO text of a DATE in a grouped query
        day = datetime.date.fromisoformat(day)
    return day.replace(day=1)


def _leaves(survey_id):
    """Every released link of the survey as a leaf, with its responses: one grouped query."""
    leaves, counts = {}, {}
    query = (SurveyLink.select(SurveyLink.id, SurveyLink.group, SurveyLink.meeting, SurveyLink.period,
                               Meeting.local_date, fn.COUNT(SurveyResponse.id))
             .join(Meeting, JOIN.LEFT_OUTER, on=(SurveyLink.meeting == Meeting.id))
             .switch(SurveyLink).join(SurveyResponse, JOIN.LEFT_OUTER)
             .where(_survey_filter(SurveyLink, survey_id), SurveyLink.released)
             .group_by(SurveyLink.id, SurveyLink.group, SurveyLink.meeting, SurveyLink.period, Meeting.local_date))
    for link_id, group_id, meeting_id, period, day, n in query.tuples():
        key = f"meeting:{meeting_id}" if meeting_id else f"period:{link_id}"
        leaves[key] = Leaf(key, "meeting" if meeting_id else "period", group_id, _month_of(day or period),
                           meeting_id, link_id)
        counts[key] = counts.get(key, 0) + n
    return leaves, counts


def _raw_of_leaves(survey_id, leaf_keys, leaves):
    """{leaf key: figures as stored} for these leaves: answers counted in SQL per link and value."""
    links = {leaves[key].link_id: key for key in leaf_keys}
    raw = {key: {"n": 0, "q": {}, "t": {}} for key in leaf_keys}
    if not links:
        return raw
    for link_id, n in (SurveyResponse.select(SurveyResponse.link, fn.COUNT(SurveyResponse.id))
                       .where(SurveyResponse.link.in_(list(links))).group_by(SurveyResponse.link).tuples()):
        raw[links[link_id]]["n"] += n
    for link_id, question, value, n in (
            SurveyAnswer.select(SurveyResponse.link, SurveyAnswer.question, SurveyAnswer.value,
                                fn.COUNT(SurveyAnswer.response))
            .join(SurveyResponse).where(SurveyResponse.link.in_(list(links)), SurveyAnswer.value.is_null(False))
            .group_by(SurveyResponse.link, SurveyAnswer.question, SurveyAnswer.value).tuples()):
        data = raw[links[link_id]]["q"].setdefault(question, {"c": {}, "a": 0, "s": 0})
        data["c"][str(value)] = data["c"].get(str(value), 0) + n
        data["a"] += n
        data["s"] += value * n
    for link_id, question, text in (
            SurveyAnswer.select(SurveyResponse.link, SurveyAnswer.question, SurveyAnswer.text)
            .join(SurveyResponse).where(SurveyResponse.link.in_(list(links)), SurveyAnswer.text.is_null(False))
            .tuples()):
        raw[links[link_id]]["t"].setdefault(question, []).append(text)
    return raw


class _Index:
    """Leaves by group and month, so an aggregate's leaves are found without scanning them all."""

    def __init__(self, leaves):
        self.by_group_month, self.by_month = {}, {}
        for x in leaves.values():
            self.by_group_month.setdefault((x.group_id, x.month), []).append(x.key)
            self.by_month.setdefault(x.month, []).append(x.key)

    def aggregate(self, kind, group_id, month, leaf_key=None):
        """The aggregate of one release (its key without the survey, its level, its leaves)."""
        if kind in ("meeting", "period"):
            return Aggregate(leaf_key, LEAF, frozenset([leaf_key]))
        if kind == "month":
            members = self.by_group_month.get((group_id, month), ())
            return Aggregate(f"month:{group_id}:{month}", MONTH, frozenset(members))
        if kind == "org-month":
            return Aggregate(f"org-month:{month}", ORG_MONTH, frozenset(self.by_month.get(month, ())))
        if kind == "group":
            members = [x for (g, m), keys in self.by_group_month.items() if g == group_id and m <= month for x in keys]
            return Aggregate(f"group:{group_id}:{month}", GROUP_RANGE, frozenset(members))
        return Aggregate(f"org:{month}", ORG_RANGE,
                         frozenset(x for m, keys in self.by_month.items() if m <= month for x in keys))


def _released_month(now):
    """The latest month that has ended everywhere on Earth (a day's margin for time zones)."""
    return _previous_month((now - datetime.timedelta(days=1)).date().replace(day=1))


def close_link(link, now=None):
    """Close a link for good (responses rewritten in random order) and release what is due."""
    surveys.close_link(link, now)
    release_due(now)


def release_due(now=None, k=None):
    """Release everything due: each closed link's responses are rewritten in random order and its
    leaf released (a meeting's at once, unless its group's meetings wait for the month); each month
    that has ended, whose links have all closed, with its groups' and the organization's figures.
    Safe to run at any time and from several processes at once (cron: `flask surveys release`)."""
    now = now or utcnow()
    if k is None:
        org = Organization.current()
        k = org.survey_min_responses if org else None
    k = effective_k(k)
    for link_id in [link.id for link in SurveyLink.select(SurveyLink.id)
                    .where(~SurveyLink.released, SurveyLink.closes_at <= now)]:
        with write_transaction():
            surveys.shuffle_responses(link_id, checkpoint=False)
            SurveyLink.update(released=True).where(SurveyLink.id == link_id).execute()
    surveys.checkpoint_log()
    for (survey_id,) in SurveyLink.select(SurveyLink.survey).distinct().tuples():
        _release_survey(survey_id, k, now)


def _release_survey(survey_id, k, now):
    with write_transaction():
        if not is_sqlite():  # one release run at a time (SQLite's BEGIN IMMEDIATE already queues)
            database.execute_sql("SELECT pg_advisory_xact_lock(8008)")
        leaves, counts = _leaves(survey_id)
        rows = list(SurveyRelease.of_survey(survey_id).select(
            SurveyRelease.kind, SurveyRelease.group, SurveyRelease.month, SurveyRelease.meeting,
            SurveyRelease.link, SurveyRelease.shown).tuples())
        done_months = {month for kind, _g, month, *_rest in rows if kind == "org-month"}
        released = {f"meeting:{m}" if kind == "meeting" else f"period:{link}"
                    for kind, _g, _month, m, link, _shown in rows if kind in ("meeting", "period")}
        for key in [key for key, x in leaves.items() if x.month in done_months and key not in released]:
            del leaves[key], counts[key]  # a link made after its month was released never shows
        open_months = {_month_of(day or period) for day, period in (
            SurveyLink.select(Meeting.local_date, SurveyLink.period)
            .join(Meeting, JOIN.LEFT_OUTER, on=(SurveyLink.meeting == Meeting.id))
            .where(_survey_filter(SurveyLink, survey_id), ~SurveyLink.released).tuples())}
        latest = _released_month(now)
        # Months are released in order: a later month waits for an earlier one's open links.
        due = [m for m in sorted({x.month for x in leaves.values()} - done_months - open_months)
               if m <= latest and not any(o < m for o in open_months)]
        waiting = _waiting_groups(rows)
        early = [x for x in leaves.values() if x.kind == "meeting" and x.key not in released
                 and x.group_id not in waiting and x.month not in done_months and x.month not in due]
        if not due and not early:
            return
        index = _Index(leaves)
        fixed, aggregates = {}, []
        for kind, group_id, month, meeting_id, link_id, shown in rows:
            leaf_key = f"meeting:{meeting_id}" if kind == "meeting" else f"period:{link_id}"
            aggregate = index.aggregate(kind, group_id, month, leaf_key)
            fixed[aggregate.key] = shown
            aggregates.append(aggregate)
        new = []
        for month in due:
            batch = [index.aggregate(x.kind, x.group_id, month, x.key) for x in leaves.values()
                     if x.month == month and x.key not in fixed]
            groups = sorted({x.group_id for x in leaves.values() if x.month == month})
            batch += [index.aggregate("month", g, month) for g in groups]
            batch.append(index.aggregate("org-month", None, month))
            batch += [index.aggregate("group", g, month)
                      for g in sorted({x.group_id for x in leaves.values() if x.month <= month})]
            batch.append(index.aggregate("org", None, month))
            _decide(counts, aggregates, batch, k, fixed, new)
        _decide(counts, aggregates, [index.aggregate(x.kind, None, None, x.key) for x in early], k, fixed, new)
        _store(survey_id, new, leaves, counts, now)


def _waiting_groups(rows):
    """Groups whose meetings wait for the month's release: those whose latest released month had a
    meeting whose figures were hidden (what the pages showed; nothing more is learnt from it).
    The month can then hide one of its own meetings as the complement of a small one and keep the
    month's and the group's totals."""
    latest = {}
    for kind, group_id, month, *_rest in rows:
        if kind == "month":
            latest[group_id] = max(latest.get(group_id, month), month)
    return {group_id for kind, group_id, month, _meeting, _link, shown in rows
            if kind == "meeting" and not shown and latest.get(group_id) == month}


def _decide(counts, aggregates, batch, k, fixed, new):
    if not batch:
        return
    aggregates += batch
    shown = decide(counts, aggregates, k, fixed)
    for aggregate in batch:
        fixed[aggregate.key] = shown[aggregate.key]
        new.append((aggregate, shown[aggregate.key]))


def _store(survey_id, new, leaves, counts, now):
    if not new:
        return
    shown_leaves = {x for aggregate, shown in new if shown for x in aggregate.leaves}
    raw = _raw_of_leaves(survey_id, shown_leaves, leaves)
    rows = []
    for aggregate, shown in new:
        kind, _sep, rest = aggregate.key.partition(":")
        leaf = leaves.get(aggregate.key)
        parts = rest.split(":")
        group_id = leaf.group_id if leaf else (int(parts[0]) if kind in ("month", "group") else None)
        month = leaf.month if leaf else datetime.date.fromisoformat(parts[-1])
        figures = _add([raw[x] for x in sorted(aggregate.leaves)]) if shown else {}
        rows.append(dict(key=f"{survey_id or 'builtin'}|{aggregate.key}", survey=survey_id, kind=kind,
                         group=group_id, meeting=leaf.meeting_id if leaf else None,
                         link=leaf.link_id if leaf else None, month=month, shown=shown,
                         figures=json.dumps(figures, ensure_ascii=False), released_at=now))
    for start in range(0, len(rows), 200):
        SurveyRelease.insert_many(rows[start:start + 200]).execute()
