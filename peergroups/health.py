"""What /healthz reports: can the database be read and written, is there disk space, is a
migration pending, did SQLite's integrity check pass. Cheap enough for a monitor every few seconds:
the integrity check runs at the first probe and then at most once per INTEGRITY_SECONDS, or at
once after a request met a damaged page."""
import shutil
import sqlite3
import threading
import time

from peewee import DatabaseError

from . import db as dbmod
from .db import database


def new_state():
    """Per app: when the integrity check last ran and what it found."""
    return {"checked_at": None, "problem": None, "lock": threading.Lock(), "applied": frozenset()}


def note_damage(state, error):
    """A request met 'database disk image is malformed': check again at the next probe."""
    if isinstance(error, (DatabaseError, sqlite3.DatabaseError)) and "malformed" in str(error):
        state["checked_at"] = None


def _writable():
    """None when a write transaction can start. On SQLite, BEGIN IMMEDIATE takes the write lock
    without writing (a busy lock means another writer is writing: writable)."""
    if dbmod.is_sqlite():
        database.execute_sql("PRAGMA busy_timeout = 200")
        try:
            database.execute_sql("BEGIN IMMEDIATE")
            database.execute_sql("ROLLBACK")
        except DatabaseError as error:
            if "locked" in str(error) or "busy" in str(error):
                return None
            return f"database not writable: {error}"
        finally:
            database.execute_sql(f"PRAGMA busy_timeout = {dbmod.SQLITE_PRAGMAS['busy_timeout']}")
        return None
    if database.execute_sql("SHOW transaction_read_only").fetchone()[0] == "on":
        return "database not writable: the PostgreSQL server is read-only"
    return None


def _pending(state):
    """Pending migrations. The files are listed at each probe (cheap); the database is asked only
    when a file is not among the migrations it last reported applied."""
    files = {p.stem for p in dbmod.MIGRATIONS_DIR.glob("[0-9]*.py")}
    if files - state["applied"]:
        state["applied"] = frozenset(files) - frozenset(dbmod.pending_migrations())
    return sorted(files - state["applied"])


def _integrity_problem(state, every):
    """SQLite's quick_check, at most once per EVERY seconds (each process checks at its start)."""
    if not dbmod.is_sqlite():
        return None  # PostgreSQL checks its own pages (data checksums) and reports in its log
    with state["lock"]:
        checked = state["checked_at"]
        if checked is None or time.monotonic() - checked > every:
            try:
                rows = [row[0] for row in database.execute_sql("PRAGMA quick_check").fetchall()]
            except (DatabaseError, sqlite3.DatabaseError) as error:
                rows = [str(error)]
            state.update(checked_at=time.monotonic(), problem=None if rows == ["ok"] else "; ".join(rows[:3]))
    return f"database damaged: {state['problem']}" if state["problem"] else None


def check(config, state):
    """(problems, facts): problems is a list of short reasons, empty when healthy."""
    problems, facts = [], {}
    try:
        database.execute_sql("SELECT 1")
        problem = _writable()
        if problem:
            problems.append(problem)
        pending = _pending(state)
        facts["pending_migrations"] = len(pending)
        if pending:
            problems.append("migrations pending: " + ", ".join(pending))
        problem = _integrity_problem(state, config["HEALTH_INTEGRITY_SECONDS"])
        if problem:
            problems.append(problem)
    except (DatabaseError, sqlite3.DatabaseError) as error:
        note_damage(state, error)
        problems.append(f"database unreachable: {error}")
    if dbmod.is_sqlite():
        try:
            free_mb = shutil.disk_usage(dbmod.sqlite_path().parent).free // (1024 * 1024)
        except OSError as error:
            return [*problems, f"database directory unreachable: {error.strerror}"], facts
        facts["disk_free_mb"] = free_mb
        if free_mb < config["HEALTH_MIN_FREE_MB"]:
            problems.append(f"disk almost full: {free_mb} MB free, below {config['HEALTH_MIN_FREE_MB']} MB")
    return problems, facts
