"""Schedule expansion: recurrences, daylight-saving edges, bounds and validation."""
import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peergroups.schedule import Occurrence, Schedule, next_occurrences, occurrences

D = dt.date
T = dt.time
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(*args):
    return dt.datetime(*args)  # naive, like the database


def weekly(weekday=SUN, at=T(19), zone="America/Chicago", **kw):
    return Schedule(weekday, at, kw.pop("duration_minutes", 60), zone, "weekly", **kw)


def monthly(weekday, ordinal, at=T(19), zone="America/Chicago", **kw):
    return Schedule(weekday, at, kw.pop("duration_minutes", 60), zone, "monthly", ordinal=ordinal, **kw)


def starts(schedule, start, end):
    return [o.starts_at_utc for o in occurrences(schedule, start, end)]


def dates(schedule, start, end):
    return [o.local_date for o in occurrences(schedule, start, end)]


def local_wall(occurrence, zone):
    aware = occurrence.starts_at_utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
    return aware.replace(tzinfo=None)


# Weekly across daylight saving: 19:00 local stays 19:00, the UTC time moves.


def test_weekly_chicago_spring_forward_shifts_utc_by_an_hour():
    # Chicago springs forward on Sunday 2026-03-08: CST (UTC-6) -> CDT (UTC-5).
    assert starts(weekly(), D(2026, 3, 1), D(2026, 3, 15)) == [
        utc(2026, 3, 2, 1),
        utc(2026, 3, 9, 0),
        utc(2026, 3, 16, 0),
    ]


def test_weekly_chicago_fall_back_shifts_utc_back():
    # Chicago falls back on Sunday 2026-11-01.
    assert starts(weekly(), D(2026, 10, 25), D(2026, 11, 8)) == [
        utc(2026, 10, 26, 0),
        utc(2026, 11, 2, 1),
        utc(2026, 11, 9, 1),
    ]


def test_weekly_berlin_changes_on_its_own_dates():
    # Berlin changes on 2026-03-29 and 2026-10-25, weeks apart from Chicago.
    berlin = weekly(zone="Europe/Berlin")
    assert starts(berlin, D(2026, 3, 22), D(2026, 3, 29)) == [utc(2026, 3, 22, 18), utc(2026, 3, 29, 17)]
    assert starts(berlin, D(2026, 10, 18), D(2026, 10, 25)) == [utc(2026, 10, 18, 17), utc(2026, 10, 25, 18)]


def test_between_the_two_changes_chicago_has_moved_and_berlin_has_not():
    chicago = occurrences(weekly(), D(2026, 3, 15), D(2026, 3, 15))
    berlin = occurrences(weekly(zone="Europe/Berlin"), D(2026, 3, 15), D(2026, 3, 15))
    assert chicago[0].starts_at_utc == utc(2026, 3, 16, 0)  # CDT already
    assert berlin[0].starts_at_utc == utc(2026, 3, 15, 18)  # still CET


@pytest.mark.parametrize("zone", ["America/Chicago", "Europe/Berlin", "Australia/Sydney"])
def test_local_time_is_constant_for_a_whole_year(zone):
    found = occurrences(weekly(zone=zone), D(2026, 1, 1), D(2026, 12, 31))
    assert len(found) == 52
    assert {local_wall(o, zone).time() for o in found} == {T(19)}
    assert len({o.starts_at_utc.time() for o in found}) == 2  # summer and winter


def test_results_are_naive_utc():
    (occurrence,) = occurrences(weekly(), D(2026, 3, 8), D(2026, 3, 8))
    assert isinstance(occurrence, Occurrence)
    assert occurrence.starts_at_utc.tzinfo is None and occurrence.ends_at_utc.tzinfo is None


# Southern hemisphere: summer time ends in April and starts in October.


def test_sydney_changes_in_the_opposite_direction():
    sydney = weekly(at=T(10), zone="Australia/Sydney")
    april = occurrences(sydney, D(2026, 3, 29), D(2026, 4, 5))
    assert [o.starts_at_utc for o in april] == [utc(2026, 3, 28, 23), utc(2026, 4, 5, 0)]
    # The UTC date is the day before, the local date is the meeting's own.
    assert [o.local_date for o in april] == [D(2026, 3, 29), D(2026, 4, 5)]
    assert starts(sydney, D(2026, 9, 27), D(2026, 10, 4)) == [utc(2026, 9, 27, 0), utc(2026, 10, 3, 23)]


# The hours that do not exist or exist twice.


def test_time_in_the_spring_forward_gap_moves_to_after_the_gap():
    # 02:30 does not exist in New York on 2026-03-08; it is read as 02:30 EST = 03:30 EDT.
    early = weekly(at=T(2, 30), zone="America/New_York")
    found = occurrences(early, D(2026, 3, 1), D(2026, 3, 15))
    assert [o.starts_at_utc for o in found] == [
        utc(2026, 3, 1, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 15, 6, 30)
    ]
    assert local_wall(found[1], "America/New_York") == dt.datetime(2026, 3, 8, 3, 30)
    assert found[1].local_date == D(2026, 3, 8)


def test_ambiguous_time_at_fall_back_is_the_first_one():
    # 01:30 happens twice in New York on 2026-11-01: first EDT (05:30 UTC), then EST (06:30 UTC).
    early = weekly(at=T(1, 30), zone="America/New_York")
    assert starts(early, D(2026, 11, 1), D(2026, 11, 1)) == [utc(2026, 11, 1, 5, 30)]
    # Even a time object that asks for the second one gets the first, so the rule is one rule.
    second = weekly(at=T(1, 30, fold=1), zone="America/New_York")
    assert starts(second, D(2026, 11, 1), D(2026, 11, 1)) == [utc(2026, 11, 1, 5, 30)]


def test_duration_is_elapsed_time_across_a_change():
    # Starts 01:30 EDT, lasts 90 minutes: ends at 02:00 EST, 90 real minutes later.
    (occurrence,) = occurrences(
        weekly(at=T(1, 30), zone="America/New_York", duration_minutes=90), D(2026, 11, 1), D(2026, 11, 1)
    )
    assert occurrence.ends_at_utc - occurrence.starts_at_utc == dt.timedelta(minutes=90)
    assert occurrence.ends_at_utc == utc(2026, 11, 1, 7)


def test_meeting_that_runs_past_midnight_keeps_its_start_date():
    (occurrence,) = occurrences(weekly(at=T(23), duration_minutes=120), D(2026, 6, 7), D(2026, 6, 7))
    assert occurrence == Occurrence(utc(2026, 6, 8, 4), utc(2026, 6, 8, 6), D(2026, 6, 7))


# Every N weeks, anchored on starts_on.


def test_every_two_weeks_starts_on_the_first_matching_weekday_after_the_anchor():
    fortnightly = weekly(MON, interval=2, starts_on=D(2026, 1, 1))  # a Thursday
    assert dates(fortnightly, D(2026, 1, 1), D(2026, 2, 28)) == [
        D(2026, 1, 5), D(2026, 1, 19), D(2026, 2, 2), D(2026, 2, 16)
    ]


def test_every_two_weeks_keeps_its_weeks_whatever_range_is_asked():
    fortnightly = weekly(MON, interval=2, starts_on=D(2026, 1, 5))  # the anchor is a Monday
    assert dates(fortnightly, D(2026, 1, 5), D(2026, 1, 5)) == [D(2026, 1, 5)]
    assert dates(fortnightly, D(2026, 1, 12), D(2026, 1, 18)) == []  # the off week
    assert dates(fortnightly, D(2026, 1, 12), D(2026, 1, 26)) == [D(2026, 1, 19)]


def test_every_three_weeks_stays_aligned_a_year_later():
    triweekly = weekly(WED, interval=3, starts_on=D(2026, 1, 5))
    assert dates(triweekly, D(2026, 1, 1), D(2026, 2, 28)) == [D(2026, 1, 7), D(2026, 1, 28), D(2026, 2, 18)]
    assert dates(triweekly, D(2026, 12, 1), D(2026, 12, 31)) == [D(2026, 12, 9), D(2026, 12, 30)]


def test_every_fifty_two_weeks_is_allowed():
    yearly = weekly(MON, interval=52, starts_on=D(2026, 1, 5))
    assert dates(yearly, D(2026, 1, 1), D(2028, 12, 31)) == [D(2026, 1, 5), D(2027, 1, 4), D(2028, 1, 3)]


# Monthly by weekday.


def test_second_tuesday_across_a_year():
    assert dates(monthly(TUE, 2), D(2026, 1, 1), D(2026, 12, 31)) == [
        D(2026, 1, 13), D(2026, 2, 10), D(2026, 3, 10), D(2026, 4, 14), D(2026, 5, 12), D(2026, 6, 9),
        D(2026, 7, 14), D(2026, 8, 11), D(2026, 9, 8), D(2026, 10, 13), D(2026, 11, 10), D(2026, 12, 8),
    ]  # fmt: skip


def test_last_friday_in_months_with_five_and_four_fridays():
    # January 2026 has five Fridays (2..30), February four (6..27).
    assert dates(monthly(FRI, -1), D(2026, 1, 1), D(2026, 2, 28)) == [D(2026, 1, 30), D(2026, 2, 27)]


def test_fourth_is_not_the_last_in_a_month_with_five():
    # January 2026 (31 days) has five Thursdays: 1, 8, 15, 22, 29.
    assert dates(monthly(THU, 4), D(2026, 1, 1), D(2026, 1, 31)) == [D(2026, 1, 22)]
    assert dates(monthly(THU, -1), D(2026, 1, 1), D(2026, 1, 31)) == [D(2026, 1, 29)]


def test_last_weekday_of_february_in_leap_and_common_years():
    assert dates(monthly(TUE, -1), D(2028, 2, 1), D(2028, 2, 29)) == [D(2028, 2, 29)]
    assert dates(monthly(TUE, -1), D(2027, 2, 1), D(2027, 2, 28)) == [D(2027, 2, 23)]
    assert dates(monthly(SUN, -1), D(2027, 2, 1), D(2027, 2, 28)) == [D(2027, 2, 28)]


def test_last_weekday_of_december_crosses_the_year():
    assert dates(monthly(THU, -1), D(2026, 12, 1), D(2027, 1, 31)) == [D(2026, 12, 31), D(2027, 1, 28)]


def test_monthly_outside_the_range_in_a_partial_month_is_left_out():
    # The 2nd Tuesday of March 2026 is the 10th.
    assert dates(monthly(TUE, 2), D(2026, 3, 11), D(2026, 4, 13)) == []
    assert dates(monthly(TUE, 2), D(2026, 3, 10), D(2026, 4, 14)) == [D(2026, 3, 10), D(2026, 4, 14)]


# Bounds: the requested range and the schedule's own dates are inclusive.


def test_requested_range_is_inclusive_at_both_ends():
    mondays = weekly(MON)
    assert dates(mondays, D(2026, 1, 5), D(2026, 1, 19)) == [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19)]
    assert dates(mondays, D(2026, 1, 6), D(2026, 1, 18)) == [D(2026, 1, 12)]
    assert dates(mondays, D(2026, 1, 5), D(2026, 1, 5)) == [D(2026, 1, 5)]


def test_empty_or_reversed_range_gives_nothing():
    assert occurrences(weekly(MON), D(2026, 1, 6), D(2026, 1, 11)) == []
    assert occurrences(weekly(MON), D(2026, 1, 19), D(2026, 1, 5)) == []
    assert occurrences(monthly(TUE, 2), D(2026, 3, 19), D(2026, 1, 5)) == []


def test_starts_on_and_ends_on_cut_the_series_inclusively():
    bounded = weekly(MON, starts_on=D(2026, 1, 12), ends_on=D(2026, 1, 26))
    assert dates(bounded, D(2026, 1, 1), D(2026, 3, 31)) == [D(2026, 1, 12), D(2026, 1, 19), D(2026, 1, 26)]
    bounded_monthly = monthly(TUE, 2, starts_on=D(2026, 2, 11), ends_on=D(2026, 4, 14))
    assert dates(bounded_monthly, D(2026, 1, 1), D(2026, 12, 31)) == [D(2026, 3, 10), D(2026, 4, 14)]


def test_ends_on_cuts_an_every_n_weeks_series():
    fortnightly = weekly(MON, interval=2, starts_on=D(2026, 1, 5), ends_on=D(2026, 2, 1))
    assert dates(fortnightly, D(2025, 1, 1), D(2027, 1, 1)) == [D(2026, 1, 5), D(2026, 1, 19)]


# next_occurrences


def test_next_occurrences_includes_a_meeting_starting_at_that_instant():
    mondays = weekly(MON)  # 19:00 Chicago = 01:00 UTC on Tuesday in winter
    assert [o.starts_at_utc for o in next_occurrences(mondays, utc(2026, 1, 6, 1), 2)] == [
        utc(2026, 1, 6, 1), utc(2026, 1, 13, 1)
    ]
    after = next_occurrences(mondays, utc(2026, 1, 6, 1, 0, 0, 1), 1)
    assert [o.starts_at_utc for o in after] == [utc(2026, 1, 13, 1)]


def test_next_occurrences_asked_for_none_are_none():
    for count in (0, -1):
        assert next_occurrences(weekly(MON), utc(2026, 1, 6, 1), count) == []


def test_next_occurrences_when_utc_and_local_dates_differ():
    # 00:30 UTC on Tuesday is still Monday 18:30 in Chicago: that evening's meeting is next.
    assert next_occurrences(weekly(MON), utc(2026, 1, 6, 0, 30), 1)[0].local_date == D(2026, 1, 5)


def test_next_occurrences_spans_years_for_sparse_schedules():
    yearly = weekly(MON, interval=52, starts_on=D(2026, 1, 5))
    found = next_occurrences(yearly, utc(2026, 1, 7), 3)
    assert [o.local_date for o in found] == [D(2027, 1, 4), D(2028, 1, 3), D(2029, 1, 1)]


def test_next_occurrences_waits_for_starts_on_and_stops_at_ends_on():
    bounded = monthly(TUE, 2, starts_on=D(2030, 1, 1), ends_on=D(2030, 3, 31))
    found = next_occurrences(bounded, utc(2026, 1, 1), 10)
    assert [o.local_date for o in found] == [D(2030, 1, 8), D(2030, 2, 12), D(2030, 3, 12)]
    assert next_occurrences(bounded, utc(2030, 4, 1), 1) == []


def test_next_occurrences_with_zero_count_and_aware_instant():
    assert next_occurrences(weekly(), utc(2026, 1, 1), 0) == []
    with pytest.raises(ValueError, match="^after_utc$"):
        next_occurrences(weekly(), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 1)


# Validation: short codes, not prose.

VALID = dict(
    weekday=MON, start_time=T(19), duration_minutes=60, timezone="Europe/Berlin", frequency="weekly"
)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "europe/berlin"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"weekday": 7}, "weekday"),
        ({"weekday": -1}, "weekday"),
        ({"weekday": "1"}, "weekday"),
        ({"start_time": "19:00"}, "start_time"),
        ({"start_time": T(19, tzinfo=dt.UTC)}, "start_time"),
        ({"duration_minutes": 0}, "duration"),
        ({"duration_minutes": 1441}, "duration"),
        ({"frequency": "daily"}, "frequency"),
        ({"interval": 0}, "interval"),
        ({"interval": 53, "starts_on": D(2026, 1, 1)}, "interval"),
        ({"interval": 2}, "starts_on"),
        ({"frequency": "monthly", "ordinal": 1, "interval": 2, "starts_on": D(2026, 1, 1)}, "interval"),
        ({"frequency": "monthly"}, "ordinal"),
        ({"frequency": "monthly", "ordinal": 0}, "ordinal"),
        ({"frequency": "monthly", "ordinal": 5}, "ordinal"),
        ({"frequency": "monthly", "ordinal": -2}, "ordinal"),
        ({"ordinal": 2}, "ordinal"),  # weekly schedules have no ordinal
        ({"starts_on": D(2026, 2, 1), "ends_on": D(2026, 1, 31)}, "ends_on"),
    ],
)
def test_invalid_input_raises_a_short_reason(changes, reason):
    with pytest.raises(ValueError, match=f"^{reason}$"):
        Schedule(**{**VALID, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"weekday": SUN, "duration_minutes": 1},
        {"duration_minutes": 1440},
        {"interval": 52, "starts_on": D(2026, 1, 1)},
        {"frequency": "monthly", "ordinal": -1},
        {"frequency": "monthly", "ordinal": 4},
        {"starts_on": D(2026, 1, 1), "ends_on": D(2026, 1, 1)},
        {"ends_on": D(2026, 1, 1)},
        {"timezone": "UTC"},
    ],
)
def test_valid_edges_are_accepted(changes):
    Schedule(**{**VALID, **changes})


def test_schedule_is_frozen():
    with pytest.raises(AttributeError):
        weekly().weekday = MON


# Properties over many zones, including half-hour offsets and changes at midnight.

ZONES = [
    "UTC", "America/Chicago", "America/New_York", "Europe/Berlin", "Australia/Sydney",
    "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago",
    "America/Havana", "Asia/Beirut", "America/St_Johns",
]  # fmt: skip
DATES = st.dates(D(2000, 1, 1), D(2060, 12, 31))


@st.composite
def schedules(draw):
    frequency = draw(st.sampled_from(["weekly", "monthly"]))
    starts_on = draw(st.none() | DATES)
    interval = draw(st.integers(1, 52)) if frequency == "weekly" and starts_on else 1
    ends_on = draw(st.none() | st.dates(starts_on or D(2000, 1, 1), D(2060, 12, 31)))
    return Schedule(
        weekday=draw(st.integers(0, 6)),
        start_time=draw(st.times()),
        duration_minutes=draw(st.integers(1, 1440)),
        timezone=draw(st.sampled_from(ZONES)),
        frequency=frequency,
        interval=interval,
        ordinal=draw(st.sampled_from([1, 2, 3, 4, -1])) if frequency == "monthly" else None,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def exists(day, at, zone):
    """Whether the local time happens at all on that day (it does not in a spring-forward gap)."""
    local = dt.datetime.combine(day, at, ZoneInfo(zone))
    return local.astimezone(dt.UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) == local.replace(tzinfo=None)


@settings(deadline=None)
@given(schedules(), DATES, st.integers(0, 800))
def test_every_occurrence_is_on_the_weekday_in_range_and_increasing(schedule, start, span):
    end = start + dt.timedelta(days=span)
    found = occurrences(schedule, start, end)
    for occurrence in found:
        assert occurrence.local_date.weekday() == schedule.weekday
        assert start <= occurrence.local_date <= end
        assert (schedule.starts_on or start) <= occurrence.local_date <= (schedule.ends_on or end)
        assert occurrence.ends_at_utc - occurrence.starts_at_utc == dt.timedelta(minutes=schedule.duration_minutes)
        wall = local_wall(occurrence, schedule.timezone)
        intended = dt.datetime.combine(occurrence.local_date, schedule.start_time)
        if exists(occurrence.local_date, schedule.start_time, schedule.timezone):
            assert wall == intended
        else:  # pushed forward by the gap, never back
            assert intended < wall <= intended + dt.timedelta(hours=2)
    starts_utc = [o.starts_at_utc for o in found]
    assert all(a < b for a, b in zip(starts_utc, starts_utc[1:]))


@settings(deadline=None)
@given(schedules(), DATES, st.integers(0, 800))
def test_dates_match_an_independent_calendar(schedule, start, span):
    end = start + dt.timedelta(days=span)
    lo, hi = max(start, schedule.starts_on or start), min(end, schedule.ends_on or end)
    every_day = [lo + dt.timedelta(days=n) for n in range((hi - lo).days + 1)]
    if schedule.frequency == "weekly":
        anchor = schedule.starts_on or lo
        expected = [
            d for d in every_day
            if d.weekday() == schedule.weekday and (d - anchor).days // 7 % schedule.interval == 0
        ]  # fmt: skip
    else:
        expected = []
        for d in every_day:
            weeks = [w[schedule.weekday] for w in calendar.monthcalendar(d.year, d.month) if w[schedule.weekday]]
            nth = weeks[schedule.ordinal - 1] if schedule.ordinal > 0 else weeks[-1]
            if d.day == nth and d.weekday() == schedule.weekday:
                expected.append(d)
    assert dates(schedule, start, end) == expected


@settings(deadline=None)
@given(schedules(), st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2060, 1, 1)), st.integers(1, 10))
def test_next_occurrences_agrees_with_occurrences(schedule, after_utc, count):
    found = next_occurrences(schedule, after_utc, count)
    assert len(found) <= count
    assert all(o.starts_at_utc >= after_utc for o in found)
    if found:
        # Nothing was skipped: the same span expanded in one go holds exactly these, in order.
        window = occurrences(schedule, after_utc.date() - dt.timedelta(days=2), found[-1].local_date)
        assert [o for o in window if o.starts_at_utc >= after_utc] == found
    if len(found) < count:  # only a series that ends runs short, and then it has them all
        assert schedule.ends_on is not None
        rest = occurrences(schedule, after_utc.date() - dt.timedelta(days=2), schedule.ends_on)
        assert [o for o in rest if o.starts_at_utc >= after_utc] == found
