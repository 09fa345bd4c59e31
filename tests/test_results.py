"""Survey results are released, not live: k counts people, a shown aggregate is whole, and each
attack of issue 12 (reloading, means, participation, subtraction across pages) finds nothing."""
import datetime
import re

import pytest

from peergroups import results, surveys
from peergroups.db import database
from peergroups.models import SurveyLink, SurveyRelease, utcnow
from peergroups.questionnaire import AFTER_MEETING

from . import factories
from .helpers import strip_tokens

K = 5
NOT_SHOWN = "Not shown: fewer than 5 responses"
FEB = datetime.date(2026, 2, 3)


def answers(meeting, values, comment=None, close=True):
    """Responses to the meeting's link, which (with close) closed on the evening of the meeting."""
    for value in values:
        factories.survey_response(meeting, value, comment=comment)
    if close:
        evening = datetime.datetime.combine(meeting.local_date, datetime.time(23))
        SurveyLink.update(closes_at=evening).where(SurveyLink.meeting == meeting.id).execute()


def release(now=None):
    results.release_due(now=now, k=K)


def of_meeting(meeting):
    return results.meeting_release(AFTER_MEETING, None, meeting.id)


def useful(figures):
    return figures.questions[0]


@pytest.fixture
def meeting(app):
    with app.app_context():
        return factories.meeting(factories.group(), local_date=FEB)


def test_a_shown_meeting_is_whole_rare_answers_included(app, meeting):
    """One "not at all" among ten is what the organization must see; one among k or more says whose
    it is to nobody. Old cell suppression hid it."""
    with app.app_context():
        answers(meeting, [1, 5, 5, 5, 5, 4, 4, 4, 4, 4], comment="Thank you all")
        release()
        figures = of_meeting(meeting).figures
    assert figures.count == 10
    assert useful(figures).counts == {1: 1, 2: 0, 3: 0, 4: 5, 5: 4}
    assert useful(figures).percents[1] == 10 and useful(figures).mean == pytest.approx(4.1)
    assert figures.questions[-1].texts == ["Thank you all"] * 10


def test_below_k_says_the_same_whether_nobody_or_somebody_answered(app, client, login):
    """Participation attack: "0" beside "Hidden" told whether the single attendee answered."""
    with app.app_context():
        group = factories.group()
        nobody = factories.meeting(group, local_date=FEB)
        somebody = factories.meeting(group, local_date=datetime.date(2026, 2, 10))
        SurveyLink.create(group=group, meeting=nobody, token="nobodyAnswered1", closes_at=utcnow())
        answers(somebody, [2], comment="only me")
        release()
    login("admin")
    pages = [client.get(f"/meetings/{m.id}/results").get_data(as_text=True) for m in (nobody, somebody)]
    cleaned = [re.sub(r'<p class="crumb">.*?</p>|"X-CSRFToken": "[^"]*"|name="csrf_token" value="[^"]*"', "", page,
                      flags=re.S) for page in pages]
    assert cleaned[0] == cleaned[1] and NOT_SHOWN in cleaned[0] and "only me" not in cleaned[1]


def test_reloading_shows_nothing_until_the_link_closes_and_then_never_changes(app, client, login):
    """Reloading attack: figures recomputed per view showed one member's answer appear."""
    with app.app_context():
        group = factories.group()
        meeting = factories.meeting(group, local_date=datetime.date.today())
        link = SurveyLink.create(group=group, meeting=meeting, token="openLink12345",
                                 closes_at=utcnow() + datetime.timedelta(hours=2))
        answers(meeting, [4] * 6, close=False)
    login("admin")
    before = client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)
    with app.app_context():
        answers(meeting, [1], comment="a new one", close=False)
    assert strip_tokens(client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)) == strip_tokens(before)
    assert "No results released yet" in before
    with app.app_context():
        results.close_link(SurveyLink.get_by_id(link.id))
    shown = client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)
    assert "<strong>7</strong>" in shown and "a new one" in shown
    with app.app_context():  # a response that slipped in afterwards (or a changed row) changes nothing
        answers(meeting, [5], close=False)
        release()
    assert client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True).count("<strong>7</strong>") == 1


def test_the_worked_example_a_month_and_the_quarter_are_hidden_to_protect_a_small_meeting(app):
    """decisions.md, k = 5: A (6) is released when its link closes, B (3) too; March - A would be B,
    so March is hidden, and so is the group's running total (its total through February is shown)."""
    with app.app_context():
        group = factories.group()
        jan, feb = (factories.meeting(group, local_date=datetime.date(2026, m, 5)) for m in (1, 2))
        a, b = (factories.meeting(group, local_date=datetime.date(2026, 3, d)) for d in (3, 10))
        answers(jan, [4] * 12)
        answers(feb, [4] * 7)
        release(now=datetime.datetime(2026, 3, 3, 12))  # January and February have ended
        answers(a, [5] * 6)
        release(now=datetime.datetime(2026, 3, 4, 12))  # A's link has closed: released at once
        assert of_meeting(a).figures.count == 6
        answers(b, [1, 1, 2])
        release(now=datetime.datetime(2026, 4, 5, 12))
        assert of_meeting(b).figures is None
        months = {r.month.month: r.figures for r in results.month_releases(AFTER_MEETING, None, group.id)}
        assert months[1].count == 12 and months[2].count == 7 and months[3] is None
        headline = results.range_release(AFTER_MEETING, None, group.id)
        assert headline.month == datetime.date(2026, 2, 1) and headline.figures.count == 19
        report = results.released_figures(AFTER_MEETING, None, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31),
                                          group.id)
        assert report.total is None and [m.figures.count if m.figures else None for m in report.months] == [12, 7, None]


def test_means_cannot_solve_a_hidden_meeting(app, client, login):
    """Means attack: the group's "By month" averages sat outside the suppression. A month shown
    beside a shown meeting would give the other meeting's mean: here either the month is hidden or
    the large meeting is (they are released together, so the month hides its own meeting)."""
    with app.app_context():
        group = factories.group()
        small = factories.meeting(group, local_date=datetime.date(2026, 2, 3))
        large = factories.meeting(group, local_date=datetime.date(2026, 2, 17))
        answers(small, [1, 1, 1])
        answers(large, [5, 5, 5, 4, 4, 4, 3, 3, 3])
        group_id = group.id
        release(now=datetime.datetime(2026, 3, 5))
        month = results.month_releases(AFTER_MEETING, None, group.id)[0]
        large_release = of_meeting(large)
    assert month.figures is not None and month.figures.count == 12  # the headline is kept...
    assert large_release.figures is None  # ...by hiding the large meeting, so 12 - 9 is nobody's
    login("admin")
    page = client.get(f"/meetings/{large.id}/results").get_data(as_text=True)
    assert NOT_SHOWN in page and "<strong>9</strong>" not in page
    group_page = client.get(f"/groups/{group_id}/results").get_data(as_text=True)
    assert "<strong>12</strong>" in group_page and "February 2026" in group_page


def test_a_later_release_is_suppressed_around_what_is_already_shown(app):
    with app.app_context():
        group = factories.group()
        first = factories.meeting(group, local_date=datetime.date(2026, 5, 4))
        answers(first, [3] * 8)
        release(now=datetime.datetime(2026, 5, 6))
        fixed = {r.key: (r.shown, r.figures) for r in SurveyRelease.select()}
        late = factories.meeting(group, local_date=datetime.date(2026, 5, 25))
        answers(late, [2, 2])
        release(now=datetime.datetime(2026, 6, 3))
        after = {r.key: (r.shown, r.figures) for r in SurveyRelease.select()}
        assert of_meeting(late) is not None and of_meeting(late).figures is None
        assert results.month_releases(AFTER_MEETING, None, group.id)[0].figures is None  # 10 - 8 = 2
    assert {key: after[key] for key in fixed} == fixed


def test_a_group_with_a_hidden_meeting_last_month_waits_for_the_month(app):
    """Its next meetings are released with their month, which can then hide a large meeting as the
    complement of a small one and keep the month's and the group's figures."""
    with app.app_context():
        group = factories.group()
        january = [factories.meeting(group, local_date=datetime.date(2026, 1, d)) for d in (5, 12)]
        answers(january[0], [4] * 9)
        answers(january[1], [4] * 2)
        release(now=datetime.datetime(2026, 2, 3))
        assert of_meeting(january[1]).figures is None
        large = factories.meeting(group, local_date=datetime.date(2026, 2, 9))
        answers(large, [5] * 8)
        release(now=datetime.datetime(2026, 2, 12))
        assert of_meeting(large) is None  # waits
        other = factories.meeting(factories.group(), local_date=datetime.date(2026, 2, 9))
        answers(other, [5] * 8)
        release(now=datetime.datetime(2026, 2, 12))
        assert of_meeting(other).figures.count == 8  # a group without hidden meetings does not wait


def test_comments_only_inside_shown_aggregates_and_in_random_order(app):
    with app.app_context():
        group = factories.group()
        meetings = [factories.meeting(group, local_date=datetime.date(2026, 1, 5 + n)) for n in range(6)]
        for meeting in meetings:
            for i in range(K):
                answers(meeting, [3], comment=f"comment {i}")
        small = factories.meeting(group, local_date=datetime.date(2026, 1, 20))
        answers(small, [3, 3], comment="few")
        release(now=datetime.datetime(2026, 1, 25))  # the meetings' links have closed; January has not ended
        orders = {tuple(of_meeting(meeting).figures.questions[-1].texts) for meeting in meetings}
        assert of_meeting(small).figures is None
    assert all(sorted(order) == [f"comment {i}" for i in range(K)] for order in orders)
    assert len(orders) > 1


@pytest.mark.parametrize("k", [None, 0, 1, 2])
def test_k_below_three_behaves_as_three(app, k):
    with app.app_context():
        two, three = (factories.meeting(factories.group(), local_date=datetime.date(2026, 2, d)) for d in (3, 10))
        answers(two, [3, 3])
        answers(three, [3, 3, 3])
        results.release_due(now=datetime.datetime(2026, 2, 20), k=k if k is not None else 2)  # before the month ends
        assert of_meeting(two).figures is None and of_meeting(three).figures.count == 3


def test_the_pages_use_the_organization_k(app, client, login, meeting):
    from peergroups.models import Organization

    with app.app_context():
        factories.organization()
        Organization.update(survey_min_responses=4).execute()
        answers(meeting, [4] * 4)
        results.release_due()
    login("admin")
    page = client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)
    assert "<strong>4</strong>" in page and "at least 4 people" in page


def test_pages_read_releases_only_no_query_grows_with_the_responses(app, meeting, client, login, monkeypatch):
    login("admin")

    def queries(url):
        calls = []
        real = database.obj.execute_sql
        monkeypatch.setattr(database.obj, "execute_sql", lambda *a, **kw: calls.append(a[0]) or real(*a, **kw))
        client.get(url)
        monkeypatch.undo()
        return calls

    with app.app_context():
        answers(meeting, [4] * 30, comment="ok")
        release()
    for url in (f"/meetings/{meeting.id}/results", f"/groups/{meeting.group_id}/results", "/results/"):
        assert not any("survey_response" in sql or "survey_answer" in sql for sql in queries(url)), url


def test_pages_show_figures_months_and_charts(app, client, login, meeting):
    with app.app_context():
        answers(meeting, (5, 5, 5, 5, 5, 4, 4, 4, 4, 4), comment="Thank you all")
        release()
    login("admin")
    page = client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)
    assert "4.5" in page and 'role="img"' in page and "Thank you all" in page and "style=" not in page
    page = client.get(f"/groups/{meeting.group_id}/results").get_data(as_text=True)
    assert "February 2026" in page and "4.5" in page
    assert "Thank you all" in client.get("/results/").get_data(as_text=True)


def test_a_facilitator_sees_only_the_results_of_groups_they_lead(app, client, login, meeting):
    user = login("facilitator")
    with app.app_context():
        own = factories.meeting(factories.group(leads=[user]))
    assert client.get(f"/meetings/{own.id}/results").status_code == 200
    assert client.get(f"/meetings/{meeting.id}/results").status_code == 404
    assert client.get(f"/groups/{meeting.group_id}/results").status_code == 404
    assert client.get("/results/").status_code == 404


def test_the_report_function_gives_ranges_from_released_figures(app):
    with app.app_context():
        group = factories.group()
        for month, n in ((1, 6), (2, 7), (3, 8)):
            answers(factories.meeting(group, local_date=datetime.date(2026, month, 4)), [4] * n)
        release(now=datetime.datetime(2026, 4, 5))
        report = results.released_figures(AFTER_MEETING, None, datetime.date(2026, 2, 1), datetime.date(2026, 3, 1),
                                          group.id)
        org = results.released_figures(AFTER_MEETING, None, datetime.date(2026, 1, 1), datetime.date(2026, 3, 1))
    assert [m.figures.count for m in report.months] == [7, 8]
    assert report.total.count == 15 and useful(report.total).counts[4] == 15  # through March - through January
    assert org.total.count == 21


def test_release_is_idempotent_and_safe_to_rerun(app, meeting):
    with app.app_context():
        answers(meeting, [4] * 6)
        release()
        count = SurveyRelease.select().count()
        release()
        assert SurveyRelease.select().count() == count and surveys.meeting_link(meeting.id).released


def test_results_are_kept_until_anything_in_the_database_changes(app, client, login, meeting, monkeypatch):
    """Released figures change only with a release: each results page is worked out once and shown
    again while nothing changes (SQLite; PostgreSQL keeps none). A change (a renamed group, a new
    release) shows at the next visit. (pages.kept keeps what each person was shown apart: the
    reports' tests show it.)"""
    from peergroups import db as dbmod
    from peergroups.models import Group

    with app.app_context():
        answers(meeting, (5, 5, 5, 5, 5, 4, 4, 4, 4, 4))
        release()
    made = []
    real = surveys.definition_of
    monkeypatch.setattr(surveys, "definition_of", lambda survey_id: made.append(survey_id) or real(survey_id))
    urls = (f"/meetings/{meeting.id}/results", f"/groups/{meeting.group_id}/results", "/results/")
    login("admin")
    first = [strip_tokens(client.get(url).get_data(as_text=True)) for url in urls]
    assert [strip_tokens(client.get(url).get_data(as_text=True)) for url in urls] == first
    assert len(made) == (3 if dbmod.is_sqlite() else 6)
    assert "Renamed circle" not in first[1] and "March 2026" not in first[1]

    with app.app_context():
        Group.update(name="Renamed circle").where(Group.id == meeting.group_id).execute()
    assert "Renamed circle" in client.get(f"/groups/{meeting.group_id}/results").get_data(as_text=True)
    with app.app_context():
        later = factories.meeting(Group.get_by_id(meeting.group_id), local_date=datetime.date(2026, 3, 3))
        answers(later, [1] * 6)
        release(now=datetime.datetime(2026, 4, 2))
    assert "March 2026" in client.get(f"/groups/{meeting.group_id}/results").get_data(as_text=True)
