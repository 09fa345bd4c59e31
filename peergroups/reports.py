"""Reports for boards and funders: attendance, people served, newcomer retention, mentoring and
follow-up over a period of whole months, for one group, a facilitator's groups or the whole
organization (decisions.md, "Reports: how we count"). Every figure is one SQL aggregate (GROUP BY
and window functions, on SQLite and PostgreSQL alike); Python only rolls a dozen aggregate rows into
tables. A person is a member record after merges: COALESCE(merged_into, id). Feedback comes only
from released survey figures (results.released_figures), never from responses."""
import datetime
from typing import NamedTuple

from .db import database, is_sqlite
from .i18n import lazy_gettext as _l

MAX_MONTHS = 120  # a range longer than ten years is refused
FIRST_YEAR = 2000
RETURN_DAYS = 30  # "came back": another present mark within this many days of the first
REGULAR_DAYS = 90  # "stayed": at least REGULAR_MEETINGS present marks within this many days
REGULAR_MEETINGS = 4
OFFER_DAYS = 14  # "offered a mentor": a pairing proposed within this many days of the first visit
LATELY_DAYS = 28  # "not seen lately": no present mark in the last LATELY_DAYS days ...
RECENT_DAYS = 90  # ... but one in the RECENT_DAYS before that moment
PERIOD_KINDS = ("this-month", "last-month", "this-quarter", "last-quarter", "last-12", "year", "range")


class PeriodError(ValueError):
    """A period that cannot be reported on; its message is shown to the user."""


def month_start(day):
    return day.replace(day=1)


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


class Period(NamedTuple):
    kind: str
    first: datetime.date  # the first day of its first month
    last: datetime.date  # the first day of its last month

    @property
    def end(self):
        """The day after the period (exclusive bound)."""
        return add_months(self.last, 1)

    @property
    def months(self):
        return [add_months(self.first, i) for i in range((self.last.year - self.first.year) * 12
                                                           + self.last.month - self.first.month + 1)]

    def as_of(self, today):
        """The day figures are judged at: the period's last day, or today while it runs."""
        return min(self.end - datetime.timedelta(days=1), today)


def _parse_month(text):
    try:
        year, month = (int(part) for part in str(text).split("-"))
        return datetime.date(year, month, 1)
    except ValueError:
        raise PeriodError(_l("Please give months as year and month, for example 2026-03.")) from None


def parse_period(args, today):
    """The period asked for with ?period= (one of PERIOD_KINDS, default the last 12 whole months),
    ?year= or ?from=&to= (YYYY-MM). Raises PeriodError with a message for the user."""
    kind = args.get("period") or "last-12"
    this = month_start(today)
    quarter = datetime.date(this.year, (this.month - 1) // 3 * 3 + 1, 1)
    if kind == "this-month":
        return Period(kind, this, this)
    if kind == "last-month":
        return Period(kind, add_months(this, -1), add_months(this, -1))
    if kind == "this-quarter":
        return Period(kind, quarter, add_months(quarter, 2))
    if kind == "last-quarter":
        return Period(kind, add_months(quarter, -3), add_months(quarter, -1))
    if kind == "last-12":
        return Period(kind, add_months(this, -12), add_months(this, -1))
    if kind == "year":
        text = args.get("year") or str(today.year)
        if not text.isdigit() or not FIRST_YEAR <= int(text) <= today.year:
            raise PeriodError(_l("Please choose a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=today.year))
        return Period(kind, datetime.date(int(text), 1, 1), min(datetime.date(int(text), 12, 1), this))
    if kind == "range":
        first, last = _parse_month(args.get("from", "")), _parse_month(args.get("to", ""))
        if last < first:
            raise PeriodError(_l("The period ends before it starts. Please choose the first month first."))
        if last > this:
            raise PeriodError(_l("The period cannot end after the current month."))
        if first.year < FIRST_YEAR or len(Period(kind, first, last).months) > MAX_MONTHS:
            raise PeriodError(_l("Please choose a period of at most ten years, from %(first)d on.", first=FIRST_YEAR))
        return Period(kind, first, last)
    raise PeriodError(_l("Please choose a period from the list."))


# ---- SQL that differs between the two databases ----

def _month(expr):
    return f"substr({expr}, 1, 7)" if is_sqlite() else f"to_char({expr}, 'YYYY-MM')"


def _plus_days(expr, days):
    return f"date({expr}, '+{int(days)} days')" if is_sqlite() else f"({expr} + {int(days)})"


def _date_of(expr):
    return f"date({expr})" if is_sqlite() else f"CAST({expr} AS DATE)"


def _days_between(early, late):
    return (f"CAST(julianday({late}) - julianday({early}) AS INTEGER)" if is_sqlite()
            else f"({late} - {early})")


def _first_language(expr):
    return (f"CASE WHEN instr({expr}, ',') > 0 THEN substr({expr}, 1, instr({expr}, ',') - 1) ELSE {expr} END"
            if is_sqlite() else f"split_part({expr}, ',', 1)")


def _d(day):
    """A date parameter: ISO text on SQLite (no deprecated adapter), a date on PostgreSQL."""
    return day.isoformat() if is_sqlite() else day


def _as_date(value):
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _month_key(text):
    return datetime.date.fromisoformat(f"{text}-01")


class Scope(NamedTuple):
    """Which groups a report covers: None for every group (the organization), or a list of ids."""
    group_ids: list | None

    def sql(self, column):
        if self.group_ids is None:
            return "", []
        ids = list(self.group_ids) or [0]
        return f" AND {column} IN ({', '.join([database.obj.param] * len(ids))})", ids


def _rows(sql, params):
    return list(database.execute_sql(sql.replace("?", database.obj.param), params).fetchall())


PERSON = "COALESCE(mb.merged_into_id, mb.id)"
PRESENT_MARKS = """
    SELECT {person} AS person, mt.local_date AS d, mt.group_id AS gid, mt.starts_at AS s
    FROM "attendance" a JOIN "meeting" mt ON mt.id = a.meeting_id JOIN "member" mb ON mb.id = a.member_id
    WHERE a.state = 'present' AND mt.status <> 'cancelled'"""


def _people_marks(scope):
    """Every present mark, in any group, of the people who ever came to a group of the scope (with
    the records merged into or from theirs): first visits are first ever, but a facilitator's
    report reads only its own people's marks, through the index on attendance.member_id."""
    sql = PRESENT_MARKS.format(person=PERSON)
    where, params = scope.sql("sm.group_id")
    if not where:
        return sql, []
    came = f"""SELECT sa.member_id FROM "attendance" sa JOIN "meeting" sm ON sm.id = sa.meeting_id
               WHERE sa.state = 'present'{where}"""
    sql += f""" AND a.member_id IN ({came}
        UNION SELECT id FROM "member" WHERE merged_into_id IN ({came})
        UNION SELECT merged_into_id FROM "member" WHERE id IN ({came}))"""
    return sql, params * 3


# ---- Attendance ----

class AttendanceRow(NamedTuple):
    key: object  # a group id, a month, or None for the whole scope
    held: int
    cancelled: int
    present: int
    average: float | None
    median: float | None
    rate: float | None  # present / (present + absent) at closed meetings

    @classmethod
    def empty(cls, key):
        return cls(key, 0, 0, 0, None, None, None)


def attendance(scope, period):
    """(by group id, by month for every month of the period, the whole scope): one statement whose
    three levels share the per-meeting counts; medians by window functions."""
    where, params = scope.sql("mt.group_id")
    levels = []
    for level, key in (("g", "gid"), ("m", "mo"), ("t", "0")):
        levels.append(f"""
    SELECT '{level}', p.k, p.held, p.cancelled, p.present, p.cp, p.ca, m.median FROM (
        SELECT CAST({key} AS TEXT) AS k, SUM(CASE WHEN st <> 'cancelled' THEN 1 ELSE 0 END) AS held,
               SUM(CASE WHEN st = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
               SUM(CASE WHEN st <> 'cancelled' THEN present ELSE 0 END) AS present,
               SUM(CASE WHEN st = 'closed' THEN present ELSE 0 END) AS cp,
               SUM(CASE WHEN st = 'closed' THEN absent ELSE 0 END) AS ca
        FROM per GROUP BY CAST({key} AS TEXT)) p
    LEFT JOIN (
        SELECT k, AVG(present * 1.0) AS median FROM (
            SELECT CAST({key} AS TEXT) AS k, present, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY present) AS rn,
                   COUNT(*) OVER (PARTITION BY {key}) AS c
            FROM per WHERE st <> 'cancelled') r
        WHERE rn IN ((c + 1) / 2, (c + 2) / 2) GROUP BY k) m ON m.k = p.k""")
    sql = f"""
    WITH per AS (
        SELECT mt.group_id AS gid, {_month("mt.local_date")} AS mo, mt.id AS mid, mt.status AS st,
               SUM(CASE WHEN a.state = 'present' THEN 1 ELSE 0 END) AS present,
               SUM(CASE WHEN a.state = 'absent' THEN 1 ELSE 0 END) AS absent
        FROM "meeting" mt LEFT JOIN "attendance" a ON a.meeting_id = mt.id
        WHERE mt.local_date >= ? AND mt.local_date < ?{where}
        GROUP BY mt.group_id, mt.local_date, mt.id, mt.status)""" + " UNION ALL ".join(levels)
    groups, months, total = {}, {}, AttendanceRow.empty(None)
    for level, k, held, cancelled, present, cp, ca, median in _rows(sql, [_d(period.first), _d(period.end), *params]):
        held, present, cp, ca = int(held or 0), int(present or 0), int(cp or 0), int(ca or 0)
        key = int(k) if level == "g" else _month_key(k) if level == "m" else None
        row = AttendanceRow(key, held, int(cancelled or 0), present, present / held if held else None,
                            float(median) if median is not None else None, cp / (cp + ca) if cp + ca else None)
        if level == "g":
            groups[key] = row
        elif level == "m":
            months[key] = row
        else:
            total = row
    return groups, [months.get(month, AttendanceRow.empty(month)) for month in period.months], total


# ---- People served ----

class PeopleRow(NamedTuple):
    key: object
    people: int
    new: int


def people(scope, period):
    """(by group id, by main meeting language, the whole scope): distinct people and new people."""
    return served(scope, period, period.end, 0)[0]


# ---- Newcomers: retention and mentoring ----

class Cohort(NamedTuple):
    month: datetime.date
    people: int
    came_back: int | None  # None: too early to tell
    regular: int | None


def newcomers(scope, period, today, overdue_days):
    """The period's newcomers: (cohorts, Mentoring)."""
    return served(scope, period, today, overdue_days)[1:]


def served(scope, period, today, overdue_days):
    """People served and newcomers in one statement, which finds each person's first visit once (a
    window over their present marks: no join of every mark with its person's first visit); two
    small statements over pairings. Returns (people, cohorts, Mentoring):

    - people: ({group id: PeopleRow}, [PeopleRow by main meeting language], PeopleRow of the scope):
      distinct people with a present mark in the period, and those whose first ever falls in it;
    - cohorts, per month of first visit (a newcomer belongs to the groups of their first meeting;
      two on the same first day: both): newcomers, those back within RETURN_DAYS, those with at
      least REGULAR_MEETINGS present marks within REGULAR_DAYS; None where those days have not
      passed at the period's end (marks after it do not count);
    - Mentoring: offers within OFFER_DAYS, median days to an active pairing, active pairings."""
    as_of = period.as_of(today)
    where, params = scope.sql("gid")
    seen_where, _same = scope.sql("p.gid")
    marks, marks_params = _people_marks(scope)
    first = _d(period.first)
    levels = " UNION ALL ".join(f"""
    SELECT '{level}', CAST({key} AS TEXT), COUNT(DISTINCT person),
           COUNT(DISTINCT CASE WHEN first_date >= ? THEN person END), CAST(NULL AS NUMERIC)
    FROM seen GROUP BY CAST({key} AS TEXT)"""
                                for level, key in (("g", "gid"), ("l", "lang"), ("t", "0")))
    sql = f"""
    WITH marks AS ({marks}),
    per AS (SELECT person, d, gid, MIN(d) OVER (PARTITION BY person) AS first_date FROM marks),
    seen AS (
        SELECT DISTINCT p.gid AS gid, {_first_language("g.languages")} AS lang, p.person AS person, p.first_date AS first_date
        FROM per p JOIN "group" g ON g.id = p.gid WHERE p.d >= ? AND p.d < ?{seen_where}),
    stats AS (
        SELECT person, first_date,
               SUM(CASE WHEN d > first_date AND d <= {_plus_days('first_date', RETURN_DAYS)} THEN 1 ELSE 0 END) AS back,
               SUM(CASE WHEN d <= {_plus_days('first_date', REGULAR_DAYS)} THEN 1 ELSE 0 END) AS times,
               MAX(CASE WHEN d = first_date{where} THEN 1 ELSE 0 END) AS here
        FROM per WHERE first_date >= ? AND first_date < ? AND d <= ?
        GROUP BY person, first_date),
    cohort AS (SELECT person, first_date FROM stats WHERE here = 1),
    pairs AS (SELECT COALESCE(pm.merged_into_id, pm.id) AS person, p.created_at, p.activated_at
              FROM "pairing" p JOIN "member" pm ON pm.id = p.newcomer_id),
    offers AS (
        SELECT c.person, c.first_date,
               MAX(CASE WHEN {_date_of('p.created_at')} <= {_plus_days('c.first_date', OFFER_DAYS)} THEN 1 ELSE 0 END) AS offered,
               MIN(CASE WHEN p.activated_at IS NOT NULL AND {_date_of('p.activated_at')} <= ?
                        THEN {_days_between('c.first_date', _date_of('p.activated_at'))} END) AS days
        FROM cohort c LEFT JOIN pairs p ON p.person = c.person
        WHERE {_plus_days('c.first_date', OFFER_DAYS)} <= ?
        GROUP BY c.person, c.first_date),
    waits AS (SELECT days, ROW_NUMBER() OVER (ORDER BY days) AS rn, COUNT(*) OVER () AS c
              FROM offers WHERE days IS NOT NULL)
    {levels}
    UNION ALL
    SELECT 'c', {_month('first_date')}, COUNT(*), SUM(CASE WHEN back > 0 THEN 1 ELSE 0 END),
           SUM(CASE WHEN times >= {REGULAR_MEETINGS} THEN 1 ELSE 0 END)
    FROM stats WHERE here = 1 GROUP BY {_month('first_date')}
    UNION ALL
    SELECT 'm', NULL, (SELECT COUNT(*) FROM offers), (SELECT SUM(offered) FROM offers),
           (SELECT AVG(days * 1.0) FROM waits WHERE rn IN ((c + 1) / 2, (c + 2) / 2))"""
    rows = _rows(sql, [*marks_params, first, _d(period.end), *params, *params, first, _d(period.end), _d(as_of),
                       _d(as_of), _d(as_of), first, first, first])
    found, offers, out = {}, (0, 0, None), {"g": {}, "l": {}, "t": {}}
    for kind, k, a, b, c in rows:
        if kind in out:
            key = int(k) if kind == "g" else k if kind == "l" else None
            out[kind][key] = PeopleRow(key, int(a), int(b or 0))
        elif kind == "c":
            found[_month_key(k)] = (int(a), int(b or 0), int(c or 0))
        else:
            offers = (int(a or 0), int(b or 0), float(c) if c is not None else None)
    people_rows = (out["g"], sorted(out["l"].values(), key=lambda r: (-r.people, r.key)),
                   out["t"].get(None, PeopleRow(None, 0, 0)))
    cohort_rows = []
    for month in period.months:
        if month > as_of:
            continue
        n, back, regular = found.get(month, (0, 0, 0))
        last_day = add_months(month, 1) - datetime.timedelta(days=1)
        cohort_rows.append(Cohort(month, n,
                                  back if last_day + datetime.timedelta(days=RETURN_DAYS) <= as_of else None,
                                  regular if last_day + datetime.timedelta(days=REGULAR_DAYS) <= as_of else None))
    return people_rows, cohort_rows, Mentoring(*offers, *_pairings(scope, period, as_of, overdue_days))


def cohorts(scope, period, today):
    return newcomers(scope, period, today, 0)[0]


class Funnel(NamedTuple):
    newcomers: int
    judged_back: int  # newcomers in cohorts old enough to judge RETURN_DAYS
    came_back: int
    judged_regular: int
    regular: int


def funnel(cohort_rows):
    """The period's funnel: sums over the cohorts old enough for each step (a dozen rows)."""
    return Funnel(sum(c.people for c in cohort_rows),
                  sum(c.people for c in cohort_rows if c.came_back is not None),
                  sum(c.came_back for c in cohort_rows if c.came_back is not None),
                  sum(c.people for c in cohort_rows if c.regular is not None),
                  sum(c.regular for c in cohort_rows if c.regular is not None))


class Mentoring(NamedTuple):
    newcomers: int  # newcomers of the period whose OFFER_DAYS have passed
    offered: int
    median_days: float | None  # first visit to the first pairing becoming active
    active: int  # active pairings at the period's end
    checked_in: int  # of those, with a check-in in the CHECKIN_OVERDUE_DAYS before it
    ended: dict  # end reason -> pairings ended in the period


def mentoring(scope, period, today, overdue_days):
    return newcomers(scope, period, today, overdue_days)[1]


def _pairings(scope, period, as_of, overdue_days):
    """(active pairings at as_of, of those with a recent check-in, {end reason: ended in the period})."""
    where, scope_params = scope.sql("p.group_id")
    since = as_of - datetime.timedelta(days=overdue_days)
    active, checked_in = _rows(f"""
        SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM "check_in" ci WHERE ci.pairing_id = p.id
                                               AND ci.date > ? AND ci.date <= ?) THEN 1 ELSE 0 END)
        FROM "pairing" p
        WHERE p.activated_at IS NOT NULL AND {_date_of('p.activated_at')} <= ?
          AND (p.ended_at IS NULL OR {_date_of('p.ended_at')} > ?){where}""",
                               [_d(since), _d(as_of), _d(as_of), _d(as_of), *scope_params])[0]
    ended = dict(_rows(f"""
        SELECT p.end_reason, COUNT(*) FROM "pairing" p
        WHERE p.ended_at IS NOT NULL AND {_date_of('p.ended_at')} >= ? AND {_date_of('p.ended_at')} < ?{where}
        GROUP BY p.end_reason""", [_d(period.first), _d(period.end), *scope_params]))
    return int(active or 0), int(checked_in or 0), {k or "other": int(n) for k, n in ended.items()}


# ---- Follow-up ----

class FollowUp(NamedTuple):
    not_seen: int  # at the period's end: seen in the RECENT_DAYS before, not in the last LATELY_DAYS
    flagged: int  # the same at the period's start
    came_back: int  # of those flagged at the start, present again during the period


def follow_up(scope, period, today):
    as_of, before = period.as_of(today), period.first - datetime.timedelta(days=1)
    where, params = scope.sql("mt.group_id")
    lately = datetime.timedelta(days=LATELY_DAYS)
    recent = datetime.timedelta(days=LATELY_DAYS + RECENT_DAYS)
    sql = f"""
    WITH marks AS ({PRESENT_MARKS.format(person=PERSON)}{where}),
    per AS (SELECT person, MAX(CASE WHEN d <= ? THEN d END) AS last_end, MAX(CASE WHEN d <= ? THEN d END) AS last_start,
                   MAX(CASE WHEN d >= ? AND d <= ? THEN 1 ELSE 0 END) AS came
            FROM marks GROUP BY person)
    SELECT SUM(CASE WHEN last_end > ? AND last_end <= ? THEN 1 ELSE 0 END),
           SUM(CASE WHEN last_start > ? AND last_start <= ? THEN 1 ELSE 0 END),
           SUM(CASE WHEN last_start > ? AND last_start <= ? AND came = 1 THEN 1 ELSE 0 END)
    FROM per"""
    start_window = [_d(before - recent), _d(before - lately)]
    not_seen, flagged, came_back = _rows(sql, [
        *params, _d(as_of), _d(before), _d(period.first), _d(as_of),
        _d(as_of - recent), _d(as_of - lately), *start_window, *start_window])[0]
    return FollowUp(int(not_seen or 0), int(flagged or 0), int(came_back or 0))
