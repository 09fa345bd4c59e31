"""Anonymous surveys: nothing identifying is stored, the cap and the rate limit hold, bad input and
bad links get clear answers, and the facilitator can open and close the link."""
import datetime
import fnmatch
import logging
import pathlib
import re

import pytest

from peergroups import results, surveys
from peergroups.attendance import local_today
from peergroups.db import database, is_sqlite
from peergroups.models import Attendance, SurveyAnswer, SurveyLink, SurveyResponse, utcnow

from . import factories
from .helpers import in_turns_and_at_once, make_app

GOOD = {"useful": "4", "respected": "5", "belong": "3", "hopeful": "2", "comment": "It helped a lot"}


def meeting_today(group, **fields):
    """A meeting on the group's today, the only day its survey link can be opened."""
    return factories.meeting(group, local_date=local_today(group.timezone), **fields)


def present(meeting, count):
    for _ in range(count):
        Attendance.create(meeting=meeting, member=factories.member(meeting.group), state="present")


@pytest.fixture
def link(app):
    with app.app_context():
        group = factories.group(languages="en,es")
        meeting = meeting_today(group)
        present(meeting, 12)
        return surveys.open_link(meeting, 48)


def fresh(app):
    return app.test_client()


def test_starting_a_meeting_opens_its_survey_link(app, client, login):
    user = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[user], weekday=None, start_time=None)
    response = client.post(f"/groups/{group.id}/meetings")
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        link = SurveyLink.get(SurveyLink.meeting == meeting_id)
    assert len(link.token) >= 11 and re.fullmatch(r"[A-Za-z0-9_-]+", link.token)  # >= 64 bits, URL-safe
    assert link.closes_at - utcnow() > datetime.timedelta(hours=47)
    page = client.get(f"/meetings/{meeting_id}/feedback").get_data(as_text=True)
    assert "<svg" in page and f"/s/{link.short_code[:4]}-{link.short_code[4:]}" in page  # the code to type


def test_a_qr_code_that_phones_cannot_open_is_flagged(app, client, login, link):
    login("admin")
    warning = "Phones cannot open this link"
    assert warning in client.get(f"/meetings/{link.meeting_id}/feedback").get_data(as_text=True)  # http://localhost
    app.config["PUBLIC_URL"] = "https://groups.example.org"
    page = client.get(f"/meetings/{link.meeting_id}/feedback").get_data(as_text=True)
    assert "groups.example.org/s/" in page and warning not in page


@pytest.mark.parametrize("url, unreachable", [
    ("http://localhost/s/x", True), ("http://127.0.0.1:5000/s/x", True), ("http://[::1]:8000/", True),
    ("http://app.localhost/", True), ("http://192.168.1.20:5000/s/x", False), ("https://groups.example.org/", False)])
def test_which_links_phones_cannot_open(url, unreachable):
    from peergroups.sharing import phones_cannot_open

    assert phones_cannot_open(url) is unreachable


def test_closing_is_final_one_link_per_meeting(app, client, login, link):
    """Padding attack: close and reopen a link (or open a new one) to answer again. Refused."""
    user = login("facilitator")
    with app.app_context():
        from peergroups.models import GroupFacilitator, Meeting

        GroupFacilitator.create(group=Meeting.get_by_id(link.meeting_id).group_id, user=user)
    assert client.post(f"/meetings/{link.meeting_id}/feedback/close").status_code == 303
    assert fresh(app).get(f"/s/{link.token}").status_code == 410
    page = client.get(f"/meetings/{link.meeting_id}/feedback").get_data(as_text=True)
    assert "<svg" not in page and "closing it is final" in page
    client.post(f"/meetings/{link.meeting_id}/feedback/open")
    with app.app_context():
        assert surveys.current_link(link.meeting_id) is None
        assert SurveyLink.select().where(SurveyLink.meeting == link.meeting_id).count() == 1


def test_a_link_opens_only_on_the_meeting_day(app, client, login):
    """Padding attack: open a survey link for a past meeting and answer it yourself. Refused."""
    user = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[user])
        past = factories.meeting(group, local_date=local_today(group.timezone) - datetime.timedelta(days=3))
        assert surveys.open_link(past, 48) is None
    assert client.post(f"/meetings/{past.id}/feedback/open").status_code == 303
    page = client.get(f"/meetings/{past.id}/feedback").get_data(as_text=True)
    assert "only on the day of the meeting" in page
    with app.app_context():
        assert SurveyLink.select().count() == 0


def test_a_signed_in_staff_browser_cannot_answer(app, client, login, link):
    """Padding attack from the facilitator's own phone: told why, nothing stored."""
    login("facilitator")
    page = client.get(f"/s/{link.token}")
    assert page.status_code == 403 and "signed in to the staff side" in page.get_data(as_text=True)
    assert client.post(f"/s/{link.token}", data=GOOD).status_code == 403
    with app.app_context():
        assert SurveyResponse.select().count() == 0
    assert fresh(app).post(f"/s/{link.token}", data=GOOD).status_code == 303  # a member's phone can


def test_closing_rewrites_the_responses_in_random_order(app, link):
    """Database attack: the order of arrival must not survive the link's closing (new random keys,
    one transaction; on SQLite nothing of the old rows left in the file or its log; on PostgreSQL
    one xmin for all)."""
    app.config["SURVEY_RATE_LIMIT"] = "1000 per minute"
    for useful in "12345":
        assert fresh(app).post(f"/s/{link.token}", data={**GOOD, "useful": useful}).status_code == 303
    with app.app_context():
        before = [r.id for r in SurveyResponse.select()]
        results.close_link(SurveyLink.get_by_id(link.id))
        after = [r.id for r in SurveyResponse.select()]
        assert len(after) == 5 and not set(before) & set(after)
        assert sorted(a.value for a in SurveyAnswer.select().where(SurveyAnswer.question == "useful")) == [1, 2, 3, 4, 5]
        if is_sqlite():
            path = database.obj.database
            database.close()
            import pathlib
            stored = b"".join(p.read_bytes() for p in pathlib.Path(path).parent.glob(pathlib.Path(path).name + "*"))
            assert not any(old.encode() in stored for old in before)
        else:
            xmins = database.execute_sql('SELECT DISTINCT xmin FROM "survey_response"').fetchall()
            assert len(xmins) == 1


def _dump():
    """Every row of every table: {table: set of row tuples}, and each table's columns."""
    rows, columns = {}, {}
    for table in database.get_tables():
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')
        columns[table] = [d[0] for d in cursor.description]
        rows[table] = {tuple(row) for row in cursor.fetchall()}
    return rows, columns


def test_a_response_stores_nothing_that_identifies_anyone(template_db, tmp_path):
    """Submit with CSRF on, a custom address and user agent, then read every column of every table."""
    app = make_app(template_db, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.organization()
        factories.user(role="admin")
        # Ids no answer value, date or count could equal, so finding one in a new row means something.
        staff = factories.user(role="facilitator", id=7919)
        group = factories.group(leads=[staff])
        member = factories.member(group, id=8831)
        meeting = meeting_today(group, opened_by=staff)
        Attendance.create(meeting=meeting, member=member, state="present", by=staff)
        link = surveys.open_link(meeting, 48)
        before, _columns = _dump()
    address, agent = "203.0.113.77", "UniqueAgent/9.9 (survey-privacy-test)"
    client = app.test_client()
    env = {"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent}
    page = client.get(f"/s/{link.token}", environ_base=env).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    now = datetime.datetime.now(datetime.UTC)
    response = client.post(f"/s/{link.token}", data={**GOOD, "csrf_token": token}, environ_base=env,
                           headers={"Referer": f"http://localhost/s/{link.token}"})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    session_cookie = client.get_cookie("survey", path=f"/s/{link.token}").value  # the link's own session
    with app.app_context():
        after, columns = _dump()
        database.close()

    # The response tables hold the answers, the link and the meeting's date: nothing else.
    assert columns["survey_response"] == ["id", "link_id", "counts_for"]
    assert sorted(columns["survey_answer"]) == ["question", "response_id", "text", "value"]
    [(response_id, link_id, meeting_date)] = after["survey_response"]
    assert link_id == link.id and str(meeting_date) == str(meeting.local_date)
    assert not str(response_id).isdigit() and len(response_id) >= 16  # random, not a sequence
    answers = {row[columns["survey_answer"].index("question")]: row for row in after["survey_answer"]}
    assert set(answers) == {"useful", "respected", "belong", "hopeful", "comment"}
    assert "It helped a lot" in answers["comment"]

    # Nothing anywhere holds the address, the user agent or the session.
    secrets_ = (address, agent, "UniqueAgent", session_cookie, session_cookie.split(".")[0])
    for table, rows in after.items():
        for row in rows:
            for value in row:
                assert not any(s in str(value) for s in secrets_), (table, row)

    # The submission changed only the response tables, with no time of day and no staff or member id.
    changed = {table: rows - before.get(table, set()) for table, rows in after.items()}
    assert {t for t, rows in changed.items() if rows} == {"survey_response", "survey_answer"}
    times = {(now + datetime.timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}
    times |= {t.replace(":", "") for t in times} - {str(now.year)}  # at 20:26, "2026" is the year
    for rows in changed.values():
        for row in rows:
            for value in row:
                assert not isinstance(value, (datetime.datetime, datetime.time))
                assert not any(t in str(value) for t in times), row
                assert str(value) not in (str(staff.id), str(member.id)), row


def test_answered_twice_from_the_same_browser(app, link):
    client = fresh(app)
    assert client.post(f"/s/{link.token}", data=GOOD).status_code == 303
    cookie = client.get_cookie("answered", path=f"/s/{link.token}")
    assert cookie is not None and cookie.path == f"/s/{link.token}" and cookie.expires
    page = client.get(f"/s/{link.token}")
    assert page.status_code == 200 and "already answered" in page.get_data(as_text=True)
    assert client.post(f"/s/{link.token}", data=GOOD).status_code == 409
    assert client.get(f"/s/{link.token}/thanks").status_code == 200
    with app.app_context():
        assert SurveyResponse.select().count() == 1


def test_the_cap_holds(app, link):
    app.config["SURVEY_RATE_LIMIT"] = "1000 per minute"
    statuses = [fresh(app).post(f"/s/{link.token}", data=GOOD).status_code for _ in range(15)]
    assert statuses == [303] * 13 + [409, 409]  # 12 present + the margin 1
    with app.app_context():
        assert SurveyResponse.select().count() == 13
        assert SurveyAnswer.select().count() == 13 * 5


def test_the_cap_is_the_people_present_plus_the_margin_with_no_floor(app):
    """Padding attack: with two people present, nobody can add eight more answers."""
    with app.app_context():
        meeting = meeting_today(factories.group())
        present(meeting, 2)
        link = surveys.open_link(meeting, 48)
        assert surveys.response_cap(link, 1) == 3
        assert [surveys.store_response(link, {"useful": 3}, 1) for _ in range(4)] == ["stored"] * 3 + ["full"]


def test_a_periodic_cap_counts_only_current_members(app):
    from peergroups.models import Group, GroupMember, Survey

    with app.app_context():
        group = factories.group()
        members = [factories.member(group) for _ in range(3)]
        factories.member(group, archived=True)
        GroupMember.update(active=False).where(GroupMember.member == members[0].id).execute()
        survey = Survey.create(definition=monthly_definition())
        Group.update(periodic_survey=survey.id).where(Group.id == group.id).execute()
        link = surveys.open_periodic_link(Group.get_by_id(group.id))
        assert surveys.response_cap(link, 1) == 3  # two current members + 1


def monthly_definition():
    import json

    return json.dumps({"format": "peergroups-survey", "version": 1, "name": "Monthly", "fallback_language": "en",
                       "languages": ["en"], "questions": [{"key": "q1", "kind": "yesno", "text": {"en": "Ok?"}}]})


def test_the_rate_limit_is_per_address_in_memory(app, link):
    from limits.storage import MemoryStorage

    from peergroups.extensions import survey_limiter

    app.config["SURVEY_RATE_LIMIT"] = "2 per minute"
    assert isinstance(survey_limiter.storage, MemoryStorage)
    for _ in range(2):
        assert fresh(app).post(f"/s/{link.token}", data=GOOD).status_code == 303
    response = fresh(app).post(f"/s/{link.token}?lang=es", data=GOOD)
    assert response.status_code == 429 and "Demasiados intentos" in response.get_data(as_text=True)
    other = fresh(app).post(f"/s/{link.token}", data=GOOD, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 303
    with app.app_context():
        assert SurveyResponse.select().count() == 3


@pytest.mark.parametrize("token, status", [("notAtoken99", 404), ("x", 404), ("../../etc/passwd", 404),
                                           ("a" * 200, 404), ("%00%27--", 404)])
def test_unknown_or_tampered_links(app, token, status):
    response = fresh(app).get(f"/s/{token}")
    body = response.get_data(as_text=True)
    assert response.status_code == status and ("Survey not found" in body or "Page not found" in body)
    assert fresh(app).post(f"/s/{token}", data=GOOD).status_code == status


def test_a_closed_link(app, link):
    with app.app_context():
        SurveyLink.update(closes_at=utcnow() - datetime.timedelta(minutes=1)).execute()
    for response in (fresh(app).get(f"/s/{link.token}"), fresh(app).post(f"/s/{link.token}", data=GOOD)):
        assert response.status_code == 410 and "closed" in response.get_data(as_text=True)
    with app.app_context():
        assert SurveyResponse.select().count() == 0


@pytest.mark.parametrize("change", [{"useful": "6"}, {"useful": "0"}, {"belong": "a lot"}])
def test_bad_answers_answer_422_keeping_input(app, link, change):
    data = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    response = fresh(app).post(f"/s/{link.token}", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "It helped a lot" in body and body.count("<input checked") == 3  # the three good answers
    with app.app_context():
        assert SurveyResponse.select().count() == 0


def test_written_out_options_are_what_wtforms_would_render(app, link):
    """survey.html writes its radio buttons by hand (speed): each must be the widget's own markup,
    checked ones too."""
    from peergroups.views.surveys import survey_form

    data = {**GOOD, "useful": "6"}
    body = fresh(app).post(f"/s/{link.token}", data=data).get_data(as_text=True)
    with app.test_request_context(f"/s/{link.token}", method="POST", data=data):
        form = survey_form(surveys.definition_of(None), "en")[0]()
        options = [str(option()) for field in form if field.type == "RadioField" for option in field]
    assert len(options) == 20 and sum("checked" in option for option in options) == 3
    for option in options:
        assert option in body


def test_a_huge_comment_is_refused_and_nothing_is_stored(app, link):
    response = fresh(app).post(f"/s/{link.token}", data={**GOOD, "comment": "x" * 100_000})
    assert response.status_code == 422 and "at most 1000 characters" in response.get_data(as_text=True)
    with app.app_context():
        assert SurveyResponse.select().count() == 0 and SurveyAnswer.select().count() == 0


def test_language_follows_the_phone_when_the_survey_has_it(app, link):
    # Our own survey is in every language: a phone set to Arabic reads it in Arabic, though the
    # group speaks en, es (#14).
    page = fresh(app).get(f"/s/{link.token}", headers={"Accept-Language": "ar, en;q=0.5"})
    assert 'lang="ar" dir="rtl"' in page.get_data(as_text=True)
    page = fresh(app).get(f"/s/{link.token}", headers={"Accept-Language": "de, es;q=0.5"})
    assert 'lang="es"' in page.get_data(as_text=True)  # no German: the phone's next language
    page = fresh(app).get(f"/s/{link.token}", headers={"Accept-Language": "de"})
    assert 'lang="en"' in page.get_data(as_text=True)  # nothing the phone reads: the group's first
    client = fresh(app)
    assert 'lang="fr"' in client.get(f"/s/{link.token}?lang=fr").get_data(as_text=True)
    assert 'lang="fr"' in client.get(f"/s/{link.token}", headers={"Accept-Language": "ar"}).get_data(as_text=True)


def test_a_member_may_skip_questions_but_not_all(app, link):
    response = fresh(app).post(f"/s/{link.token}", data={"hopeful": "4"})
    assert response.status_code == 303
    empty = fresh(app).post(f"/s/{link.token}", data={"comment": "   "})
    assert empty.status_code == 422 and "Please answer at least one question." in empty.get_data(as_text=True)
    with app.app_context():
        assert [(a.question, a.value) for a in SurveyAnswer.select()] == [("hopeful", 4)]


def test_survey_pages_are_discreet(app, link):
    response = fresh(app).get(f"/s/{link.token}")
    body = response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    with app.app_context():
        assert link.meeting.group.name not in body
    assert title.strip() == "Survey"
    assert 'href="https://www.google.com/search?q=weather"' in body
    assert not re.search(r'(src|href)="(https?:)?//(?!www\.google\.com/search)', body)  # nothing loaded from elsewhere
    assert body.count('type="radio"') == 20 and body.count("<legend>") == 4


def test_survey_requests_are_not_in_the_access_log():
    from peergroups.security import SurveyLogFilter

    def record(message):
        return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, None, None)

    survey_filter = SurveyLogFilter()
    assert not survey_filter.filter(record('127.0.0.1 - - [x] "POST /s/abcdefgh1234 HTTP/1.1" 303 -'))
    assert survey_filter.filter(record('127.0.0.1 - - [x] "GET /groups/ HTTP/1.1" 200 -'))
    assert any(isinstance(f, SurveyLogFilter) for f in logging.getLogger("werkzeug").filters)


@in_turns_and_at_once
def test_the_cap_holds_when_answers_arrive_at_the_same_instant(app, link):
    """Threads submit at once (SQLite and PostgreSQL): the cap of 12 present + 1 is never passed."""
    import threading

    app.config["SURVEY_RATE_LIMIT"] = "1000 per minute"
    clients = [fresh(app) for _ in range(20)]
    start = threading.Barrier(len(clients))
    statuses = []

    def answer(client):
        start.wait()
        statuses.append(client.post(f"/s/{link.token}", data=GOOD).status_code)

    threads = [threading.Thread(target=answer, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(statuses) == [303] * 13 + [409] * 7
    with app.app_context():
        assert SurveyResponse.select().count() == 13


def _proxy_rules():
    """The nginx location prefix and the Caddy path matcher the README documents for survey pages."""
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    nginx = re.search(r"`location (\S+) \{ access_log off;", readme).group(1)
    caddy = re.search(r"`log_skip (\S+)`", readme).group(1)
    return nginx, caddy


def test_every_request_a_survey_page_causes_is_under_the_documented_rules(app, link):
    """Proxy-log attack: the survey page fetched /static/* with Referer: /s/<token>, so a proxy that
    skips /s/ still logged the member's address and time. Every address a survey page (form, error,
    thank-you, language switch) makes the browser request must match the README's rules and the
    app's own log filter."""
    from urllib.parse import urljoin, urlsplit

    from peergroups.security import SurveyLogFilter

    nginx, caddy = _proxy_rules()
    client = fresh(app)
    pages = [f"/s/{link.token}", f"/s/{link.token}?lang=ar", "/s/unknownToken1"]
    response = client.post(f"/s/{link.token}", data={**GOOD, "useful": "9"})  # an invalid form: 422
    bodies = [client.get(page).get_data(as_text=True) for page in pages] + [response.get_data(as_text=True)]
    assert client.post(f"/s/{link.token}", data=GOOD).status_code == 303
    bodies.append(client.get(f"/s/{link.token}/thanks").get_data(as_text=True))
    requested = set()
    for body in bodies:
        for url in re.findall(r'(?:src|href|action)="([^"]*)"', body):
            url = urljoin(f"http://localhost/s/{link.token}", url.replace("&amp;", "&"))
            if urlsplit(url).netloc == "localhost":
                requested.add(urlsplit(url).path)
    assert any(path.endswith(".css") for path in requested) and any(path.endswith(".js") for path in requested)
    for path in requested:
        assert path.startswith(nginx) and fnmatch.fnmatch(path, caddy), path
        line = f'127.0.0.1 - - [x] "GET {path} HTTP/1.1" 200 -'
        assert not SurveyLogFilter().filter(logging.LogRecord("werkzeug", logging.INFO, "", 1, line, None, None))
    for path in [p for p in requested if p.startswith("/s/-/")]:
        with fresh(app).get(path) as asset:
            assert asset.status_code == 200
    assert fresh(app).get("/s/-/../config.py").status_code == 404
    assert not fnmatch.fnmatch("/static/app.css", caddy) and not "/static/app.css".startswith(nginx)


def test_the_comment_field_says_leaders_read_comments_as_written(app, link):
    page = fresh(app).get(f"/s/{link.token}?lang=es").get_data(as_text=True)
    assert "tal como los escribes" in page
