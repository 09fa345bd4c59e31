"""Browser tests: a live server on a free port and the system Chromium (never `playwright install`).

They skip when Chromium is missing, unless PEERGROUPS_REQUIRE_BROWSER=1 (CI), when they fail."""
import os
import shutil

import pytest

from peergroups.db import database

from ..helpers import make_app, serve_in_thread
from .checks import PHONE
from .. import factories

CHROMIUM = os.environ.get("PEERGROUPS_CHROMIUM", "/usr/bin/chromium")



def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("PEERGROUPS_REQUIRE_BROWSER") == "1":
        return  # let them run and fail loudly
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if os.environ.get("PEERGROUPS_REQUIRE_BROWSER") == "1" and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is required (PEERGROUPS_REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _short_timeouts(request):
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(10_000)


@pytest.fixture
def live_app(template_db, tmp_path):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("browser tests run once, on SQLite")
    app = make_app(template_db, tmp_path)
    with app.app_context():
        factories.organization()
        factories.user(role="admin", email="owner@example.org", name="Owner")
    return app


@pytest.fixture
def live_server(live_app):
    """The app served by a real WSGI server on 127.0.0.1 and a free port, in a thread."""
    server, live_app.config["LIVE_URL"] = serve_in_thread(live_app)
    yield live_app.config["LIVE_URL"]
    server.shutdown()
    database.close()
