"""Every page at 360x740 in English and Arabic: accessible, no sideways scroll, right direction."""
import pytest

from .. import factories
from .checks import check_page, sign_in


@pytest.mark.parametrize("lang, direction", [("en", "ltr"), ("ar", "rtl")])
def test_sign_in_and_home(page, live_server, live_app, lang, direction):
    with live_app.app_context():
        user = factories.user(role="admin", email="pat@example.org", name="Pat")
    page.goto(f"{live_server}/login?lang={lang}")
    assert page.get_attribute("html", "dir") == direction
    check_page(page)
    page.click("main button[type=submit]")  # empty form: errors shown, nothing lost
    assert page.locator(".error").count() == 2
    check_page(page)
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.wait_for_url(f"{live_server}/")
    assert page.get_attribute("html", "lang") == lang
    check_page(page)


def test_error_page(page, live_server):
    page.goto(f"{live_server}/nowhere?lang=fa")
    assert page.get_attribute("html", "dir") == "rtl"
    check_page(page)
