"""The meeting's day: Start is offered on the day (group time zone), another day asks first; no
absences before a meeting starts; a restored future meeting is scheduled again; Continue goes to
today's meeting."""
import datetime

import pytest

from peergroups import attendance, surveys
from peergroups.models import Attendance, Meeting, SurveyLink, utcnow

from . import factories
from .routes import CONFIRMED


def today_group(**fields):
    """A weekly group (UTC) whose meeting is today and started at most an hour ago."""
    now = utcnow()
    start = (now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0) if now.hour >= 1 \
        else datetime.time(0, 0)
    return factories.group(weekday=now.weekday(), start_time=start, timezone="UTC", **fields)


def later_group(days=2, **fields):
    """A weekly group (UTC) whose next meeting is `days` days from today."""
    return factories.group(weekday=(utcnow().weekday() + days) % 7, start_time=datetime.time(12, 0),
                           timezone="UTC", **fields)


@pytest.fixture
def fac(app, login):
    with app.app_context():
        user = factories.user(role="facilitator", name="Farah")
    login(user)
    return user


def lead(app, group_factory, fac, members=("Maria", "Bao")):
    with app.app_context():
        group = group_factory(leads=[fac])
        for name in members:
            factories.member(group, name=name)
        from peergroups.groups import upcoming
        occurrence = upcoming(group, 1)[0]
    return group, occurrence


def test_start_is_offered_on_the_meetings_day(app, client, fac):
    group, occurrence = lead(app, today_group, fac)
    body = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert 'class="primary big"' in body and occurrence.starts_at_utc.isoformat() in body
    response = client.post(f"/groups/{group.id}/meetings", data={"starts_at": occurrence.starts_at_utc.isoformat()})
    assert response.status_code == 303 and "/meetings/" in response.headers["Location"]


def test_starting_another_day_asks_first(app, client, fac):
    group, occurrence = lead(app, later_group, fac)
    body = client.get(f"/groups/{group.id}").get_data(as_text=True)
    start_form = body.split('id="start-heading"')[1].split("</section>")[0]
    assert "primary big" not in start_form.split("Start an unscheduled")[0]  # not the main button on Monday
    data = {"starts_at": occurrence.starts_at_utc.isoformat()}
    asked = client.post(f"/groups/{group.id}/meetings", data=data)
    assert asked.status_code == 200 and "Are you sure?" in asked.get_data(as_text=True)
    with app.app_context():
        assert not Meeting.select().where(Meeting.group == group.id).exists()
    started = client.post(f"/groups/{group.id}/meetings", data={**data, **CONFIRMED})
    assert started.status_code == 303
    with app.app_context():
        meeting = Meeting.get(Meeting.group == group.id)
        assert meeting.local_date == occurrence.local_date
        assert not SurveyLink.select().where(SurveyLink.meeting == meeting.id).exists()  # not its day


def test_closing_before_the_start_records_no_absences(app, client, fac):
    group, occurrence = lead(app, later_group, fac)
    client.post(f"/groups/{group.id}/meetings", data={"starts_at": occurrence.starts_at_utc.isoformat(), **CONFIRMED})
    with app.app_context():
        meeting = Meeting.get(Meeting.group == group.id)
    screen = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "has not started yet" in screen
    closed = client.post(f"/meetings/{meeting.id}/close", follow_redirects=True)
    assert "No absences were recorded" in closed.get_data(as_text=True)
    with app.app_context():
        assert Meeting.get_by_id(meeting.id).status == "closed"
        assert not Attendance.select().where(Attendance.meeting == meeting.id).exists()
        # Closed by the lazy rule or by a function call: the same rule holds.
        early = factories.meeting(group, local_date=occurrence.local_date + datetime.timedelta(days=7),
                                  starts_at=occurrence.starts_at_utc + datetime.timedelta(days=7))
        assert attendance.close_meeting(early, None) == 0
        assert not Attendance.select().where(Attendance.meeting == early.id).exists()


def test_a_survey_link_opened_before_the_start_stays_open_past_it(app, fac):
    with app.app_context():
        group = today_group(leads=[fac], surveys_after_meetings=True)
        meeting = factories.meeting(group, local_date=utcnow().date())
        starts = datetime.datetime.combine(meeting.local_date, datetime.time(23, 0))
        Meeting.update(starts_at=starts).where(Meeting.id == meeting.id).execute()
        meeting = Meeting.get_by_id(meeting.id)
        opened_at = datetime.datetime.combine(meeting.local_date, datetime.time(0, 5))
        link = surveys.open_link(meeting, 2, now=opened_at)
        assert link.closes_at >= starts + datetime.timedelta(hours=2)


def test_a_restored_future_meeting_is_scheduled_again(app, client, fac):
    group, occurrence = lead(app, later_group, fac)
    data = {"starts_at": occurrence.starts_at_utc.isoformat(), "cancel": "1", **CONFIRMED}
    client.post(f"/groups/{group.id}/meetings", data=data)
    with app.app_context():
        cancelled = Meeting.get(Meeting.group == group.id)
        assert cancelled.status == "cancelled"
    restored = client.post(f"/meetings/{cancelled.id}/reopen")
    assert restored.status_code == 303 and restored.headers["Location"].endswith(f"/groups/{group.id}")
    with app.app_context():
        assert not Meeting.select().where(Meeting.group == group.id, Meeting.status == "open").exists()
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Continue the meeting in progress" not in page and "In progress" not in page
    coming = page.split("Coming up")[1]
    assert occurrence.starts_at_utc.isoformat() in coming  # back on the schedule, cancellable again


def test_continue_goes_to_todays_meeting(app, client, fac):
    with app.app_context():
        group = today_group(leads=[fac])
        today = utcnow().date()
        todays = factories.meeting(group, local_date=today)
        factories.meeting(group, local_date=today + datetime.timedelta(days=7),
                          starts_at=datetime.datetime.combine(today + datetime.timedelta(days=7), datetime.time(12)))
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    continue_link = page.split("Continue the meeting in progress")[0].rsplit("href=", 1)[1]
    assert f"/meetings/{todays.id}\"" in continue_link
