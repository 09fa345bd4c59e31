"""A member scans the QR code and answers on a 360 px phone, in English, Arabic and Chinese, with
and without JavaScript: survey page, thank-you page, and "already answered" when they come back."""
import pytest

from peergroups import surveys
from peergroups.attendance import local_today
from peergroups.models import SurveyAnswer, SurveyResponse

from .. import factories
from .checks import PHONE, check_page


@pytest.fixture
def token(live_app):
    with live_app.app_context():
        group = factories.group(name="Harbor Evening", languages="en,ar,zh_Hans")
        return surveys.open_link(factories.meeting(group, local_date=local_today(group.timezone)), 48).token


def answer_survey(page, base, token, lang, check):
    page.goto(f"{base}/s/{token}?lang={lang}")
    assert page.get_attribute("html", "lang") == lang.replace("_", "-")
    assert "Harbor Evening" not in page.title() and "Harbor Evening" not in page.content()
    check(page)
    for question, point in (("useful", 3), ("respected", 4), ("belong", 2), ("hopeful", 1)):
        page.click(f"label:has(#{question}-{point})")  # the whole label is the touch target
    page.fill("#comment", "شكرا 谢谢 thanks")
    page.click("form.survey button[type=submit]")
    page.wait_for_url(f"**/s/{token}/thanks")
    check(page)
    page.goto(f"{base}/s/{token}")
    assert page.locator("form.survey").count() == 0  # already answered, remembered in this browser
    check(page)


@pytest.mark.parametrize("lang", ["en", "ar", "zh_Hans"])
def test_scan_to_thank_you_on_a_phone(page, live_server, live_app, token, lang):
    answer_survey(page, live_server, token, lang, check_page)
    if lang == "ar":
        assert page.get_attribute("html", "dir") == "rtl"
    with live_app.app_context():
        assert SurveyResponse.select().count() == 1
        values = {a.question: a.value for a in SurveyAnswer.select() if a.value}
    assert values == {"useful": 4, "respected": 5, "belong": 3, "hopeful": 2}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_scan_to_thank_you_without_javascript(browser, live_server, live_app, token, lang):
    # axe needs JavaScript: the same pages were checked by the run above.
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    answer_survey(page, live_server, token, lang, lambda page: None)
    context.close()
    with live_app.app_context():
        assert SurveyResponse.select().count() == 1


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_custom_monthly_survey_on_a_phone(page, live_server, live_app, lang):
    """An organization's own survey (written in English and Spanish) on its monthly link: in Arabic
    the page is right to left while the English questions are marked as English, left to right."""
    import json

    from peergroups.models import Group, Survey

    from ..test_custom_surveys import DOC

    with live_app.app_context():
        survey = Survey.create(definition=json.dumps(DOC))
        group = factories.group(name="Harbor Evening", languages="en,ar")
        Group.update(periodic_survey=survey.id).where(Group.id == group.id).execute()
        token = surveys.open_periodic_link(Group.get_by_id(group.id)).token
    page.goto(f"{live_server}/s/{token}?lang={lang}")
    if lang == "ar":
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.get_attribute("fieldset:has(#q1-0)", "lang") == "en"
    check_page(page)
    for choice in ("q1-3", "q2-1", "q3-0", "q4-2"):
        page.click(f"label:has(#{choice})")
    page.click("form.survey button[type=submit]")
    page.wait_for_url(f"**/s/{token}/thanks")
    check_page(page)
    with live_app.app_context():
        values = {a.question: a.value for a in SurveyAnswer.select()}
        assert values == {"q1": 4, "q2": 2, "q3": 1, "q4": 3}
        assert {r.counts_for for r in SurveyResponse.select()} == {surveys.period_of(group)[0]}
