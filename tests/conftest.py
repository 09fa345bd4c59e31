"""Fixtures: an app on a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set),
migrated once per session into a template that each test copies (SQLite) or truncates (PostgreSQL)."""
import os
import shutil
import time

import pytest
from hypothesis import settings

from peergroups import create_app
from peergroups import db as dbmod
from peergroups.db import database
from peergroups.extensions import limiter, survey_limiter

from . import factories

PG_URL = os.environ.get("TEST_DATABASE_URL")

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


# Cheap hashing in tests; test_accounts checks the real parameters once.
FAST_HASH = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}


def reset_postgres(url):
    pg = dbmod.make_database(url)
    with pg.connection_context():
        pg.execute_sql("DROP SCHEMA public CASCADE")
        pg.execute_sql("CREATE SCHEMA public")
    pg.close()


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


def fresh_database_url(template_db, tmp_path):
    if PG_URL:
        pg = dbmod.make_database(PG_URL)
        with pg.connection_context():
            tables = [t for t in pg.get_tables() if t != "schema_migration"]
            if tables:
                pg.execute_sql(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
        pg.close()
        return PG_URL
    path = tmp_path / "test.sqlite3"
    shutil.copy(template_db.removeprefix("sqlite:///"), path)
    return "sqlite:///" + str(path)


def make_app(template_db, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": fresh_database_url(template_db, tmp_path),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "AUTO_MIGRATE": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        **FAST_HASH,
        **overrides,
    }
    app = create_app(config)
    app.extensions["peergroups_migrated"] = True
    with app.app_context():
        limiter.reset()
        survey_limiter.reset()
    return app


@pytest.fixture
def app(template_db, tmp_path):
    """An app whose organization is set up (one admin exists, so no page leads to /setup)."""
    app = make_app(template_db, tmp_path)
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
def client(app):
    return app.test_client()


def sign_in(client, user):
    """Sign a user in without the form: what a successful login leaves in the session."""
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["signed_in"] = now
        session["seen"] = now
        session.permanent = True


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
