"""Organization settings: admins change the name, default language, time zone and k; bad input
keeps what was typed and says why; the results pages apply the saved k."""
import datetime

import pytest

from peergroups.models import Organization

from . import factories

VALID = {"name": "Harbor Peer Support", "default_locale": "es", "timezone": "America/Chicago",
         "survey_min_responses": "7"}
RANGE_MESSAGE = "Please enter a whole number from 3 to 50."


def organization(app):
    with app.app_context():
        return Organization.current()


def test_the_page_shows_the_current_settings(app, client, login):
    login("admin", locale="en")
    body = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="Test Peer Support"' in body and 'value="UTC"' in body
    assert 'name="survey_min_responses"' in body and 'value="5"' in body and 'inputmode="numeric"' in body
    assert "protects small groups" in body and "never be lower than 3" in body
    assert 'aria-describedby="survey_min_responses-hint"' in body


def test_saving_changes_every_setting(app, client, login):
    login("admin", locale="en")
    response = client.post("/admin/settings", data={**VALID, "name": "  Harbor Peer Support  "})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/settings")
    assert "Your changes are saved." in client.get("/admin/settings").get_data(as_text=True)
    org = organization(app)
    assert (org.name, org.default_locale, org.timezone, org.survey_min_responses) == (
        "Harbor Peer Support", "es", "America/Chicago", 7)
    with app.app_context():
        assert Organization.select().count() == 1  # one organization per installation
    assert '<html lang="es"' in app.test_client().get("/login").get_data(as_text=True)  # the new default


@pytest.mark.parametrize("k, saved", [("3", 3), ("50", 50), (" 12 ", 12)])
def test_k_from_three_to_fifty_is_accepted(app, client, login, k, saved):
    login("admin", locale="en")
    assert client.post("/admin/settings", data={**VALID, "survey_min_responses": k}).status_code == 303
    assert organization(app).survey_min_responses == saved


@pytest.mark.parametrize("k", ["2", "0", "-5", "51", "1000", "abc", "4.5", "", "   ", "9" * 5000])
def test_k_out_of_range_or_not_a_number_is_refused_keeping_the_input(app, client, login, k):
    login("admin", locale="en")
    response = client.post("/admin/settings", data={**VALID, "survey_min_responses": k})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count(RANGE_MESSAGE) == 1 and 'aria-invalid="true"' in body
    assert f'value="{k.strip()}"' in body or not k.strip()  # what was typed is still there
    assert 'value="Harbor Peer Support"' in body and 'value="America/Chicago"' in body
    assert 'selected value="es"' in body
    org = organization(app)
    assert (org.name, org.survey_min_responses) == ("Test Peer Support", 5)  # nothing saved


def test_the_error_is_translated(app, client, login):
    login("admin", locale="en")
    response = client.post("/admin/settings?lang=fr", data={**VALID, "survey_min_responses": "2"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'lang="fr"' in body
    assert "Veuillez saisir un nombre entier de 3 à 50." in body and RANGE_MESSAGE not in body


@pytest.mark.parametrize("change", [{"name": ""}, {"name": "x" * 201}, {"default_locale": "de"},
                                    {"timezone": "Mars/Olympus"}])
def test_the_other_fields_are_checked_too(app, client, login, change):
    login("admin", locale="en")
    assert client.post("/admin/settings", data={**VALID, **change}).status_code == 422
    assert organization(app).name == "Test Peer Support"


def test_only_admins_see_the_settings_link(app, client, login):
    login("admin", locale="en")
    assert 'href="/admin/settings"' in client.get("/").get_data(as_text=True)
    for role in ("facilitator", "supervisor"):
        other = app.test_client()
        from .helpers import sign_in

        with app.app_context():
            sign_in(other, factories.user(role=role))
        assert 'href="/admin/settings"' not in other.get("/").get_data(as_text=True)


def test_the_results_pages_use_the_saved_k(app, client, login):
    """k applies when results are released: a release made under k = 6 hides 5 responses, one made
    after k is set to 3 shows them; what was released does not change afterwards."""
    from peergroups import results

    login("admin", locale="en")

    def five_responses(month):
        with app.app_context():
            group = factories.group()
            meeting = factories.meeting(group, local_date=datetime.date(2026, month, 3))
            for _ in range(5):
                factories.survey_response(meeting, 4)
            results.release_due()
        return f"/meetings/{meeting.id}/results"

    def count_shown(url):
        return "<strong>5</strong>" in client.get(url).get_data(as_text=True)

    assert client.post("/admin/settings", data={**VALID, "survey_min_responses": "6"}).status_code == 303
    hidden = five_responses(2)
    assert not count_shown(hidden) and "fewer than 6 responses" in client.get(hidden).get_data(as_text=True)
    assert client.post("/admin/settings", data={**VALID, "survey_min_responses": "3"}).status_code == 303
    assert count_shown(five_responses(3)) and not count_shown(hidden)


