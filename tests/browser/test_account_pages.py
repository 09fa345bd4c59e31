"""Setup, staff and account pages on a phone, in English and Arabic: axe clean, no sideways scroll."""
import pytest

from .. import factories
from ..helpers import make_app, serve_in_thread
from .checks import check_page, sign_in


@pytest.fixture
def empty_app(template_db, tmp_path):
    return make_app(template_db, tmp_path)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_setup_wizard_on_a_phone(page, template_db, tmp_path, lang):
    app = make_app(template_db, tmp_path)
    server, base = serve_in_thread(app)
    try:
        page.goto(f"{base}/?lang={lang}")
        assert page.url.startswith(f"{base}/setup")
        check_page(page)
        page.fill("#code", "WRONG")
        page.fill("#organization", "Harbor Peers")
        page.click("main button[type=submit]")
        assert page.locator("#code-error").is_visible()
        assert page.input_value("#organization") == "Harbor Peers"  # nothing lost
        check_page(page)
        page.fill("#code", app.extensions["setup_code"])
        page.fill("#timezone", "Asia/Beirut")
        page.fill("#name", "Rana")
        page.fill("#email", "rana@example.org")
        page.fill("#password", "a long safe passphrase")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/")
        check_page(page)
    finally:
        server.shutdown()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_staff_pages_on_a_phone(page, live_server, live_app, lang):
    with live_app.app_context():
        factories.user(role="facilitator", email="fac@example.org", name="Farah")
    sign_in(page, live_server, "owner@example.org", factories.PASSWORD)
    page.goto(f"{live_server}/staff/?lang={lang}")
    check_page(page)
    page.click("a.button.primary")
    check_page(page)
    page.fill("#email", "newperson@example.org")
    page.click("main button[type=submit]")
    page.wait_for_selector("#share-url")  # shown in the answer to the POST, kept nowhere
    assert "/invite/" in page.input_value("#share-url")
    check_page(page)
    page.goto(f"{live_server}/staff/")
    page.click("text=Farah")
    check_page(page)
    page.goto(f"{live_server}/account/")
    check_page(page)
