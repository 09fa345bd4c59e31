"""Backups and restores of a SQLite database: copies that are checked before they count, and a
restore that never mixes a backup with the old database's write-ahead log.

Both go through SQLite's online backup API, never a file copy: SQLite reads the source with its
own locks (its -wal included) and writes the destination through its pager, so a database in WAL
mode is copied whole and a restore replaces every page while the -wal and -shm files stay
SQLite's to manage. Copying a file over a database whose old -wal is still beside it is what
corrupts it; nothing here does that.
"""
import contextlib
import datetime
import errno
import os
import shutil
import sqlite3
from pathlib import Path

from .db import MIGRATIONS_DIR

SQLITE_HEADER = b"SQLite format 3\x00"
BACKUP_PATTERN = "peergroups-*.sqlite3"
# A file beside the database that every server process holds a shared lock on while it runs
# (taken at its first request); a restore takes it exclusively, so it cannot run under a server.
IN_USE_SUFFIX = ".in-use"


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why and what to do."""


def known_migrations():
    return sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))


def default_backup_name(now=None):
    now = now or datetime.datetime.now()
    return f"peergroups-{now:%Y%m%d-%H%M%S}.sqlite3"


def _same_file(a, b):
    try:
        return Path(a).resolve() == Path(b).resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _disk_problem(error, where):
    if isinstance(error, sqlite3.OperationalError) and "full" in str(error) or (
        isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
    ):
        return f"The disk holding {where} is full: free some space (or choose another place) and try again."
    if isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write to {where}: permission denied or a read-only file system."
    return f"Cannot write {where}: {error}"


def integrity_problem(conn, quick=False):
    """None when SQLite's integrity check passes, else what it found (first lines)."""
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if rows == ["ok"] else "; ".join(rows[:3])


def copy_database(source, dest_conn):
    """SQLite's online backup from the file SOURCE into an open connection, page batches at a
    time so a running app's writers are not held up."""
    with contextlib.closing(sqlite3.connect(str(source), timeout=30)) as src:
        src.execute("PRAGMA busy_timeout = 30000")
        src.backup(dest_conn, pages=1024)


def write_checked_copy(source, dest):
    """Copy the SQLite file SOURCE to DEST: into a temporary file beside DEST first, checked with
    PRAGMA integrity_check, made a single self-contained file (rollback journal, not WAL), then
    renamed into place. On any failure nothing is left at DEST and the temporary file is removed."""
    dest = Path(dest)
    if _same_file(source, dest) or _same_file(dest.parent, Path(source).parent) and dest.name in (
        f"{Path(source).name}{suffix}" for suffix in ("-wal", "-shm", "-journal", IN_USE_SUFFIX)
    ):
        raise BackupError(f"{dest} is the live database (or its journal): choose another file.")
    if dest.is_dir():
        raise BackupError(f"{dest} is a directory: give a file name, or use --dir.")
    if not dest.parent.is_dir():
        raise BackupError(f"The directory {dest.parent} does not exist (is the disk mounted?).")
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    try:
        with contextlib.closing(sqlite3.connect(str(partial))) as copy:
            copy_database(source, copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            problem = integrity_problem(copy)
        if problem:
            raise BackupError(f"The database is damaged, so the copy was not kept (integrity check: {problem}). "
                              "Restore the last good backup with 'flask --app app restore FILE'.")
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, dest)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(_disk_problem(error, dest.parent)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        for leftover in (Path(f"{partial}-journal"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return dest


def rotate(directory, keep):
    """Keep the newest KEEP backups named peergroups-*.sqlite3 in DIRECTORY; return those removed."""
    copies = sorted(Path(directory).glob(BACKUP_PATTERN), key=lambda p: p.name, reverse=True)
    removed = copies[keep:]
    for path in removed:
        path.unlink()
    return removed


def inspect_copy(conn):
    """What a restore needs to know about a database: its applied migrations. Raises BackupError
    when it is damaged, is not a peergroups database, or is newer than this code."""
    problem = integrity_problem(conn)
    if problem:
        raise BackupError(f"The file is damaged (integrity check: {problem}); nothing was changed.")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"schema_migration", "organization", "member"} <= tables:
        raise BackupError("The file is a SQLite database but not a peergroups one; nothing was changed.")
    applied = sorted(row[0] for row in conn.execute('SELECT name FROM "schema_migration"'))
    newer = sorted(set(applied) - set(known_migrations()))
    if newer:
        raise BackupError(f"The backup comes from a newer version of peergroups (it has {', '.join(newer)}): "
                          "upgrade the code first (git pull), then restore; nothing was changed.")
    return applied


def _check_is_sqlite(path):
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such file: {path}")
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database (a peergroups backup); nothing was changed.")


@contextlib.contextmanager
def exclusive_use(live):
    """Hold the database's in-use lock exclusively, or raise BackupError when a server holds it."""
    import fcntl

    with os.fdopen(os.open(f"{live}{IN_USE_SUFFIX}", os.O_RDONLY | os.O_CREAT, 0o600), "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                "A server is using this database: stop it first (for example 'sudo systemctl stop peergroups', "
                "or Ctrl+C in the terminal running 'flask run' or waitress), then run the restore again."
            ) from None
        yield


def hold_in_use(live):
    """For a server process: a shared lock held for the process's lifetime, so a restore knows the
    database is in use. Returns the open file (keep a reference), or None where flock is missing."""
    try:
        import fcntl
    except ImportError:  # not on Windows; restores there must be done with the server stopped
        return None
    try:  # read-only: the lock needs no write access, and a read-only remount is not held up
        handle = os.fdopen(os.open(f"{live}{IN_USE_SUFFIX}", os.O_RDONLY | os.O_CREAT, 0o600), "rb")
    except OSError:  # a read-only or missing directory: /healthz says so
        return None
    fcntl.flock(handle, fcntl.LOCK_SH)  # waits while a restore runs
    return handle


def restore(backup_file, live, aside_dir):
    """Replace the live SQLite database with BACKUP_FILE. Returns (aside copy or None, applied
    migrations of the restored database). Checks the backup first (integrity, our schema, not newer
    than the code), refuses while a server holds the database, keeps the current database aside."""
    backup_file, live, aside_dir = Path(backup_file), Path(live), Path(aside_dir)
    _check_is_sqlite(backup_file)
    if _same_file(backup_file, live):
        raise BackupError(f"{backup_file} is the live database itself; nothing was changed.")
    if not live.parent.is_dir():
        raise BackupError(f"The directory {live.parent} does not exist (is the disk mounted?).")
    staged = live.with_name(f".{live.name}.restoring-{os.getpid()}")
    try:
        with exclusive_use(live):
            with contextlib.closing(sqlite3.connect(str(staged))) as copy:
                try:
                    copy_database(backup_file, copy)
                except sqlite3.DatabaseError as error:
                    if "full" in str(error):
                        raise
                    raise BackupError(f"SQLite cannot read {backup_file} ({error}); nothing was changed.") from None
                applied = inspect_copy(copy)
            aside = None
            if live.exists() and live.stat().st_size > 0:
                aside_dir.mkdir(parents=True, exist_ok=True)
                aside = write_checked_copy_or_raw(live, aside_dir / f"before-restore-{default_backup_name()}")
            try:
                problem = _copy_into(staged, live)
            except sqlite3.DatabaseError:
                # The live file is too damaged for SQLite to write into: it is kept aside above,
                # so it and its journal files make way for a new file.
                for path in (live, Path(f"{live}-wal"), Path(f"{live}-shm")):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                problem = _copy_into(staged, live)
            if problem:
                raise BackupError(f"The restored database fails its integrity check ({problem}); "
                                  f"the previous one is kept at {aside}.")
    except (OSError, sqlite3.Error) as error:
        raise BackupError(_disk_problem(error, live.parent)) from None
    finally:
        for path in (staged, Path(f"{staged}-journal"), Path(f"{staged}-wal"), Path(f"{staged}-shm")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return aside, applied


def _copy_into(staged, live):
    with contextlib.closing(sqlite3.connect(str(live), timeout=30)) as target:
        target.execute("PRAGMA busy_timeout = 30000")
        copy_database(staged, target)
        target.execute("PRAGMA journal_mode = WAL")  # the app's mode, whatever the backup had
        return integrity_problem(target)


def write_checked_copy_or_raw(live, dest):
    """Keep the current database aside before a restore. A damaged database (the usual reason
    for a restore) cannot pass the integrity check, so it is then kept as SQLite can read it."""
    try:
        return write_checked_copy(live, dest)
    except BackupError:
        pass
    try:
        with contextlib.closing(sqlite3.connect(str(dest))) as copy:
            copy_database(live, copy)
            copy.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.DatabaseError:  # SQLite cannot read it at all: keep the files as they are
        dest.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{live}{suffix}").exists():
                shutil.copyfile(f"{live}{suffix}", f"{dest}{suffix}")
    return dest
