"""The feedback QR's presentation mode and the short code people can type: no look-alike
characters, any case, dashes and spaces ignored, and each wrong guess counts against the survey
rate limit (so a code cannot be found by trying while its link is open)."""
import re

import pytest

from peergroups import surveys
from peergroups.models import SurveyLink

from . import factories
from .test_surveys import meeting_today


@pytest.fixture
def opened(app, login):
    user = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[user])
        meeting = meeting_today(group)
        link = surveys.open_link(meeting, 48)
    return meeting, link


def test_a_link_has_a_short_code_without_look_alikes(app, opened):
    _meeting, link = opened
    assert re.fullmatch(f"[{surveys.CODE_ALPHABET}]{{{surveys.CODE_LENGTH}}}", link.short_code)
    assert not set("01258BGIOQSZL") & set(surveys.CODE_ALPHABET)
    # Guesses while a link is open (48 h) at the survey limit, against 1000 open links at once.
    guesses = 30 * 6 * 48
    assert 1000 * guesses / len(surveys.CODE_ALPHABET) ** surveys.CODE_LENGTH < 1e-3
    with app.app_context():
        codes = {surveys.new_short_code() for _ in range(200)}
    assert len(codes) == 200


def test_a_typed_code_in_any_case_leads_to_the_survey(app, opened):
    _meeting, link = opened
    typed = f" {link.short_code[:4].lower()}-{link.short_code[4:].lower()} "
    response = app.test_client().get(f"/s/{typed.strip()}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/s/{link.token}")
    assert app.test_client().get(f"/s/{link.short_code[:4]} {link.short_code[4:]}").status_code == 303
    with app.app_context():
        SurveyLink.update(closes_at=link.closes_at.replace(year=2000)) \
            .where(SurveyLink.id == link.id).execute()
    assert app.test_client().get(f"/s/{link.short_code}").status_code == 404  # a closed link's code opens nothing


def test_wrong_codes_count_against_the_survey_rate_limit(app):
    client = app.test_client()
    statuses = [client.get(f"/s/{'A' * 4}-{'C' * 3}{'D'}").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_feedback_shows_the_code_and_a_presentation_mode(client, opened):
    meeting, link = opened
    page = client.get(f"/meetings/{meeting.id}/feedback").get_data(as_text=True)
    spaced = f"{link.short_code[:4]}-{link.short_code[4:]}"
    assert f"/s/{spaced}" in page and f'href="/meetings/{meeting.id}/feedback/present"' in page
    present = client.get(f"/meetings/{meeting.id}/feedback/present").get_data(as_text=True)
    main = present.split("<main", 1)[1]
    assert "<nav" not in present and "<svg" in main and spaced in main
    assert 'class="present"' in present and "/static/present.js" in present
    assert f'href="/meetings/{meeting.id}/feedback"' in main  # the one way out


def test_presentation_mode_without_an_open_link_goes_back(app, client, login):
    user = login("facilitator")
    with app.app_context():
        meeting = meeting_today(factories.group(leads=[user]))
    response = client.get(f"/meetings/{meeting.id}/feedback/present")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/meetings/{meeting.id}/feedback")
