"""No silent empty database: a typo'd DATABASE_URL, a database directory that is not there (an
unmounted disk), a missing instance directory, or a lost or emptied database file stop the app
with a clear message instead of starting it empty at /setup. A first run still just works."""
import contextlib
import gc
import os
import sqlite3
from pathlib import Path

import pytest

from peergroups import create_app
from peergroups.db import MARKER, ConfigurationError, database

from .helpers import FAST_HASH, PG_URL

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite files")


def config(tmp_path, **extra):
    return {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False, **FAST_HASH, **extra}


def files_under(path):
    return sorted(str(p.relative_to(path)) for p in Path(path).rglob("*"))


@pytest.mark.parametrize("url", [
    "sqlite:/srv/peergroups/db.sqlite3",   # one slash: peewee reads it as a relative path
    "sqlite://srv/peergroups/db.sqlite3",  # two: "srv" becomes a host and is dropped
    "sqlite:",                             # an in-memory database
    "sqlite:///",
    "postgresql:/peergroups",
    "postgresql://db.example.org",         # no database name
    "mysql://localhost/peergroups",
    "/srv/peergroups/db.sqlite3",
])
def test_a_malformed_database_url_stops_the_app(tmp_path, monkeypatch, url):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError) as refused:
        create_app(config(tmp_path, DATABASE_URL=url))
    message = str(refused.value)
    assert "DATABASE_URL" in message and "sqlite:///" in message and "postgresql://" in message
    assert [f for f in files_under(tmp_path) if not f.startswith("instance")] == []  # nothing created


def test_a_password_in_a_bad_url_is_not_repeated(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        create_app(config(tmp_path, DATABASE_URL="postgresql://app:hunter2@db.example.org"))
    assert "hunter2" not in str(refused.value)


def test_a_database_directory_that_is_not_there_stops_the_app(tmp_path):
    url = "sqlite:///" + str(tmp_path / "mnt" / "data" / "peergroups.sqlite3")
    with pytest.raises(ConfigurationError, match="does not exist: is its disk mounted"):
        create_app(config(tmp_path, DATABASE_URL=url))
    assert not (tmp_path / "mnt").exists()


def test_a_configured_instance_directory_that_is_not_there_stops_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERGROUPS_INSTANCE_PATH", str(tmp_path / "mnt" / "instance"))
    with pytest.raises(ConfigurationError, match="mkdir -p"):
        create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3")})
    assert not (tmp_path / "mnt").exists()


@sqlite_only
def test_a_first_run_still_creates_everything_and_leads_to_setup(tmp_path):
    """The default database lives in the instance directory, which a fresh clone does not have."""
    app = create_app(config(tmp_path))  # the default DATABASE_URL: instance/peergroups.sqlite3
    response = app.test_client().get("/")
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/setup")
    database.close()
    assert (tmp_path / "instance" / "peergroups.sqlite3").stat().st_size > 0
    assert (tmp_path / "instance" / MARKER).read_text().strip() == str(tmp_path / "instance" / "peergroups.sqlite3")


def started_then_lost(tmp_path, lose):
    """An installation that ran (and so left its marker), then lost its database file."""
    app = create_app(config(tmp_path))
    assert app.test_client().get("/healthz").status_code == 200
    assert app.test_client().get("/").status_code in (302, 303)
    database.close()
    live = tmp_path / "instance" / "peergroups.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    assert app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
    database.close()
    lose(live)
    del app
    gc.collect()  # that server has stopped: its in-use lock goes with it
    return live, backup


def remove(live):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)


def empty(live):
    remove(live)
    live.write_bytes(b"")


@sqlite_only
@pytest.mark.parametrize("lose", [remove, empty], ids=["missing", "empty"])
def test_a_lost_database_file_is_not_replaced_by_an_empty_one(tmp_path, lose):
    live, backup = started_then_lost(tmp_path, lose)
    size = live.stat().st_size if live.exists() else None
    app = create_app(config(tmp_path))
    problem = app.extensions["peergroups_database_problem"]
    assert "flask --app app restore" in problem
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["problems"] == [problem]
    for path in ("/", "/login", "/setup"):
        assert client.get(path).status_code == 503
    for command in (["db", "upgrade"], ["db", "status"], ["demo", "--password", "demo-pass-123"], ["backup"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code != 0 and "restore" in result.output, command
    database.close()
    assert (live.stat().st_size if live.exists() else None) == size  # nothing created or written
    # the way back: restore works where everything else refuses
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    database.close()
    app = create_app(config(tmp_path))
    assert app.test_client().get("/healthz").status_code == 200
    database.close()


def test_logs_can_go_to_a_file(tmp_path, monkeypatch):
    import logging

    monkeypatch.setattr(logging.getLogger("peergroups"), "disabled", False)  # other tests silence it
    log = tmp_path / "app.log"
    app = create_app(config(tmp_path, DATABASE_URL="sqlite:///" + str(tmp_path / "db.sqlite3"), LOG_FILE=str(log)))
    try:
        app.logger.warning("a line for the file")
        logging.getLogger("waitress").info("GET /s/secret-token HTTP/1.1")  # survey lines never
        assert "WARNING peergroups: a line for the file" in log.read_text()
        assert "/s/" not in log.read_text()
    finally:
        for name in ("peergroups", "waitress"):
            for handler in [h for h in logging.getLogger(name).handlers if getattr(h, "baseFilename", "") == str(log)]:
                logging.getLogger(name).removeHandler(handler)
                handler.close()
    with pytest.raises(ConfigurationError, match="cannot be written"):
        create_app(config(tmp_path, LOG_FILE=str(tmp_path / "missing" / "app.log")))


@sqlite_only
def test_an_existing_installation_gets_its_marker_at_its_first_request(template_db, tmp_path):
    from .helpers import make_app

    app = make_app(template_db, tmp_path)
    assert not (tmp_path / "instance" / MARKER).exists()
    app.test_client().get("/login")
    database.close()
    live = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    assert (tmp_path / "instance" / MARKER).read_text().splitlines() == [str(Path(live).resolve())]
    with contextlib.closing(sqlite3.connect(live)):
        pass
    os.remove(live)
    assert create_app(config(tmp_path, DATABASE_URL="sqlite:///" + live)).extensions["peergroups_database_problem"]
