"""The reports page and the printable report at 360 px in English and Arabic: axe clean, no
sideways scrolling, charts drawn in the page's direction, and the print stylesheet leaves only the
report."""
import pytest

from .. import factories
from ..test_reports import Q1_ARGS, build_org
from .checks import check_page, sign_in


@pytest.mark.parametrize("lang, direction", [("en", "ltr"), ("ar", "rtl")])
def test_reports_and_printable_report(page, live_server, live_app, lang, direction):
    with live_app.app_context():
        user = factories.user(role="supervisor", email="sup@example.org", name="Sup")
        build_org()
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.goto(f"{live_server}/reports/?{Q1_ARGS}&lang={lang}")
    assert page.get_attribute("html", "dir") == direction
    assert page.locator("main svg[role=img]").count() >= 2
    assert page.locator("table.report").count() >= 7
    check_page(page)
    page.goto(f"{live_server}/reports/?period=range&from=2026-03&to=2026-01&lang={lang}")
    assert page.locator("[role=alert]").count() == 1
    check_page(page)
    page.goto(f"{live_server}/reports/print?{Q1_ARGS}&lang={lang}")
    assert page.get_attribute("svg[role=img]", "direction") == direction
    check_page(page)
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator(".no-print").is_visible()
    assert page.locator("h1").is_visible()
