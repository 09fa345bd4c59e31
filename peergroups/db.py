"""The database: one proxy chosen at start, a connection per request, migrations and backups."""
import datetime
import threading
import weakref
from pathlib import Path

from flask import g, request
from peewee import DatabaseProxy, InterfaceError, OperationalError, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import parse
from playhouse.migrations import Runner

from . import ROOT

database = DatabaseProxy()

MIGRATIONS_DIR = ROOT / "migrations"
# An arbitrary constant that names our advisory lock on PostgreSQL.
PG_MIGRATION_LOCK = 7426_0001
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


def make_database(url):
    """Build the peewee database for a `sqlite:///path` or `postgresql://...` URL."""
    if url.startswith("sqlite:"):
        path = parse(url)["database"]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    if url.startswith(("postgres:", "postgresql:")):
        return PostgresqlDatabase(url.replace("postgres://", "postgresql://", 1))
    raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


def init_app(app):
    database.initialize(make_database(app.config["DATABASE_URL"]))
    app.extensions["peergroups_migrated"] = not app.config["AUTO_MIGRATE"]
    lock = threading.Lock()

    @app.before_request
    def _connect():
        if "peergroups_in_use" not in app.extensions and is_sqlite():
            with lock:
                if "peergroups_in_use" not in app.extensions:
                    _hold_in_use(app)
        if request.endpoint in ("static", "main.healthz"):
            return None  # static files need no database; the health check reports on it itself
        try:
            if not app.extensions["peergroups_migrated"]:
                with lock:
                    if not app.extensions["peergroups_migrated"]:
                        upgrade(Path(app.instance_path) / "backups")
                        app.extensions["peergroups_migrated"] = True
            database.connect(reuse_if_open=True)
        except (OperationalError, InterfaceError):
            app.logger.exception("The database cannot be reached")
            g.db_down = True  # so the error page does not try the database again
            from .pages import render_error

            return render_error(503)
        return None

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            database.close()


def _hold_in_use(app):
    """A serving process holds the database's in-use lock until it ends, so `flask restore`
    refuses to run under it (and a server started during a restore waits for it)."""
    from .backups import hold_in_use

    handle = hold_in_use(sqlite_path())
    app.extensions["peergroups_in_use"] = handle
    if handle is not None:
        weakref.finalize(app, handle.close)


def write_transaction():
    """A transaction for read-then-write: BEGIN IMMEDIATE on SQLite, so two writers queue
    instead of one failing at commit; PostgreSQL's default transaction otherwise."""
    if is_sqlite() and database.transaction_depth() == 0:
        return database.atomic(lock_type="IMMEDIATE")
    return database.atomic()


def lock_row(model, row_id):
    """Inside write_transaction(): make read-then-write on this row's children exact. SQLite's
    BEGIN IMMEDIATE already serializes writers; PostgreSQL needs a row lock (SELECT ... FOR UPDATE)."""
    if not is_sqlite():
        table = model._meta.table_name
        database.execute_sql(f'SELECT 1 FROM "{table}" WHERE id = %s FOR UPDATE', (row_id,))


def pending_migrations():
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    return [m.name for m in runner.status() if m.path and not m.applied]


def upgrade(backup_dir=None):
    """Apply pending migrations under a lock; on SQLite copy the file into backup_dir first."""
    if not pending_migrations():
        return []
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    with database.connection_context():
        if is_sqlite():
            if backup_dir is not None and runner.applied():
                stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
                backup(Path(backup_dir) / f"before-upgrade-{stamp}.sqlite3")
            # EXCLUSIVE: a second process waits here, then finds nothing pending.
            with database.atomic(lock_type="EXCLUSIVE"):
                return runner.up()
        database.execute_sql("SELECT pg_advisory_lock(%s)", (PG_MIGRATION_LOCK,))
        try:
            with database.atomic():
                return runner.up()
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (PG_MIGRATION_LOCK,))


def sqlite_path():
    """The live SQLite file's path (None on PostgreSQL)."""
    return Path(database.obj.database) if is_sqlite() else None


def backup(dest):
    """A checked copy of the live SQLite database at DEST (see backups.write_checked_copy)."""
    if not is_sqlite():
        raise RuntimeError("backup() copies SQLite files; use pg_dump for PostgreSQL.")
    from .backups import write_checked_copy

    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    return write_checked_copy(sqlite_path(), dest)
