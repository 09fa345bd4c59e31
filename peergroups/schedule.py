"""Expand a group's recurring meeting schedule into concrete meetings in naive UTC."""
import datetime
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FREQUENCIES = ("weekly", "monthly")
ORDINALS = (1, 2, 3, 4, -1)  # no 5th: most months have only four of a weekday
DAY = datetime.timedelta(days=1)


class Occurrence(NamedTuple):
    starts_at_utc: datetime.datetime  # naive UTC, as the database stores it
    ends_at_utc: datetime.datetime
    local_date: datetime.date  # the meeting's date in the group's zone


@dataclass(frozen=True)
class Schedule:
    """A recurring meeting. Invalid input raises ValueError whose message is a short code
    naming the field ("timezone", "weekday", ...), which the web layer translates."""

    weekday: int  # 0 = Monday .. 6 = Sunday
    start_time: datetime.time  # naive, local to `timezone`
    duration_minutes: int
    timezone: str  # IANA name, e.g. "America/Chicago"
    frequency: str  # "weekly" or "monthly"
    interval: int = 1  # weeks between meetings; monthly schedules are every month
    ordinal: int | None = None  # monthly only: 1..4, or -1 for the last one of the month
    starts_on: datetime.date | None = None  # first possible meeting date; anchors every N weeks
    ends_on: datetime.date | None = None  # last possible meeting date, inclusive

    def __post_init__(self):
        if self.frequency not in FREQUENCIES:
            raise ValueError("frequency")
        if self.weekday not in range(7):
            raise ValueError("weekday")
        if not isinstance(self.start_time, datetime.time) or self.start_time.tzinfo is not None:
            raise ValueError("start_time")
        if self.duration_minutes not in range(1, 1441):
            raise ValueError("duration")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
            raise ValueError("timezone") from None
        if self.interval not in range(1, 53) or (self.frequency == "monthly" and self.interval != 1):
            raise ValueError("interval")
        if self.interval > 1 and self.starts_on is None:
            raise ValueError("starts_on")  # "every other week" means nothing without an anchor
        if (self.frequency == "monthly") != (self.ordinal is not None) or (
            self.ordinal is not None and self.ordinal not in ORDINALS
        ):
            raise ValueError("ordinal")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on")


def occurrences(schedule, start, end):
    """Every meeting whose local date is in [start, end] (inclusive dates), in order."""
    zone = ZoneInfo(schedule.timezone)
    return [_occurrence(schedule, day, zone) for day in _dates(schedule, start, end)]


def next_occurrences(schedule, after_utc, count):
    """The next `count` meetings starting at or after the naive-UTC instant `after_utc`
    (fewer when the schedule ends first)."""
    if after_utc.tzinfo is not None:
        raise ValueError("after_utc")
    zone = ZoneInfo(schedule.timezone)
    local = after_utc.replace(tzinfo=datetime.UTC).astimezone(zone)
    # A day early: a start time in a gap that spans midnight is pushed into the next day. The dates
    # are generated one at a time, so only the meetings asked for are worked out.
    found = []
    for day in _dates(schedule, local.date() - DAY, datetime.date.max):
        if len(found) >= count:
            break
        occurrence = _occurrence(schedule, day, zone)
        if occurrence.starts_at_utc >= after_utc:
            found.append(occurrence)
    return found


def _dates(schedule, start, end):
    lo = max(start, schedule.starts_on or start)
    hi = min(end, schedule.ends_on or end)
    return (_weekly_dates if schedule.frequency == "weekly" else _monthly_dates)(schedule, lo, hi)


def _weekly_dates(schedule, lo, hi):
    # Counting from the anchor keeps every-N-weeks series on the same weeks whatever range is
    # asked for; a plain weekly series can count from any date.
    anchor = schedule.starts_on or lo
    day = anchor + DAY * ((schedule.weekday - anchor.weekday()) % 7)
    step = 7 * schedule.interval
    if day < lo:
        behind = (lo - day).days
        day += DAY * (step * ((behind + step - 1) // step))  # the first meeting on or after lo
    while day <= hi:
        yield day
        day += DAY * step


def _monthly_dates(schedule, lo, hi):
    year, month = lo.year, lo.month
    while (year, month) <= (hi.year, hi.month):
        day = _nth_weekday(year, month, schedule.weekday, schedule.ordinal)
        if lo <= day <= hi:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _nth_weekday(year, month, weekday, ordinal):
    if ordinal == -1:
        next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
        last = next_month - DAY
        return last - DAY * ((last.weekday() - weekday) % 7)
    first = datetime.date(year, month, 1)
    return first + DAY * ((weekday - first.weekday()) % 7 + 7 * (ordinal - 1))


def _occurrence(schedule, day, zone):
    # fold=0 settles both daylight-saving edge cases the way people expect (PEP 495):
    # - a time that happens twice when clocks go back means the first one (still summer time);
    # - a time that never happens when clocks go forward is read with the offset from before the
    #   change, so a 02:30 meeting on that night starts at 03:30 new time, the same moment it would
    #   have had without the change (as calendar apps do), and keeps its date.
    local = datetime.datetime.combine(day, schedule.start_time.replace(fold=0), zone)
    starts = local.astimezone(datetime.UTC).replace(tzinfo=None)
    # The duration is elapsed time: a 90-minute meeting lasts 90 minutes even across a change.
    return Occurrence(starts, starts + datetime.timedelta(minutes=schedule.duration_minutes), day)
