"""The database: one proxy chosen at start, a connection per request, migrations and backups."""
import datetime
import shutil
import subprocess
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
        pg = PostgresqlDatabase(url.replace("postgres://", "postgresql://", 1))
        pg.peergroups_url = url.replace("postgres://", "postgresql://", 1)  # for pg_dump before upgrades
        return pg
    raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


def init_app(app):
    from . import health

    database.initialize(make_database(app.config["DATABASE_URL"]))
    app.extensions["peergroups_migrated"] = not app.config["AUTO_MIGRATE"]
    app.extensions["peergroups_health"] = health.new_state()
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
        except MigrationRefused as refused:
            app.logger.critical("%s", refused)
            g.db_down = True
            from .pages import render_error

            return render_error(503)
        except (OperationalError, InterfaceError):
            app.logger.exception("The database cannot be reached")
            g.db_down = True  # so the error page does not try the database again
            from .pages import render_error

            return render_error(503)
        return None

    @app.teardown_request
    def _close(exc):
        if exc is not None:
            health.note_damage(app.extensions["peergroups_health"], exc)
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


class MigrationRefused(Exception):
    """Migrations that did not run because no backup could be taken first; the message says how."""


def upgrade(backup_dir=None, take_backup=True):
    """Apply pending migrations under a lock. When the database already holds data, a backup goes
    into backup_dir first: a checked copy of a SQLite file, pg_dump's custom format on PostgreSQL
    (without pg_dump, the migration is refused with the command to take one by hand)."""
    if not pending_migrations():
        return []
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    with database.connection_context():
        needs_backup = backup_dir is not None and take_backup and runner.applied()
        if is_sqlite():
            if needs_backup:
                from .backups import BackupError

                try:
                    backup(Path(backup_dir) / f"before-upgrade-{stamp}.sqlite3")
                except BackupError as error:
                    raise MigrationRefused(f"No backup could be taken before migrating: {error}") from None
            # EXCLUSIVE: a second process waits here, then finds nothing pending.
            with database.atomic(lock_type="EXCLUSIVE"):
                return runner.up()
        if needs_backup:
            pg_dump(Path(backup_dir) / f"before-upgrade-{stamp}.dump")
        database.execute_sql("SELECT pg_advisory_lock(%s)", (PG_MIGRATION_LOCK,))
        try:
            with database.atomic():
                return runner.up()
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (PG_MIGRATION_LOCK,))


def pg_dump(dest):
    """pg_dump --format=custom into DEST (through a temporary file); MigrationRefused when it cannot."""
    url = database.obj.peergroups_url
    by_hand = ("take one by hand (pg_dump --format=custom --file=before-upgrade.dump \"$DATABASE_URL\"), "
               "then run 'flask --app app db upgrade --no-backup'")
    if shutil.which("pg_dump") is None:
        raise MigrationRefused("Migrations wait for a backup, and pg_dump is not installed "
                               f"(apt-get install postgresql-client): install it, or {by_hand}.")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    done = subprocess.run(["pg_dump", "--format=custom", f"--file={partial}", url], capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise MigrationRefused(f"Migrations wait for a backup, and pg_dump failed ({done.stderr.strip()}): "
                               f"fix that, or {by_hand}.")
    partial.replace(dest)
    return dest


def sqlite_path():
    """The live SQLite file's path (None on PostgreSQL)."""
    return Path(database.obj.database) if is_sqlite() else None


def backup(dest):
    """A checked copy of the live SQLite database at DEST (see backups.write_checked_copy)."""
    if not is_sqlite():
        raise RuntimeError("backup() copies SQLite files; use pg_dump for PostgreSQL.")
    from .backups import BackupError, write_checked_copy

    try:
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot create the directory {Path(dest).parent}: {error.strerror}") from None
    return write_checked_copy(sqlite_path(), dest)
