"""Fixtures (helpers are in helpers.py): an app on a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set),
migrated once per session into a template that each test copies (SQLite) or truncates (PostgreSQL)."""
import os

import pytest
from hypothesis import settings

from peergroups import db as dbmod
from peergroups.db import database

from . import factories
from .helpers import PG_URL, build_demo, make_app, reset_postgres, sign_in

# Property tests: no deadline (CI machines vary); on CI a fixed seed so a run can be repeated.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_report_header():
    import subprocess
    from importlib.metadata import version

    chromium = "no /usr/bin/chromium"
    if os.path.exists("/usr/bin/chromium"):
        chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    return [f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}",
            f"browser: {chromium}; Playwright {version('playwright')}"]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """The migrated schema every test starts from: a SQLite file, or the PostgreSQL database."""
    if PG_URL:
        reset_postgres(PG_URL)
        url = PG_URL
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("template") / "template.sqlite3")
    database.initialize(dbmod.make_database(url))
    dbmod.upgrade()
    database.close()
    return url


@pytest.fixture
def app(template_db, tmp_path, request):
    """An app whose organization is set up (one admin exists, so no page leads to /setup). Settings
    of its own: `@pytest.mark.parametrize("app", [{...}], indirect=True)`."""
    app = make_app(template_db, tmp_path, **getattr(request, "param", {}))
    with app.app_context():
        factories.organization()
        factories.user(role="admin", email="owner@example.org", name="Owner")
    yield app
    database.close()


@pytest.fixture
def fresh_app(template_db, tmp_path):
    """An app on an empty database, as after installation."""
    yield make_app(template_db, tmp_path)
    database.close()


@pytest.fixture
def demo_app(fresh_app):
    """The demo organization (`flask demo`), as a new user's first minutes see it."""
    build_demo(fresh_app)
    return fresh_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app, client):
    """login("admin") creates a user with that role, signs them in and returns them."""

    def do_login(role_or_user="admin", **fields):
        user = role_or_user
        if isinstance(role_or_user, str):
            with app.app_context():
                user = factories.user(role=role_or_user, **fields)
        sign_in(client, user)
        return user

    return do_login
