"""Survey results: figures counted in SQL match hand-computed data, and every figure a small group
stands behind is hidden (product.md, "Privacy rules"), also on the pages."""
import datetime
import random

import pytest

from peergroups import results
from peergroups.db import database
from peergroups.questionnaire import AFTER_MEETING

from . import factories

K = 5
HIDDEN = "Hidden to protect small groups"


@pytest.fixture
def meeting(app):
    with app.app_context():
        return factories.meeting(factories.group(), local_date=datetime.date(2026, 2, 3))


def useful(summary):
    return summary.questions[0]


def of_meeting(meeting, k=K, rng=None):
    return results.summary(AFTER_MEETING, builtin(k), results.scope_of_meeting(meeting.id), k, rng)


def builtin(k=K):
    return results.release(AFTER_MEETING, None, k)


def comments(summary):
    return summary.questions[-1].texts


def test_counts_means_and_distributions_match_hand_computed_figures(app, meeting):
    with app.app_context():
        for value in (5, 5, 5, 5, 5, 4, 4, 4, 4, 4):
            factories.survey_response(meeting, value)
        summary = of_meeting(meeting)
    assert summary.count == 10
    assert useful(summary).cells == {1: 0, 2: 0, 3: 0, 4: 5, 5: 5}
    assert useful(summary).total == 10 and useful(summary).mean == 4.5
    assert summary.questions[1].cells[3] == 10 and summary.questions[1].mean == 3


def test_a_lone_answer_is_hidden_with_another_part_so_the_total_does_not_give_it_away(app, meeting):
    with app.app_context():
        for value in [1] + [4] * 5 + [5] * 6:
            factories.survey_response(meeting, value)
        result = useful(of_meeting(meeting))
    cells, total = result.cells, result.total
    assert total == 12 and cells[1] is None
    hidden = [point for point, count in cells.items() if count is None]
    assert len(hidden) >= 2  # the total minus the shown parts is a sum of two or more
    assert total - sum(c for c in cells.values() if c is not None) >= K
    assert result.mean is None  # with the total, a mean would tell the two hidden parts apart


def test_a_meeting_under_k_shows_nothing_but_the_hidden_label(app, client, login, meeting):
    with app.app_context():
        for value in range(1, K):
            factories.survey_response(meeting, value, comment=f"secret {value}")
        summary = of_meeting(meeting)
    assert summary.count is None and comments(summary) == []
    for result in summary.questions[:-1]:
        assert result.mean is None and result.total is None
        assert set(result.cells.values()) == {None}
    login("admin")
    page = client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)
    assert HIDDEN in page and "secret" not in page and "<svg" not in page


def test_comments_only_from_k_responses_and_in_random_order(app, meeting):
    with app.app_context():
        for n in range(K - 1):
            factories.survey_response(meeting, 3, comment=f"comment {n}")
        assert comments(of_meeting(meeting)) == []
        factories.survey_response(meeting, 3, comment=f"comment {K - 1}")
        orders = {tuple(comments(of_meeting(meeting, rng=random.Random(seed))))
                  for seed in range(5)}
    assert {frozenset(order) for order in orders} == {frozenset(f"comment {n}" for n in range(K))}
    assert len(orders) > 1


@pytest.mark.parametrize("k", [None, 0, 1, 2])
def test_k_below_three_behaves_as_three(app, meeting, k):
    with app.app_context():
        factories.survey_response(meeting, 3)
        factories.survey_response(meeting, 3)
        assert of_meeting(meeting, k if k is not None else 2).count is None
        factories.survey_response(meeting, 3)
        assert of_meeting(meeting, k if k is not None else 2).count == 3


def set_k(app, k):
    from peergroups.models import Organization

    with app.app_context():
        Organization.update(survey_min_responses=k).execute()


def test_the_pages_use_the_organization_k_and_never_less_than_three(app, client, login, meeting):
    with app.app_context():
        for _ in range(2):
            factories.survey_response(meeting, 4)
    login("admin")
    set_k(app, 1)  # below the floor (only possible by editing the database): 3 applies
    assert "<strong>2</strong>" not in client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)
    with app.app_context():
        factories.survey_response(meeting, 4)
    assert "<strong>3</strong>" in client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)
    set_k(app, 4)
    assert "<strong>3</strong>" not in client.get(f"/meetings/{meeting.id}/results").get_data(as_text=True)


def test_months_fold_meeting_dates_and_hide_a_small_month_with_another(app):
    with app.app_context():
        group = factories.group()
        days = {datetime.date(2026, 1, 5): [4, 4, 4], datetime.date(2026, 1, 19): [2, 2, 2],
                datetime.date(2026, 2, 2): [5, 5, 5, 4, 4, 4, 3], datetime.date(2026, 3, 2): [1, 1]}
        for day, values in days.items():
            meeting = factories.meeting(group, local_date=day)
            for value in values:
                factories.survey_response(meeting, value)
        rows = results.by_month(AFTER_MEETING, builtin(), group.id, K)
        total = results.summary(AFTER_MEETING, builtin(), results.scope_of_group(group.id), K).count
    assert [row.month for row in rows] == [datetime.date(2026, 3, 1), datetime.date(2026, 2, 1),
                                           datetime.date(2026, 1, 1)]
    assert total == 15
    # March (2) is hidden, so January (6, smaller than February's 7) is hidden with it.
    assert [row.count for row in rows] == [None, 7, None]
    assert rows[1].means == {"useful": pytest.approx(30 / 7), "respected": 3.0, "belong": 3.0, "hopeful": 3.0}
    assert set(rows[0].means.values()) == set(rows[2].means.values()) == {None}


def test_the_number_of_queries_does_not_grow_with_the_responses(app, meeting, monkeypatch):
    def queries():
        calls = []
        real = database.obj.execute_sql
        monkeypatch.setattr(database.obj, "execute_sql", lambda *a, **kw: calls.append(a) or real(*a, **kw))
        of_meeting(meeting)
        results.by_month(AFTER_MEETING, builtin(), meeting.group_id, K)
        monkeypatch.undo()
        return len(calls)

    with app.app_context():
        for _ in range(K):
            factories.survey_response(meeting, 4, comment="ok")
        few = queries()
        for _ in range(30):
            factories.survey_response(meeting, 5, comment="ok")
        assert queries() == few


def test_pages_show_figures_months_and_charts(app, client, login, meeting):
    with app.app_context():
        for value in (5, 5, 5, 5, 5, 4, 4, 4, 4, 4):
            factories.survey_response(meeting, value, comment="Thank you all")
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


def test_no_page_gives_away_a_small_meeting_through_another_page(app, client, login):
    """February has a meeting of 3 and one of 9: the group page shows the month's 12, so the page
    of the meeting of 9 must not show its 9 (12 - 9 = 3), nor may the organization's page with
    the other groups' figures (one suppression covers every page)."""
    with app.app_context():
        group = factories.group()
        small = factories.meeting(group, local_date=datetime.date(2026, 2, 3))
        large = factories.meeting(group, local_date=datetime.date(2026, 2, 17))
        for value in (4, 4, 4):
            factories.survey_response(small, value)
        for value in (5, 5, 5, 4, 4, 4, 3, 3, 3):
            factories.survey_response(large, value)
        release = builtin()
        month = results.by_month(AFTER_MEETING, release, group.id, K)[0]
        large_page = results.summary(AFTER_MEETING, release, results.scope_of_meeting(large.id), K)
        group_page = results.summary(AFTER_MEETING, release, results.scope_of_group(group.id), K)
    assert month.count == 12 and group_page.count == 12
    assert large_page.count is None
    login("admin")
    page = client.get(f"/meetings/{large.id}/results").get_data(as_text=True)
    assert HIDDEN in page and "<strong>9</strong>" not in page
    assert "12" in client.get(f"/groups/{group.id}/results").get_data(as_text=True)
