"""/healthz tells the truth: 503 with a reason for a database that cannot be written, a full disk,
a pending migration or a damaged file; 200 otherwise. Real files, real small file systems."""
import contextlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from playhouse.migrations import Runner

from peergroups import create_app
from peergroups import db as dbmod
from peergroups.db import MIGRATIONS_DIR, database

from .helpers import PG_URL, damage, make_app, small_file_system

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite files")


def probe(app):
    response = app.test_client().get("/healthz")
    database.close()
    return response.status_code, response.get_json()


def test_healthy(app):
    status, body = probe(app)
    assert status == 200 and body["status"] == "ok" and body["pending_migrations"] == 0
    if not PG_URL:
        assert body["disk_free_mb"] > 0


def test_a_pending_migration_is_unhealthy(template_db, tmp_path):
    app = make_app(template_db, tmp_path)
    last = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))[-1]
    with app.app_context(), database.connection_context():
        history = Runner(database.obj, directory=str(MIGRATIONS_DIR)).History
        history.delete().where(history.name == last).execute()
    status, body = probe(app)
    assert status == 503 and body["status"] == "unavailable"
    assert body["problems"] == [f"migrations pending: {last}"] and body["pending_migrations"] == 1
    if PG_URL:  # the template is shared: put the row back
        with app.app_context(), database.connection_context():
            Runner(database.obj, directory=str(MIGRATIONS_DIR)).History.create(name=last)


@sqlite_only
def test_the_floor_for_free_space_is_a_setting(template_db, tmp_path):
    app = make_app(template_db, tmp_path, HEALTH_MIN_FREE_MB=10**9)  # a petabyte: never there
    status, body = probe(app)
    assert status == 503 and body["problems"][0].startswith("disk almost full")


@pytest.fixture
def small_fs(tmp_path):
    """A real small file system (tmpfs) to hold a copy of the test database."""
    with small_file_system(tmp_path / "fs", "2m") as mount:
        yield mount
        database.close()


def app_on(small_fs, template_db, tmp_path, **config):
    app = make_app(template_db, tmp_path, HEALTH_MIN_FREE_MB=1, **config)
    live = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    shutil.copyfile(live, small_fs / "db.sqlite3")
    app.config["DATABASE_URL"] = "sqlite:///" + str(small_fs / "db.sqlite3")
    return make_app(template_db, tmp_path, HEALTH_MIN_FREE_MB=1, DATABASE_URL=app.config["DATABASE_URL"], **config)


@sqlite_only
def test_a_full_disk_is_unhealthy(small_fs, template_db, tmp_path):
    app = app_on(small_fs, template_db, tmp_path)
    assert probe(app)[0] == 200
    filler = small_fs / "filler"
    with open(filler, "wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    status, body = probe(app)
    assert status == 503 and any(p.startswith("disk almost full: 0 MB free") for p in body["problems"]), body
    filler.unlink()
    assert probe(app)[0] == 200


@sqlite_only
def test_a_read_only_database_is_unhealthy(small_fs, template_db, tmp_path):
    app = app_on(small_fs, template_db, tmp_path)
    assert probe(app)[0] == 200
    # The kernel turns a failing disk read-only under open files; `mount` refuses while the pool
    # holds the database open, so the pooled connections go first.
    dbmod.release()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    status, body = probe(app)
    assert status == 503 and any("not writable" in p or "unreachable" in p for p in body["problems"]), body


@sqlite_only
def test_a_damaged_database_is_unhealthy_at_the_first_probe(template_db, tmp_path):
    app = make_app(template_db, tmp_path)
    live = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(live)) as conn, conn:
        conn.executemany("INSERT INTO member (name, locale, pronouns, phone, email, joined_on, archived, created_at) "
                         "VALUES (?, 'en', '', '', '', '2026-01-01', 0, '2026-01-01 10:00:00')",
                         [(f"M{i}",) for i in range(300)])
    damage(live)
    status, body = probe(app)
    assert status == 503 and any(p.startswith("database damaged") for p in body["problems"]), body


@sqlite_only
def test_the_integrity_check_is_not_run_at_every_probe(app, tmp_path):
    """It runs at the first probe; damage that appears later is found at the next period, or at
    once when a request has met it."""
    assert probe(app)[0] == 200
    state = app.extensions["peergroups_health"]
    first = state["checked_at"]
    assert first is not None
    assert probe(app)[0] == 200 and state["checked_at"] == first
    from peewee import DatabaseError

    from peergroups import health

    health.note_damage(state, DatabaseError("database disk image is malformed"))
    assert state["checked_at"] is None  # the next probe checks again


def test_an_unreachable_database_is_unhealthy(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "AUTO_MIGRATE": False,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": "sqlite:///" + str(tmp_path)})
    status, body = probe(app)
    assert status == 503 and body["problems"][0].startswith("database unreachable")
