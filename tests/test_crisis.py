"""Crisis lines: admins keep them per language with a fallback; survey and meeting pages show them."""
import pytest

from peergroups import surveys
from peergroups.attendance import local_today
from peergroups.models import CrisisLine

from . import factories
from .routes import CONFIRMED


@pytest.fixture
def lines(app):
    with app.app_context():
        CrisisLine.create(locale="", name="Lifeline", phone="988", hours="24/7")
        CrisisLine.create(locale="es", name="Línea de la Vida", phone="800 911 2000", url="https://example.org/vida")


def test_an_admin_adds_and_removes_a_line(app, client, login):
    login("admin")
    data = {"locale": "ar", "name": "خط المساعدة", "phone": "+49 30 1234", "text_line": "", "url": "", "hours": ""}
    assert client.post("/admin/crisis-lines/", data=data).status_code == 303
    assert "خط المساعدة" in client.get("/admin/crisis-lines/").get_data(as_text=True)
    with app.app_context():
        line = CrisisLine.get(CrisisLine.locale == "ar")
    assert client.post(f"/admin/crisis-lines/{line.id}/delete", data=CONFIRMED).status_code == 303
    assert client.post(f"/admin/crisis-lines/{line.id}/delete", data=CONFIRMED).status_code == 404


@pytest.mark.parametrize("change", [{"name": ""}, {"locale": "xx"}, {"url": "javascript:alert(1)"},
                                    {"phone": "1" * 41}])
def test_bad_lines_answer_422_keeping_input(app, client, login, change):
    login("admin")
    data = {"locale": "", "name": "Lifeline", "phone": "988", "text_line": "", "url": "", "hours": "24/7", **change}
    response = client.post("/admin/crisis-lines/", data=data)
    assert response.status_code == 422 and "24/7" in response.get_data(as_text=True)
    with app.app_context():
        assert CrisisLine.select().count() == 0


def test_thank_you_page_shows_every_line_with_its_language_first(app, lines):
    with app.app_context():
        group = factories.group(languages="es,en")
        link = surveys.open_link(factories.meeting(group, local_date=local_today(group.timezone)), 48)
    spanish = app.test_client().get(f"/s/{link.token}/thanks").get_data(as_text=True)
    assert spanish.index("Línea de la Vida") < spanish.index("Lifeline")  # a reader of Spanish: theirs first
    french = app.test_client().get(f"/s/{link.token}/thanks?lang=fr").get_data(as_text=True)
    assert 'href="tel:988"' in french and french.index("Lifeline") < french.index("Línea de la Vida")


def test_lines_of_the_readers_language_come_first(app, lines):
    from peergroups.crisis import lines_for

    with app.app_context():
        CrisisLine.create(locale="ar", name="خط", phone="1")
        assert [line.name for line in lines_for("ar")] == ["خط", "Lifeline", "Línea de la Vida"]
        assert [line.name for line in lines_for("en")] == ["Lifeline", "خط", "Línea de la Vida"]


def test_the_meeting_screen_shows_the_lines(app, client, login, lines):
    user = login("facilitator")
    with app.app_context():
        meeting = factories.meeting(factories.group(leads=[user]))
    assert "Lifeline" in client.get(f"/meetings/{meeting.id}?lang=en").get_data(as_text=True)
