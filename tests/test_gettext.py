"""No visible text outside gettext: every page rendered in a pseudo-locale that wraps each
translated message in ⟦…⟧; any visible text without the markers was not translated."""
import pytest

from peergroups import ROOT

from .helpers import assert_no_inline_code, make_app, sign_in
from .i18n_tools import PSEUDO, build_pseudo_catalog, extract, raw_text
from .routes import ANON, ROLES, ROUTES, is_html_page
from .world import build_world, fixture_texts


@pytest.fixture(scope="module")
def pseudo_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pseudo")
    extract(directory / "messages.pot")
    build_pseudo_catalog(directory / "messages.pot", directory)
    return directory


@pytest.fixture
def pseudo_app(template_db, tmp_path, pseudo_dir):
    from peergroups.i18n import LANGUAGES

    app = make_app(
        template_db, tmp_path,
        LANGUAGES=(*LANGUAGES, PSEUDO),
        BABEL_TRANSLATION_DIRECTORIES=f"{pseudo_dir};{ROOT / 'translations'}",
    )
    with app.app_context():
        from . import factories

        factories.organization()
        factories.user(role="admin", email="owner@example.org", name="Owner")
    return app


# Every HTML page (the health check answers JSON).
GET_PAGES = [(row[1], role) for row in ROUTES if row[0] == "GET" and is_html_page(row[1])
             for role in ROLES if row[2][role] == 200]


@pytest.mark.parametrize("template, role", GET_PAGES, ids=[f"{t} as {r}" for t, r in GET_PAGES])
def test_page_text_goes_through_gettext(pseudo_app, template, role):
    client = pseudo_app.test_client()
    with pseudo_app.app_context():
        world = build_world()
        allowed = fixture_texts(world)
    if role != ANON:
        sign_in(client, world["users"][role])
    url = template.format(**world)
    response = client.get(url + ("&" if "?" in url else "?") + "lang=" + PSEUDO)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'lang="{PSEUDO}"' in body
    found = raw_text(body, allowed)
    assert not found, "text outside gettext:\n" + "\n".join(found)
    assert_no_inline_code(body)  # the CSP would block it


@pytest.mark.parametrize("code", [404, 405, 413, 500])
def test_error_pages_go_through_gettext(pseudo_app, code):
    from peergroups.pages import render_error

    with pseudo_app.test_request_context(f"/?lang={PSEUDO}"):
        pseudo_app.preprocess_request()
        body = render_error(code).get_data(as_text=True)
    assert not raw_text(body, {"Test Peer Support"})


def test_the_checker_finds_raw_text():
    assert raw_text("<p>⟦Hello⟧</p><button aria-label='Close'>×</button>") == ["button[aria-label]: 'Close'"]
    assert raw_text("<p>Hello</p>")
    assert not raw_text("<p lang='ar'>العربية</p><p>⟦a⟧ 12:30</p>")
