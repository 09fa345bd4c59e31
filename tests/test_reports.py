"""Reports (/reports): every figure against a small organization worked out by hand, the period
chooser and its bad input, who sees which groups, CSV files and the printable report.

The organization (period: the first quarter of 2026, "today" 2026-05-15 unless said otherwise):
  Group A (en, America/Chicago), led by the facilitator:
    A0 2025-12-02 closed   p3 present                     (before the period)
    A1 2026-01-06 closed   p1, p2 present; p3 absent
    A2 2026-01-13 closed   p1, p3 present; p2 absent
    A3 2026-01-20 cancelled
    A4 2026-02-03 closed   p1, p4, p2 present
    A5 2026-03-31 open     p1 present (01:00 UTC on April 1st: March in the group's time zone)
    A6 2026-04-07 closed   p4 present                     (after the period)
  Group B (es), led by the facilitator:
    B1 2026-01-08 closed   p1, p2dup present
    B2 2026-02-12 closed   p2 absent, p2dup present, p5 absent
  Group C (fr), not the facilitator's:
    C1 2026-01-10 closed   p6 present
  p2dup is then merged into p2 (present wins at B2). Pairings: p2dup (the merged record) with mentor
  p3, proposed 01-15, active 01-20, a check-in 03-25; p4 with p1, proposed 02-25, active 03-01,
  ended 03-20 (moved); p1 with p3, proposed 01-08, ended 02-01 (no contact, rematched)."""
import csv
import datetime
import io
import re

import pytest
from werkzeug.datastructures import MultiDict

from peergroups import db as dbmod
from peergroups import members, report_tables, reports, results
from peergroups.models import Attendance, CheckIn, GroupFacilitator, Meeting, Pairing, SurveyLink
from peergroups.questionnaire import AFTER_MEETING

from . import factories
from .helpers import sign_in, strip_tokens

D = datetime.date
TODAY = D(2026, 5, 15)
Q1 = reports.Period("range", D(2026, 1, 1), D(2026, 3, 1))


def _marks(meeting, present=(), absent=()):
    for person in present:
        Attendance.create(meeting=meeting, member=person, state="present")
    for person in absent:
        Attendance.create(meeting=meeting, member=person, state="absent")


def build_org(facilitator=None):
    leads = [facilitator] if facilitator else []
    a = factories.group(name="Group A", languages="en,es", timezone="America/Chicago", leads=leads)
    b = factories.group(name="Group B", languages="es", timezone="Asia/Tokyo", leads=leads)
    c = factories.group(name="Group C", languages="fr")
    p = {name: factories.member(name=name) for name in ("p1", "p2", "p2dup", "p3", "p4", "p5", "p6")}
    m = {}
    for key, group, day, status in [
            ("A0", a, D(2025, 12, 2), "closed"), ("A1", a, D(2026, 1, 6), "closed"), ("A2", a, D(2026, 1, 13), "closed"),
            ("A3", a, D(2026, 1, 20), "cancelled"), ("A4", a, D(2026, 2, 3), "closed"), ("A5", a, D(2026, 3, 31), "open"),
            ("A6", a, D(2026, 4, 7), "closed"), ("B1", b, D(2026, 1, 8), "closed"), ("B2", b, D(2026, 2, 12), "closed"),
            ("C1", c, D(2026, 1, 10), "closed")]:
        m[key] = factories.meeting(group, day, status=status)
    m["A5"].starts_at = datetime.datetime(2026, 4, 1, 1, 0)
    m["A5"].save()
    _marks(m["A0"], [p["p3"]])
    _marks(m["A1"], [p["p1"], p["p2"]], [p["p3"]])
    _marks(m["A2"], [p["p1"], p["p3"]], [p["p2"]])
    _marks(m["A4"], [p["p1"], p["p4"], p["p2"]])
    _marks(m["A5"], [p["p1"]])
    _marks(m["A6"], [p["p4"]])
    _marks(m["B1"], [p["p1"], p["p2dup"]])
    _marks(m["B2"], [p["p2dup"]], [p["p2"], p["p5"]])
    _marks(m["C1"], [p["p6"]])
    members.merge(p["p2dup"], p["p2"])
    at = datetime.datetime
    pr1 = Pairing.create(newcomer=p["p2dup"], mentor=p["p3"], group=b, status="active",
                         created_at=at(2026, 1, 15, 12), activated_at=at(2026, 1, 20, 12))
    CheckIn.create(pairing=pr1, date=D(2026, 3, 25), kind="met")
    Pairing.create(newcomer=p["p4"], mentor=p["p1"], group=a, status="ended", created_at=at(2026, 2, 25, 12),
                   activated_at=at(2026, 3, 1, 12), ended_at=at(2026, 3, 20, 12), end_reason="moved")
    Pairing.create(newcomer=p["p1"], mentor=p["p3"], group=a, status="rematched", created_at=at(2026, 1, 8, 12),
                   ended_at=at(2026, 2, 1, 12), end_reason="no_contact")
    return {"a": a, "b": b, "c": c, **p}


@pytest.fixture
def org(app):
    """The organization, read inside an app context (the module's functions need one)."""
    with app.app_context():
        yield build_org()


@pytest.fixture
def built(app):
    """The same for requests, which push their own app context (a shared one would keep g)."""
    with app.app_context():
        return build_org()


ALL = reports.Scope(None)


def test_attendance_by_group_month_and_total(org):
    a, b, c = org["a"].id, org["b"].id, org["c"].id
    groups, months, total = reports.attendance(ALL, Q1)
    assert (total.held, total.cancelled, total.present) == (7, 1, 12)
    assert total.average == pytest.approx(12 / 7)
    assert total.median == 2
    assert total.rate == pytest.approx(11 / 14)  # closed meetings only: A5 is still open
    assert (groups[a].held, groups[a].cancelled, groups[a].present, groups[a].median) == (4, 1, 8, 2)
    assert groups[a].rate == pytest.approx(7 / 9)
    assert (groups[b].held, groups[b].present, groups[b].median, groups[b].rate) == (2, 3, 1.5, 0.75)
    assert (groups[c].held, groups[c].present, groups[c].rate) == (1, 1, 1)
    assert [m.key for m in months] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert [(m.held, m.cancelled, m.present, m.median) for m in months] == [(4, 1, 7, 2), (2, 0, 4, 2), (1, 0, 1, 1)]
    assert months[0].rate == pytest.approx(7 / 9)
    assert months[1].rate == pytest.approx(4 / 5)
    assert months[2].rate is None  # the only March meeting (in Chicago's time) is still open


def test_people_served_count_each_person_once(org):
    groups, languages, total = reports.people(ALL, Q1)
    assert (total.people, total.new) == (5, 4)  # p1 p2 p3 p4 p6; p3 came first in December
    assert (groups[org["a"].id].people, groups[org["a"].id].new) == (4, 3)
    assert (groups[org["b"].id].people, groups[org["b"].id].new) == (2, 2)  # p2 and p2dup are one person
    assert (groups[org["c"].id].people, groups[org["c"].id].new) == (1, 1)
    assert [(r.key, r.people, r.new) for r in languages] == [
        ("en", 4, 3), ("es", 2, 2), ("fr", 1, 1)]
    mine = reports.Scope([org["a"].id, org["b"].id])
    assert reports.people(mine, Q1)[2][1:] == (4, 3)


def test_retention_cohorts_and_too_early(org):
    cohorts = reports.cohorts(ALL, Q1, TODAY)
    # January: p1 p2 p6, two back within 30 days; its 90 days end after March 31: too early.
    # February: p4, not back by March 31. March: nobody, and too early for both.
    assert cohorts == [reports.Cohort(D(2026, 1, 1), 3, 2, None), reports.Cohort(D(2026, 2, 1), 1, 0, None),
                       reports.Cohort(D(2026, 3, 1), 0, None, None)]
    assert reports.funnel(cohorts) == reports.Funnel(4, 4, 2, 0, 0)
    year = reports.Period("year", D(2026, 1, 1), D(2026, 12, 1))
    later = reports.cohorts(ALL, year, D(2026, 12, 15))
    assert later[0] == reports.Cohort(D(2026, 1, 1), 3, 2, 2)  # p1 (5 times) and p2 (4) within 90 days
    assert later[1] == reports.Cohort(D(2026, 2, 1), 1, 0, 0)  # p4 came again only in April
    assert later[9].came_back == 0 and later[9].regular is None  # October: 90 days not passed
    assert later[10].came_back is None  # November: 30 days not passed
    assert len(later) == 12
    only_c = reports.cohorts(reports.Scope([org["c"].id]), Q1, TODAY)
    assert [c.people for c in only_c] == [1, 0, 0]
    # p1 and p2 came to group B, but first to group A: they are A's newcomers, not B's, though a
    # report on B alone reads only the marks of B's people.
    assert [c.people for c in reports.cohorts(reports.Scope([org["b"].id]), Q1, TODAY)] == [0, 0, 0]
    february = reports.Period("range", D(2026, 2, 1), D(2026, 2, 1))
    assert reports.people(reports.Scope([org["b"].id]), february)[2][1:] == (1, 0)  # p2, first seen in January


def test_mentoring(org):
    result = reports.mentoring(ALL, Q1, TODAY, 14)
    assert (result.newcomers, result.offered) == (4, 2)  # p1 and p2 (through the merged record)
    assert result.median_days == 20  # p2 after 14 days, p4 after 26
    assert (result.active, result.checked_in) == (1, 1)
    assert result.ended == {"moved": 1, "no_contact": 1}
    later = reports.mentoring(ALL, Q1, TODAY, 3)
    assert later.checked_in == 0  # the check-in of March 25 is older than 3 days at March 31


def test_follow_up(org):
    result = reports.follow_up(ALL, Q1, TODAY)
    # At March 31: p2 (Feb 12), p3 (Jan 13), p4 (Feb 3), p6 (Jan 10) not seen for 28 days.
    # At the start: p3, last seen December 2nd; he came back in January.
    assert result == reports.FollowUp(4, 1, 1)


@pytest.mark.parametrize("args, expected", [
    ({}, (D(2025, 5, 1), D(2026, 4, 1))),
    ({"period": "this-month"}, (D(2026, 5, 1), D(2026, 5, 1))),
    ({"period": "last-month"}, (D(2026, 4, 1), D(2026, 4, 1))),
    ({"period": "this-quarter"}, (D(2026, 4, 1), D(2026, 6, 1))),
    ({"period": "last-quarter"}, (D(2026, 1, 1), D(2026, 3, 1))),
    ({"period": "year", "year": "2025"}, (D(2025, 1, 1), D(2025, 12, 1))),
    ({"period": "year", "year": "2026"}, (D(2026, 1, 1), D(2026, 5, 1))),
    ({"period": "range", "from": "2025-11", "to": "2026-02"}, (D(2025, 11, 1), D(2026, 2, 1))),
])
def test_periods(args, expected):
    period = reports.parse_period(MultiDict(args), TODAY)
    assert (period.first, period.last) == expected


@pytest.mark.parametrize("args", [
    {"period": "range", "from": "2026-03", "to": "2026-01"},  # ends before it starts
    {"period": "range", "from": "2026-01", "to": "2026-07"},  # a month in the future
    {"period": "range", "from": "1986-01", "to": "2026-01"},  # forty years
    {"period": "range", "from": "2026-13", "to": "2026-14"},
    {"period": "range", "from": "x", "to": ""},
    {"period": "year", "year": "2027"},
    {"period": "year", "year": "99999999999999999999"},
    {"period": "decade"},
    {"period": "range"},
    {"period": "range", "from": "0000-01", "to": "2026-01"},
    {"period": "range", "from": "-2026-01", "to": "2026-01"},
    {"period": "range", "from": "2026-01", "to": "99999-01"},
    {"period": "year", "year": "0"},
])
def test_bad_periods(args):
    with pytest.raises(reports.PeriodError):
        reports.parse_period(MultiDict(args), TODAY)


# ---- The pages and files ----

Q1_ARGS = "period=range&from=2026-01&to=2026-03"


def read_csv(response):
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # so spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_admin_sees_the_organization(app, client, login, built):
    login("admin")
    page = client.get(f"/reports/?{Q1_ARGS}").data.decode()
    assert "Group C" in page and "January 2026 to March 2026" in page
    rows = read_csv(client.get(f"/reports/table.csv?table=attendance-groups&{Q1_ARGS}"))
    assert rows[0] == ["Group", "Meetings held", "Cancelled", "Attendances", "Average per meeting",
                       "Median per meeting", "Attendance rate"]
    assert rows[1:] == [["Group A", "4", "1", "8", "2.0", "2.0", "0.7778"], ["Group B", "2", "0", "3", "1.5", "1.5", "0.75"],
                        ["Group C", "1", "0", "1", "1.0", "1.0", "1.0"], ["Total", "7", "1", "12", "1.71", "2.0", "0.7857"]]
    people = read_csv(client.get(f"/reports/table.csv?table=people-groups&{Q1_ARGS}"))
    assert people[-1] == ["Total", "5", "4"]  # not 4 + 2 + 1: each person once
    cohorts = read_csv(client.get(f"/reports/table.csv?table=retention&{Q1_ARGS}"))
    assert cohorts[1:] == [["2026-01", "3", "2", "0.6667", "", ""], ["2026-02", "1", "0", "0.0", "", ""],
                           ["2026-03", "0", "", "", "", ""]]  # empty: too early to tell, never 0
    languages = read_csv(client.get(f"/reports/table.csv?table=people-languages&{Q1_ARGS}"))
    assert languages[1:] == [["English", "4", "3"], ["Español", "2", "2"], ["Français", "1", "1"]]
    mentoring = read_csv(client.get(f"/reports/table.csv?table=mentoring&{Q1_ARGS}"))
    assert [row[1] for row in mentoring[1:]] == ["4", "2", "1", "1", "1", "1"]
    follow = read_csv(client.get(f"/reports/table.csv?table=follow-up&{Q1_ARGS}"))
    assert [row[1] for row in follow[1:]] == ["4", "1", "1"]


def test_facilitator_sees_only_their_groups(app, client, login):
    user = login("facilitator")
    with app.app_context():
        built = build_org(facilitator=user)
    page = client.get(f"/reports/?{Q1_ARGS}").data.decode()
    assert "Group A" in page and "Group C" not in page
    people = read_csv(client.get(f"/reports/table.csv?table=people-groups&{Q1_ARGS}"))
    assert people[-1] == ["Total", "4", "3"]  # p6 came only to group C
    assert client.get(f"/reports/?group={built['c'].id}&{Q1_ARGS}").status_code == 404
    assert client.get(f"/reports/table.csv?table=retention&group={built['c'].id}").status_code == 404
    assert client.get(f"/reports/print?group={built['c'].id}").status_code == 404
    only_b = read_csv(client.get(f"/reports/table.csv?table=people-groups&group={built['b'].id}&{Q1_ARGS}"))
    assert only_b[1:] == [["Group B", "2", "2"], ["Total", "2", "2"]]


@pytest.mark.parametrize("query", ["period=range&from=2026-03&to=2026-01", "period=range&from=2026-01&to=2099-01",
                                   "period=range&from=1986-01&to=2026-01", "period=range&from=x&to=y",
                                   "period=year&year=3000", "period=nonsense"])
def test_bad_input_is_a_message(client, login, built, query):
    login("supervisor")
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 422
    assert 'role="alert"' in response.data.decode()
    assert client.get(f"/reports/table.csv?table=retention&{query}").status_code == 422


@pytest.mark.parametrize("group", ["abc", "-1", "99999999999999999999999", "0", "999"])
def test_a_group_that_is_not_there_is_a_404(client, login, built, group):
    login("admin")
    assert client.get(f"/reports/?group={group}").status_code == 404


@pytest.mark.parametrize("role", ["admin", "facilitator", "supervisor"])
def test_every_role_finds_reports_in_the_navigation(client, login, role):
    login(role)
    assert 'href="/reports/"' in client.get("/").data.decode()


def test_csv_headers_follow_the_language(client, login, built):
    login("admin")
    rows = read_csv(client.get(f"/reports/table.csv?table=people-groups&{Q1_ARGS}&lang=es"))
    assert rows[0][0] != "Group" and rows[-1][1:] == ["5", "4"]
    response = client.get(f"/reports/table.csv?table=people-groups&{Q1_ARGS}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="people-groups-2026-01-2026-03.csv"' in response.headers["Content-Disposition"]


def test_sharing_outside_hides_small_counts_of_people(client, login, built):
    login("admin")
    rows = read_csv(client.get(f"/reports/table.csv?table=retention&{Q1_ARGS}&share=1"))
    assert rows[1] == ["2026-01", "<5", "<5", "<5", "", ""]  # 3 newcomers: the share would tell too
    attendance = read_csv(client.get(f"/reports/table.csv?table=attendance-months&{Q1_ARGS}&share=1"))
    assert attendance[1][:4] == ["2026-01", "4", "1", "7"]  # marks and meetings are not people
    page = client.get(f"/reports/?{Q1_ARGS}&share=1").data.decode()
    assert "fewer than 5" in page
    assert "4 newcomers" not in page and "2 of 4" not in page  # the funnel too
    assert "4 newcomers" in client.get(f"/reports/?{Q1_ARGS}").data.decode()


def test_printable_report(client, login, built):
    login("supervisor")
    page = client.get(f"/reports/print?{Q1_ARGS}").data.decode()
    assert "Test Peer Support" in page and "How we count" in page and "<svg" in page
    arabic = client.get(f"/reports/print?{Q1_ARGS}&lang=ar").data.decode()
    assert 'dir="rtl"' in arabic and 'direction="rtl"' in arabic


def _answers(meeting, values):
    for value in values:
        factories.survey_response(meeting, value)
    evening = datetime.datetime.combine(meeting.local_date, datetime.time(23))
    SurveyLink.update(closes_at=evening).where(SurveyLink.meeting == meeting.id).execute()


def test_feedback_only_from_released_figures(app, client, login, built):
    """January (6 responses) is released and shown; February (2) is fewer than k: the report shows
    January's figures and nothing of February, in the page and in the file."""
    with app.app_context():
        a1 = Meeting.get(Meeting.group == built["a"].id, Meeting.local_date == D(2026, 1, 6))
        a4 = Meeting.get(Meeting.group == built["a"].id, Meeting.local_date == D(2026, 2, 3))
        _answers(a1, [5, 5, 5, 4, 4, 4])
        _answers(a4, [1, 1])
        results.release_due(now=datetime.datetime(2026, 4, 10), k=5)
        expected = results.released_figures(AFTER_MEETING, None, D(2026, 1, 1), D(2026, 3, 1), built["a"].id)
    login("admin")
    rows = read_csv(client.get(f"/reports/table.csv?table=feedback-builtin-{built['a'].id}&group={built['a'].id}&{Q1_ARGS}"))
    assert rows[1][:3] == ["2026-01", "6", "4.5"]
    assert rows[2] == ["2026-02"] + [""] * (len(rows[0]) - 1)  # hidden: nothing of it
    assert expected.months[1] is None or expected.months[1].figures is None
    total = rows[-1]
    assert total[1] in ("", str(expected.total.count if expected.total else ""))
    page = client.get(f"/reports/?group={built['a'].id}&{Q1_ARGS}").data.decode()
    assert "not shown" in page


def _attendances(page):
    return int(re.search(r'href="#how-attendances">Attendances</a></dt><dd>(\d+)<', page).group(1))


def _builds(monkeypatch):
    """How many times reports are worked out (report_tables.build), counted around the real one."""
    calls = []
    real = report_tables.build
    monkeypatch.setattr(report_tables, "build", lambda *args: calls.append(args) or real(*args))
    return calls


def test_a_report_is_kept_until_anything_in_the_database_changes(app, client, login, built, monkeypatch):
    """A report is worked out once and shown again while nothing changes (SQLite; PostgreSQL keeps
    none); a change through the app, or by another connection (the command line, another process),
    shows at the next visit."""
    builds = _builds(monkeypatch)
    login("admin")
    first = client.get(f"/reports/?{Q1_ARGS}").data.decode()
    assert _attendances(first) == 12
    assert strip_tokens(client.get(f"/reports/?{Q1_ARGS}").data.decode()) == strip_tokens(first)
    assert len(builds) == (1 if dbmod.is_sqlite() else 2)

    with app.app_context():  # through the app's own connection: p3 was absent at A1
        Attendance.update(state="present").where(Attendance.state == "absent", Attendance.member == built["p3"].id).execute()
    assert _attendances(client.get(f"/reports/?{Q1_ARGS}").data.decode()) == 13

    other = dbmod.make_database(app.config["DATABASE_URL"])  # not the app's: as another process would
    other.connect()
    other.execute_sql(f'UPDATE "attendance" SET state = {other.param} WHERE member_id = {other.param}',
                      ("absent", built["p1"].id))
    other.close()
    assert _attendances(client.get(f"/reports/?{Q1_ARGS}").data.decode()) == 13 - 5  # p1 was present 5 times in Q1
    assert len(builds) == (3 if dbmod.is_sqlite() else 4)



def test_a_kept_report_is_kept_apart_for_everything_its_page_depends_on(app, client, login, built, monkeypatch):
    """The same address is kept apart by language (the phone's, with nothing chosen), by page (the
    printable one), by day (the figures are "as of" it) and by the path the app is served under."""
    from peergroups.views import reports as view

    login("admin")  # no language of their own
    assert "<h1>Informes" in client.get(f"/reports/?{Q1_ARGS}", headers={"Accept-Language": "es"}).data.decode()
    assert "<h1>Reports" in client.get(f"/reports/?{Q1_ARGS}", headers={"Accept-Language": "en"}).data.decode()
    printable = client.get(f"/reports/print?{Q1_ARGS}").data.decode()
    assert "Back to the reports" in printable and 'class="report-form"' not in printable
    monkeypatch.setattr(view, "local_today", lambda _zone: D(2026, 5, 15))
    may = "/reports/?period=range&from=2026-05&to=2026-05"
    assert "(as of May 15, 2026)" in client.get(may).data.decode()
    monkeypatch.setattr(view, "local_today", lambda _zone: D(2026, 5, 16))
    assert "(as of May 16, 2026)" in client.get(may).data.decode()
    assert 'action="/reports/"' in client.get(may).data.decode()
    assert 'action="/pg/reports/"' in client.get(may, base_url="http://localhost/pg").data.decode()


def test_a_change_made_while_a_report_is_worked_out_shows_at_the_next_visit(app, client, login, built, monkeypatch):
    """Another process commits just after the report's settings were read: the report made then
    is not kept as if it were current (db.generation is taken before anything is read)."""
    from peergroups.views import reports as view

    login("admin")
    real, changed = view._load, []

    def load_then_change():
        ctx = real()
        if not changed:
            changed.append(True)
            other = dbmod.make_database(app.config["DATABASE_URL"])
            other.connect()
            other.execute_sql(f'UPDATE "organization" SET survey_min_responses = {other.param}', (9,))
            other.close()
        return ctx

    monkeypatch.setattr(view, "_load", load_then_change)
    assert "counts of fewer than 5 people" in client.get(f"/reports/?{Q1_ARGS}").data.decode()
    assert "counts of fewer than 9 people" in client.get(f"/reports/?{Q1_ARGS}").data.decode()


def test_reports_are_kept_within_their_size(app, client, login, built, monkeypatch):
    """The store holds at most pages.KEPT_CHARS; a larger report is never kept."""
    from peergroups import pages

    builds = _builds(monkeypatch)
    login("admin")
    size = len(client.get(f"/reports/?{Q1_ARGS}").data)
    monkeypatch.setattr(pages, "KEPT_CHARS", size // 2)
    client.get(f"/reports/?{Q1_ARGS}&share=1")
    client.get(f"/reports/?{Q1_ARGS}&share=1")
    assert len(builds) == 3


def test_a_kept_report_is_never_shown_to_another_user(app, built, monkeypatch):
    with app.app_context():  # two facilitators, each leading one group, signed in on two phones
        first, second = factories.user(role="facilitator"), factories.user(role="facilitator")
        GroupFacilitator.create(group=built["a"], user=first, lead=True)
        GroupFacilitator.create(group=built["b"], user=second, lead=True)
    phones = [app.test_client(), app.test_client()]
    sign_in(phones[0], first)
    sign_in(phones[1], second)
    builds = _builds(monkeypatch)  # from here on nothing in the database changes
    page = phones[0].get(f"/reports/?{Q1_ARGS}").data.decode()
    assert "Group A" in page and "Group B" not in page
    page = phones[1].get(f"/reports/?{Q1_ARGS}").data.decode()
    assert "Group B" in page and "Group A" not in page
    assert len(builds) == 2
