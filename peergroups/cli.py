"""flask commands: db upgrade, backup, demo, create-admin, reset-password, translate."""
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import db as dbmod
from .db import database

ROOT = Path(__file__).resolve().parent.parent
db_cli = AppGroup("db", help="Database schema.")
translate_cli = AppGroup("translate", help="Translation catalogs (wraps pybabel).")


@db_cli.command("upgrade")
def db_upgrade():
    """Apply pending migrations (a SQLite file is copied into instance/backups first)."""
    applied = dbmod.upgrade(Path(current_app.instance_path) / "backups")
    click.echo("Applied: " + ", ".join(applied) if applied else "The database is up to date.")


@db_cli.command("status")
def db_status():
    """List migrations that are not applied yet."""
    pending = dbmod.pending_migrations()
    click.echo("Pending: " + ", ".join(pending) if pending else "The database is up to date.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path):
    """Copy the SQLite database to PATH while the app keeps running."""
    if not dbmod.is_sqlite():
        raise click.ClickException(
            "This installation uses PostgreSQL: back it up with pg_dump, e.g. "
            "pg_dump --format=custom --file=peergroups.dump DATABASE_URL"
        )
    with database.connection_context():
        dest = dbmod.backup(path)
    click.echo(f"Backup written to {dest}")


@click.command("demo")
@with_appcontext
@click.option("--password", required=True, help="Password for the three demo staff accounts.")
@click.option("--scale", default=1, type=click.IntRange(1, 500), help="Multiply the data for benchmarks.")
def demo_command(password, scale):
    """Fill an empty database with a believable demo organization."""
    from .demo import DemoRefused, build_demo

    dbmod.upgrade(Path(current_app.instance_path) / "backups")
    try:
        with database.connection_context():
            summary = build_demo(password, scale=scale)
    except DemoRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(summary)


def _pybabel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


POT = "translations/messages.pot"
EXTRACT_ARGS = ("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "_n:1,2",
                "--no-location", "--sort-output", "--project", "peergroups", "-o", POT, ".")


@translate_cli.command("extract")
def translate_extract():
    """Collect every message from the code and templates into translations/messages.pot."""
    _pybabel(*EXTRACT_ARGS)


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new messages into every catalog."""
    _pybabel(*EXTRACT_ARGS)
    _pybabel("update", "-i", POT, "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")


@translate_cli.command("compile")
def translate_compile():
    """Compile every catalog to .mo (the app also does this at start when needed)."""
    _pybabel("compile", "-d", "translations", "--statistics")


@translate_cli.command("init")
@click.argument("language")
def translate_init(language):
    """Start a catalog for a new LANGUAGE (Babel's code, e.g. de or pt_PT)."""
    _pybabel(*EXTRACT_ARGS)
    _pybabel("init", "-i", POT, "-d", "translations", "-l", language)


def init_app(app):
    app.cli.add_command(db_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(demo_command)
