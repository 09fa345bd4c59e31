"""The database: one proxy chosen at start, a connection per request, migrations and backups."""
import datetime
import shutil
import sqlite3
import subprocess
import threading
import weakref
from pathlib import Path
from urllib.parse import urlsplit

from flask import g, request
from peewee import DatabaseProxy, InterfaceError, OperationalError, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import parse
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from . import ROOT

class _DatabaseProxy(DatabaseProxy):
    def initialize(self, obj):
        try:
            current = object.__getattribute__(self, "obj")  # unset at first (a slot)
        except AttributeError:
            current = None
        if current is not None:
            release()  # the database being replaced closes its pooled connections first
        super().initialize(obj)


database = _DatabaseProxy()

MIGRATIONS_DIR = ROOT / "migrations"
# An arbitrary constant that names our advisory lock on PostgreSQL.
PG_MIGRATION_LOCK = 7426_0001
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


class Prepared:
    """A read (or a small write, with run()) that pages make on every request, compiled to SQL once
    per database and then run with new values. peewee builds a query's SQL anew at each run, and
    for the small queries of a page that costs several times what SQLite takes to answer them.

    `build(*values)` returns the peewee query. Each value is an int, a str, a date or a datetime
    that the query only compares with columns, a collection of ints for an IN list (compiled once
    per length), or None, which the query is built with (IS NULL, a filter left out: compiled once
    per pattern of Nones). No bool. Rows come back as the query gives them (models,
    tuples or dicts)."""

    BASE = -7_340_000_000_000  # marker values far from any id or count

    def __init__(self, build):
        self.build = build
        self.compiled = weakref.WeakKeyDictionary()  # database -> {shape: (query, sql, params, slots)}

    SCALARS = {
        int: lambda k: Prepared.BASE - k,
        str: lambda k: f"\x00prepared value {k}\x00",
        datetime.date: lambda k: datetime.date(1000, 1, 1) + datetime.timedelta(days=k),
        datetime.datetime: lambda k: datetime.datetime(1000, 1, 1) + datetime.timedelta(seconds=k),
    }

    @classmethod
    def _shape(cls, value):
        if value is None or type(value) in cls.SCALARS:
            return type(value)
        if isinstance(value, (tuple, list, set, frozenset)) and all(type(item) is int for item in value):
            return len(value)
        raise TypeError(f"Prepared queries take ints, strs, dates and collections of ints, not {value!r}")

    def _compile(self, shape):
        markers, flat = [], []
        for kind in shape:
            if kind is type(None):
                markers.append(None)
            elif kind in self.SCALARS:
                markers.append(self.SCALARS[kind](len(flat)))
                flat.append(markers[-1])
            else:  # an IN list of `kind` ints
                markers.append(tuple(self.BASE - len(flat) - i for i in range(kind)))
                flat.extend(markers[-1])
        query = self.build(*markers)
        sql, params = query.sql()
        where = {(type(marker), marker): index for index, marker in enumerate(flat)}
        slots = [(at, where[type(value), value]) for at, value in enumerate(params) if (type(value), value) in where]
        if {index for _at, index in slots} != set(range(len(flat))):
            raise ValueError("every value of a prepared query must appear in it as a parameter")
        return query, sql, params, slots

    def _execute(self, values):
        """(cursor, a function that makes a row of it what the query would give)."""
        entry, cursor = self._cursor(values)
        query, columns = entry[0], entry[4]
        wrapper = query._get_cursor_wrapper(cursor)
        # peewee works out how to turn the cursor's columns into rows when it reads the first row of
        # every run; the SQL is the same every time, so that is done once and kept.
        if columns is None:
            before = set(vars(wrapper))
            wrapper.initialize()
            entry[4] = {name: value for name, value in vars(wrapper).items() if name not in before}
        else:
            vars(wrapper).update(columns)
        return cursor, wrapper.process_row

    def _cursor(self, values):
        """(the compiled entry, the cursor of its SQL run with `values`)."""
        shape = tuple(self._shape(value) for value in values)
        by_shape = self.compiled.setdefault(database.obj, {})
        if shape not in by_shape:
            by_shape[shape] = [*self._compile(shape), None]
        entry = by_shape[shape]
        _query, sql, params, slots, _columns = entry
        flat = []
        for value in values:
            if type(value) in self.SCALARS:
                flat.append(value)
            elif value is not None:
                flat.extend(value)
        params = list(params)
        for at, index in slots:
            params[at] = flat[index]
        return entry, database.execute_sql(sql, params)

    def run(self, *values):
        """Run a write (an insert, an update) with `values`; nothing comes back."""
        self._cursor(values)[1].close()

    def rows(self, *values):
        """A list of every row."""
        cursor, row = self._execute(values)
        try:
            return [row(values) for values in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, *values):
        cursor, row = self._execute(values)
        try:
            values = cursor.fetchone()
            return None if values is None else row(values)
        finally:
            cursor.close()


_BY_ID = {}


def row_by_id(model, row_id):
    """model.get_or_none(model.id == row_id), prepared once per model (pages look rows up by id
    from their address on every request)."""
    if model not in _BY_ID:
        _BY_ID[model] = Prepared(lambda value: model.select().where(model.id == value).limit(1))
    return _BY_ID[model].first(int(row_id))


class ConfigurationError(ValueError):
    """A setting that would start the app on the wrong (usually a new, empty) database."""


URL_FORMS = ("sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3 or "
             "postgresql://user:password@host/database")


def check_url(url):
    """The URL as make_database takes it; ConfigurationError for a typo such as sqlite:/path, which
    peewee would quietly read as another (new, empty) file."""
    if url.startswith("sqlite:"):
        if not url.startswith("sqlite:///") or url == "sqlite:///":
            raise ConfigurationError(f"DATABASE_URL {url!r} is not a database address: write {URL_FORMS}.")
        return url
    if url.startswith(("postgres:", "postgresql:")):
        url = url.replace("postgres://", "postgresql://", 1)
        parts = urlsplit(url)
        if not url.startswith("postgresql://") or not parts.hostname and "host=" not in parts.query \
                or not parts.path.strip("/"):
            shown = url.replace(f":{parts.password}@", ":***@") if parts.password else url
            raise ConfigurationError(f"DATABASE_URL {shown!r} is not a database address: write {URL_FORMS}.")
        return url
    raise ConfigurationError(f"DATABASE_URL must start with sqlite:/// or postgresql://: write {URL_FORMS}.")


def make_database(url, pool=False):
    """Build the peewee database for a `sqlite:///path` or `postgresql://...` URL. With `pool`, a
    closed connection waits for the next request instead of being closed (the server's database:
    opening a SQLite file and setting its pragmas cost more than most pages' queries)."""
    url = check_url(url)
    if url.startswith("sqlite:"):
        kind, options = (PooledSqliteDatabase, {"max_connections": None}) if pool else (SqliteDatabase, {})
        return kind(parse(url)["database"], pragmas=SQLITE_PRAGMAS, check_same_thread=False, factory=_Connection,
                    **options)
    # A PostgreSQL server ends idle connections at its own pace: pooled ones are renewed hourly.
    kind, options = (PooledPostgresqlDatabase, {"max_connections": 32, "stale_timeout": 3600, "timeout": 10}) \
        if pool else (PostgresqlDatabase, {})
    pg = kind(url, **options)
    pg.peergroups_url = url  # for pg_dump before upgrades
    return pg


MARKER = "database-created"


def remember_database(instance_path):
    """Note in instance/ that this SQLite database exists and holds our schema, so that a missing or
    empty file later is a loss to report, not a first run."""
    path = sqlite_path()
    if path is None or not path.exists() or path.stat().st_size == 0:
        return
    marker = Path(instance_path) / MARKER
    known = marker.read_text().splitlines() if marker.exists() else []
    if str(path.resolve()) not in known:
        marker.parent.mkdir(parents=True, exist_ok=True)
        with open(marker, "a") as handle:
            handle.write(f"{path.resolve()}\n")


def sqlite_problem(url, instance_path):
    """Why the SQLite database at URL must not be opened (SQLite would quietly create an empty one),
    or None. Raises ConfigurationError when its directory is missing (an unmounted disk?); the
    instance directory itself is created, as on a first run."""
    path = Path(parse(url)["database"])
    if str(path) == ":memory:":
        return None
    if not path.parent.is_dir():
        if path.parent.resolve() != Path(instance_path).resolve():
            raise ConfigurationError(f"The directory {path.parent} of the database does not exist: is its disk "
                                     "mounted? (For a new installation, create it first.)")
        path.parent.mkdir(parents=True)
    marker = Path(instance_path) / MARKER
    if (not path.exists() or path.stat().st_size == 0) and marker.exists() \
            and str(path.resolve()) in marker.read_text().splitlines():
        state = "is missing" if not path.exists() else "is empty (0 bytes)"
        return (f"The database {path} {state}, but this installation had one ({marker} says so), so the app will "
                "not start on a new empty database. Put the disk or file back, or restore the latest backup "
                "(flask --app app restore FILE). To really start afresh, delete that line of the marker file.")
    return None


class _Connection(sqlite3.Connection):
    """A SQLite connection that remembers what generation() last read from it."""
    seen = None


_generation = 0
_generation_lock = threading.Lock()


def generation():
    """A number that moves on whenever the database may have changed since the last call, or None
    where no such number can be had (PostgreSQL): something computed from the database and kept
    under this number is current for as long as the number stays the same.

    SQLite tells a connection whether another connection, in this process or any other (the
    command line, a restore), has committed since it last asked (PRAGMA data_version), and counts
    the rows the connection changed itself (total_changes). A connection that sees either move,
    or is asked for the first time, moves the number on. Take the number before reading what is
    kept under it. Inside a transaction there is none (its reads may be older than the number)."""
    global _generation
    if not is_sqlite():
        return None
    connection = database.connection()
    if not isinstance(connection, _Connection) or connection.in_transaction:  # or not made by make_database
        return None
    state = (connection.execute("PRAGMA data_version").fetchone()[0], connection.total_changes)
    with _generation_lock:
        if connection.seen != state:
            connection.seen = state
            _generation += 1
        return _generation


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


def init_app(app):
    from . import health

    database.initialize(make_database(app.config["DATABASE_URL"], pool=True))
    problem = sqlite_problem(app.config["DATABASE_URL"], app.instance_path) if is_sqlite() else None
    app.extensions["peergroups_database_problem"] = problem
    if problem:
        app.logger.critical("%s", problem)
    app.extensions["peergroups_migrated"] = not app.config["AUTO_MIGRATE"]
    app.extensions["peergroups_health"] = health.new_state()
    lock = threading.Lock()

    @app.before_request
    def _connect():
        if request.endpoint == "static":
            return None  # static files need no database
        health_check = request.endpoint == "main.healthz"  # it reports on the database itself
        if app.extensions["peergroups_database_problem"]:
            if health_check:
                return None
            app.logger.critical("%s", app.extensions["peergroups_database_problem"])
            return _unavailable()  # nothing may open (and so create) the database file
        if "peergroups_in_use" not in app.extensions and is_sqlite():
            with lock:
                if "peergroups_in_use" not in app.extensions:
                    _hold_in_use(app)
        try:
            if not app.extensions["peergroups_migrated"]:
                with lock:
                    if not app.extensions["peergroups_migrated"]:
                        upgrade(Path(app.instance_path) / "backups")
                        app.extensions["peergroups_migrated"] = True
            if "peergroups_remembered" not in app.extensions and is_sqlite():
                remember_database(app.instance_path)
                app.extensions["peergroups_remembered"] = True
            if not health_check:
                database.connect(reuse_if_open=True)
        except MigrationRefused as refused:
            app.logger.critical("%s", refused)
            return None if health_check else _unavailable()
        except (OperationalError, InterfaceError, OSError):
            app.logger.exception("The database cannot be reached")
            return None if health_check else _unavailable()
        return None

    @app.teardown_request
    def _close(exc):
        if exc is not None:
            health.note_damage(app.extensions["peergroups_health"], exc)
        if not database.is_closed():
            database.close()


def release():
    """Close every connection of the current database, pooled ones too (before it is replaced, or
    when its file is about to be)."""
    if database.obj is None:
        return
    if hasattr(database.obj, "close_all"):
        database.obj.close_all()
    elif not database.is_closed():
        database.close()


def _unavailable():
    from .pages import render_error

    g.db_down = True  # so the error page does not try the database again
    return render_error(503)


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
