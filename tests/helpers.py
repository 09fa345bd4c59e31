"""Helpers the tests import (fixtures live in conftest.py): an app on a copy of the migrated
template database, signing in without the form, and checks shared by several test files."""
import contextlib
import os
import re
import shutil
import subprocess
import time
from datetime import timedelta

import pytest

from peergroups import create_app
from peergroups import db as dbmod
from peergroups.extensions import limiter, survey_limiter

PG_URL = os.environ.get("TEST_DATABASE_URL")
DEMO_PASSWORD = "demo-pass-123"  # the demo accounts' password in tests

# Cheap hashing in tests; test_accounts checks the real parameters once.
FAST_HASH = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}


def reset_postgres(url):
    pg = dbmod.make_database(url)
    with pg.connection_context():
        pg.execute_sql("DROP SCHEMA public CASCADE")
        pg.execute_sql("CREATE SCHEMA public")
    pg.close()


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


# Tests of requests at the same moment run twice: taking turns, as one process on SQLite runs them
# (turns.py), and all at once, as several processes (or PostgreSQL) do.
in_turns_and_at_once = pytest.mark.parametrize("app", [{}, {"REQUESTS_TAKE_TURNS": False}],
                                               ids=["in turns", "all at once"], indirect=True)


def build_demo(app, *extra):
    """`flask demo` on the app's (empty) database; its output."""
    result = app.test_cli_runner().invoke(args=["demo", "--password", DEMO_PASSWORD, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def strip_tokens(page):
    """A page without its CSRF tokens, which carry the second they were made."""
    return re.sub(r'"X-CSRFToken": "[^"]*"|name="csrf_token" value="[^"]*"', "", page)


def make_app(template_db, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": fresh_database_url(template_db, tmp_path),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "AUTO_MIGRATE": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_SLOWDOWN_MAX_SECONDS": 0.01,  # the real wait is measured by nobody; its growth is tested
        **FAST_HASH,
        **overrides,
    }
    app = create_app(config)
    app.extensions["peergroups_migrated"] = True
    with app.app_context():
        limiter.reset()
        survey_limiter.reset()
    return app


def sign_in(client, user, remember=False):
    """Sign a user in without the form: what a successful login leaves (a device row on the server,
    its key in the session; with `remember` the remember-me token too). Returns the device row."""
    from flask import has_app_context

    from peergroups import devices
    from peergroups.accounts import REMEMBER_COOKIE
    from peergroups.models import utcnow

    app = client.application
    context = None if has_app_context() else app.app_context()
    if context:
        context.push()
    try:
        until = utcnow() + timedelta(days=app.config["REMEMBER_DAYS"]) if remember else None
        device, key, token = devices.start(user.id, "Test browser", until)
    finally:
        if context:
            context.pop()
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["signed_in"] = now
        session["seen"] = now
        session["device"] = key
        session.permanent = True
    if token:
        client.set_cookie(REMEMBER_COOKIE, token)
    return device


@contextlib.contextmanager
def small_file_system(path, size):
    """A real tmpfs of `size` ("64k", "2m") mounted at `path`, for full-disk tests; needs root and
    mount, and skips the test where that is not allowed."""
    import pytest

    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here: " + done.stderr.decode().strip())
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def damage(path):
    """Overwrite the member table's first page of a SQLite file, as a failing disk would."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'member'").fetchone()[0]
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)


def assert_no_inline_code(body):
    """What the CSP forbids: inline styles, event handler attributes and inline scripts."""
    tags = re.findall(r"<[a-zA-Z][^>]*>", body)
    assert tags, "no markup to check"
    assert not [t for t in tags if re.match(r"<style\b", t) or re.search(r"\sstyle=", t)]
    assert not [t for t in tags if re.search(r"\son[a-z]+=", t, re.I)]
    assert not [t for t in tags if re.match(r"<script\b", t) and "src=" not in t]


def serve_in_thread(app):
    """`app` on 127.0.0.1 and a free port, served by Werkzeug in a thread: (server, base URL).

    Each response is read whole before it is sent: when a browser drops a connection (a page it
    leaves while the icon loads), Werkzeug's development server does not close the file a static
    response was reading, and the warning about it would fail an unrelated test."""
    import threading

    from werkzeug.serving import make_server

    def buffered(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    server = make_server("127.0.0.1", 0, buffered, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"
