"""`flask backup` and `flask restore` on real SQLite files: checked copies under write load, clear
refusals that change nothing, and the stale -wal that a file copy would mix into a restore."""
import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from peergroups.db import MIGRATIONS_DIR, database

from .helpers import PG_URL, damage, small_file_system

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite files (PostgreSQL: pg_dump, see test_db.py)")


def live_path(app):
    return Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))


def run(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    database.close()
    return result


def member_names(path):
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return sorted(row[0] for row in conn.execute('SELECT name FROM "member"'))


def add_members(path, names):
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany('INSERT INTO "member" (name, locale, pronouns, phone, email, joined_on, archived, created_at) '
                         "VALUES (?, 'en', '', '', '', '2026-01-01', 0, '2026-01-01 10:00:00')",
                         [(n,) for n in names])


def fingerprint(path):
    """The database's content as SQLite reads it (its -wal included)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


def integrity(path):
    with contextlib.closing(sqlite3.connect(path)) as conn:
        try:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            return str(error)


# --- backup -------------------------------------------------------------------------------------

def test_backup_writes_a_checked_single_file_copy(app, tmp_path):
    add_members(live_path(app), ["Ana", "Bo"])
    dest = tmp_path / "backup.sqlite3"
    result = run(app, "backup", str(dest))
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    assert integrity(dest) == "ok"
    assert member_names(dest) == ["Ana", "Bo"]
    with contextlib.closing(sqlite3.connect(dest)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no -wal to lose
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == ["backup.sqlite3"]


def test_backup_into_a_directory_names_it_and_keeps_the_newest(app, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    for stamp in ("20250101-000000", "20250102-000000", "20250103-000000"):
        (folder / f"peergroups-{stamp}.sqlite3").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup: never rotated")
    result = run(app, "backup", str(folder), "--keep", "2")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and "notes.txt" in names and "peergroups-20250103-000000.sqlite3" in names
    new = [n for n in names if n.startswith("peergroups-") and not n.startswith("peergroups-2025")]
    assert len(new) == 1 and integrity(folder / new[0]) == "ok"


def test_backup_without_a_path_goes_to_instance_backups(app):
    result = run(app, "backup")
    assert result.exit_code == 0, result.output
    copies = list((Path(app.instance_path) / "backups").glob("peergroups-*.sqlite3"))
    assert len(copies) == 1 and integrity(copies[0]) == "ok"


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_backup_refuses_to_write_over_the_live_database(app, suffix):
    live = live_path(app)
    add_members(live, ["Kept"])
    before = fingerprint(live)
    result = run(app, "backup", f"{live}{suffix}")
    assert result.exit_code != 0 and "live database" in result.output
    assert fingerprint(live) == before and integrity(live) == "ok"


def test_backup_of_a_damaged_database_fails_and_leaves_no_file(app, tmp_path):
    add_members(live_path(app), [f"M{i}" for i in range(200)])
    damage(live_path(app))
    dest = tmp_path / "backup.sqlite3"
    result = run(app, "backup", str(dest))
    assert result.exit_code != 0
    assert "damaged" in result.output and "Traceback" not in result.output
    assert list(tmp_path.glob("*backup.sqlite3*")) == []


def test_backup_to_a_missing_directory_says_so(app, tmp_path):
    result = run(app, "backup", str(tmp_path / "unmounted" / "b.sqlite3"))
    assert result.exit_code != 0 and "does not exist" in result.output
    assert not (tmp_path / "unmounted").exists()


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB file system (tmpfs)."""
    with small_file_system(tmp_path / "tiny", "64k") as mount:
        yield mount


def test_backup_on_a_full_disk_reports_it_and_leaves_nothing(app, tiny_disk):
    add_members(live_path(app), [f"Member {i} " + "x" * 60 for i in range(2000)])  # bigger than the disk
    result = run(app, "backup", str(tiny_disk / "backup.sqlite3"))
    assert result.exit_code != 0
    assert "full" in result.output and "Traceback" not in result.output, result.output
    assert list(tiny_disk.iterdir()) == []  # no 0-byte or partial file


def test_backup_under_write_load_holds_every_write_confirmed_before_it(app, tmp_path):
    live = live_path(app)
    confirmed, stop = [], threading.Event()

    def writer():
        with contextlib.closing(sqlite3.connect(live, timeout=30)) as conn:
            i = 0
            while not stop.is_set():
                with conn:
                    conn.execute('INSERT INTO "member" (name, locale, pronouns, phone, email, joined_on, archived, '
                                 "created_at) VALUES (?, 'en', '', '', '', '2026-01-01', 0, '2026-01-01 10:00:00')",
                                 (f"w{i}",))
                confirmed.append(f"w{i}")  # committed: it must be in any backup that starts later
                i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(confirmed) < 200:
            pass
        before_backup = list(confirmed)
        dest = tmp_path / "under-load.sqlite3"
        result = run(app, "backup", str(dest))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert integrity(dest) == "ok"
    in_backup = set(member_names(dest))
    assert set(before_backup) <= in_backup
    # ...and the round trip: restored, the database holds exactly the backup
    assert run(app, "restore", str(dest), "--yes").exit_code == 0
    assert set(member_names(live)) == in_backup and integrity(live) == "ok"


# --- restore ------------------------------------------------------------------------------------

def take_backup(app, dest):
    result = run(app, "backup", str(dest))
    assert result.exit_code == 0, result.output
    return dest


def test_restore_round_trip_keeps_the_current_database_aside(app, tmp_path):
    live = live_path(app)
    add_members(live, ["Before backup"])
    backup = take_backup(app, tmp_path / "b.sqlite3")
    add_members(live, ["After backup"])
    result = run(app, "restore", str(backup), input="y\n")
    assert result.exit_code == 0, result.output
    assert member_names(live) == ["Before backup"] and integrity(live) == "ok"
    with contextlib.closing(sqlite3.connect(live)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    aside = list((Path(app.instance_path) / "backups").glob("before-restore-*.sqlite3"))
    assert len(aside) == 1 and member_names(aside[0]) == ["After backup", "Before backup"]
    assert str(aside[0]) in result.output
    # the app reads the restored data
    client = app.test_client()
    assert client.get("/healthz").status_code == 200


def test_restore_asks_first(app, tmp_path):
    live = live_path(app)
    backup = take_backup(app, tmp_path / "b.sqlite3")
    add_members(live, ["Still here"])
    result = run(app, "restore", str(backup), input="n\n")
    assert result.exit_code != 0 and member_names(live) == ["Still here"]


def crash_with_unsaved_wal(path, names):
    """A server that wrote, then died (kill -9): its committed frames are still only in the -wal."""
    code = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "for n in sys.argv[2:]:\n"
        "    c.execute(\"INSERT INTO member (name, locale, pronouns, phone, email, joined_on, archived, created_at) "
        "VALUES (?, 'en', '', '', '', '2026-01-01', 0, '2026-01-01 10:00:00')\", (n,)); c.commit()\n"
        "c.execute(\"UPDATE member SET name = name || ' (edited)'\"); c.commit()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path), *names], check=True)
    assert Path(f"{path}-wal").stat().st_size > 0


def test_a_stale_wal_cannot_leak_into_a_restore(app, tmp_path):
    live = live_path(app)
    add_members(live, [f"Backed up {i}" for i in range(50)])
    backup = take_backup(app, tmp_path / "b.sqlite3")
    expected = fingerprint(backup)
    crash_with_unsaved_wal(live, [f"Crashed {i}" for i in range(300)])

    # What the README used to allow: copy the file over the database, the old -wal still beside it.
    naive = tmp_path / "naive"
    naive.mkdir()
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(f"{live}{suffix}", naive / f"db{suffix}")
    shutil.copyfile(backup, naive / "db")
    assert integrity(naive / "db") != "ok" or fingerprint(naive / "db") != expected  # mixed or corrupt

    result = run(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert integrity(live) == "ok" and fingerprint(live) == expected
    # what the crashed server had written is kept aside, not lost
    aside = next((Path(app.instance_path) / "backups").glob("before-restore-*.sqlite3"))
    assert "Crashed 299 (edited)" in member_names(aside)


def test_a_command_holding_the_database_open_sees_the_restore_whole(app, tmp_path):
    """A cron command (not a server) with the database open and its writes still in the -wal: the
    restore goes through SQLite's locks and WAL, so that process reads the backup, not a mix."""
    live = live_path(app)
    add_members(live, [f"Backed up {i}" for i in range(50)])
    backup = take_backup(app, tmp_path / "b.sqlite3")
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], timeout=30); c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "for i in range(300):\n"
        "    c.execute(\"INSERT INTO member (name, locale, pronouns, phone, email, joined_on, archived, created_at) "
        "VALUES (?, 'en', '', '', '', '2026-01-01', 0, '2026-01-01 10:00:00')\", (f'Later {i}',)); c.commit()\n"
        "print('written', flush=True); sys.stdin.readline()\n"
        "print(c.execute('PRAGMA integrity_check').fetchone()[0], c.execute('SELECT count(*) FROM member').fetchone()[0],"
        " flush=True)\n"
    )
    other = subprocess.Popen([sys.executable, "-c", code, str(live)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert other.stdout.readline().strip() == "written"
        assert Path(f"{live}-wal").stat().st_size > 0
        result = run(app, "restore", str(backup), "--yes")
        assert result.exit_code == 0, result.output
        out, _ = other.communicate("go\n", timeout=30)
    finally:
        other.kill()
        other.wait()
    assert out.split() == ["ok", "50"]
    assert integrity(live) == "ok" and fingerprint(live) == fingerprint(backup)


def test_restore_into_a_missing_database_file(app, tmp_path):
    live = live_path(app)
    add_members(live, ["Saved"])
    backup = take_backup(app, tmp_path / "b.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    result = run(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert member_names(live) == ["Saved"]


def test_restore_over_a_damaged_database(app, tmp_path):
    live = live_path(app)
    add_members(live, [f"M{i}" for i in range(200)])
    backup = take_backup(app, tmp_path / "b.sqlite3")
    damage(live)
    assert integrity(live) != "ok"
    result = run(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert integrity(live) == "ok" and len(member_names(live)) == 200


def refused(app, backup, *words):
    live = live_path(app)
    before = fingerprint(live)
    result = run(app, "restore", str(backup), "--yes")
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output
    assert fingerprint(live) == before  # nothing changed
    assert not list((Path(app.instance_path) / "backups").glob("before-restore-*"))
    assert not [p for p in live.parent.iterdir() if ".restoring-" in p.name]
    return result


def test_restore_refuses_a_file_that_is_not_a_database(app, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    refused(app, tmp_path / "notes.txt", "not a SQLite database")
    refused(app, tmp_path / "missing.sqlite3", "No such file")


def test_restore_refuses_a_database_that_is_not_ours(app, tmp_path):
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(other)) as conn, conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    refused(app, other, "not a peergroups")


def test_restore_refuses_a_damaged_backup(app, tmp_path):
    add_members(live_path(app), [f"M{i}" for i in range(200)])
    backup = take_backup(app, tmp_path / "b.sqlite3")
    damage(backup)
    refused(app, backup, "damaged")


def test_restore_refuses_a_backup_from_newer_code(app, tmp_path):
    backup = take_backup(app, tmp_path / "b.sqlite3")
    with contextlib.closing(sqlite3.connect(backup)) as conn, conn:
        conn.execute("INSERT INTO schema_migration (name, applied) VALUES ('9999_from_the_future', '2030-01-01')")
    refused(app, backup, "newer version", "9999_from_the_future")


def test_restore_refuses_the_live_database_itself(app):
    refused(app, live_path(app), "live database")


def test_restore_refuses_while_a_server_uses_the_database(app, tmp_path):
    backup = take_backup(app, tmp_path / "b.sqlite3")
    add_members(live_path(app), ["Current"])
    assert app.test_client().get("/login").status_code in (200, 302)  # this process now serves it
    refused(app, backup, "server is using this database", "systemctl stop")


def test_restore_refuses_while_another_process_serves_it(app, tmp_path):
    backup = take_backup(app, tmp_path / "b.sqlite3")
    code = ("import sys, time\nfrom peergroups.backups import hold_in_use\n"
            "h = hold_in_use(sys.argv[1]); print('serving', flush=True); time.sleep(60)\n")
    server = subprocess.Popen([sys.executable, "-c", code, str(live_path(app))], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "serving"
        refused(app, backup, "server is using this database")
    finally:
        server.kill()
        server.wait()
        server.stdout.close()
    assert run(app, "restore", str(backup), "--yes").exit_code == 0  # once it has stopped


def test_restore_of_an_older_backup_says_what_will_be_migrated(app, tmp_path):
    backup = take_backup(app, tmp_path / "b.sqlite3")
    last = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))[-1]
    with contextlib.closing(sqlite3.connect(backup)) as conn, conn:
        conn.execute("DELETE FROM schema_migration WHERE name = ?", (last,))
    result = run(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0 and last in result.output and "db upgrade" in result.output


def test_the_in_use_lock_file_is_not_a_backup_target(app):
    result = run(app, "backup", f"{live_path(app)}.in-use")
    assert result.exit_code != 0 and "live database" in result.output


def test_restore_refuses_a_file_sqlite_cannot_read(app, tmp_path):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x07" * 8000)  # the right header, then noise
    refused(app, garbage, "nothing was changed")
