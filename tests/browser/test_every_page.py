"""Every page of the access matrix that a role can open, at 360 px in English and Arabic: axe finds
nothing (target-size on) and nothing scrolls sideways. New routes join by getting a matrix row."""
import pytest

from ..routes import ADMIN, FACILITATOR, ROUTES, SUPERVISOR, is_html_page
from ..world import build_world
from .. import factories
from .checks import check_page

PAGES = sorted({(row[1], role) for row in ROUTES if row[0] == "GET" and is_html_page(row[1])
                for role in (ADMIN, FACILITATOR, SUPERVISOR) if row[2][role] == 200})


@pytest.fixture
def world(live_app):
    with live_app.app_context():
        world = build_world()
        for role, user in world["users"].items():
            user.email = f"{role}-browser@example.org"
            user.save()
        return world


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("role", [ADMIN, FACILITATOR, SUPERVISOR])
def test_every_page_is_accessible_on_a_phone(page, live_server, world, role, lang):
    page.goto(f"{live_server}/login?lang={lang}")
    page.fill("input[name=email]", f"{role}-browser@example.org")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    for template, page_role in PAGES:
        if page_role != role:
            continue
        url = live_server + template.format(**world)
        if template.startswith("/s/"):
            # A survey link has its own session (peergroups/sessions.py), apart from the staff
            # member's: there the language is chosen on the link itself, as a member would.
            url += f"?lang={lang}"
        page.goto(url)
        assert page.get_attribute("html", "lang") == lang
        check_page(page)
