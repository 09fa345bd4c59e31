"""flask commands: db upgrade, backup, demo, create-admin, reset-password, release-results, translate."""
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import ROOT, db as dbmod
from .db import database

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
    from .accounts import password_problem
    from .demo import DemoRefused, build_demo

    with current_app.test_request_context():
        weak = password_problem(password)
        weak = weak and str(weak)
    if weak:  # a warning, not a refusal: scripts that try the demo pass short passwords
        click.echo(f"Warning: {weak} Anyone who can reach this server can sign in with the demo accounts.", err=True)

    dbmod.upgrade(Path(current_app.instance_path) / "backups")
    try:
        with database.connection_context():
            summary = build_demo(password, scale=scale, focus_areas=current_app.config["MENTOR_FOCUS_AREAS"])
    except DemoRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(summary)


def _checked_password(password):
    from .accounts import password_problem

    with current_app.test_request_context():
        problem = password_problem(password)
        if problem:
            raise click.ClickException(str(problem))


@click.command("release-results")
@with_appcontext
def release_results_command():
    """Release the survey results that are due (closed links, ended months). Run it from cron,
    e.g. hourly: pages only read what has been released."""
    from .results import release_due

    with database.connection_context():
        release_due()
    click.echo("Survey results are released up to now.")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--organization", default="", help="Organization name, when none is set up yet.")
@with_appcontext
def create_admin_command(email, name, password, organization):
    """Create an administrator from the shell (instead of the /setup page)."""
    from . import accounts
    from .models import Organization
    from .organization import save_settings

    _checked_password(password)
    email = email.strip().lower()
    dbmod.upgrade(Path(current_app.instance_path) / "backups")
    with database.connection_context(), dbmod.write_transaction():
        if accounts.email_taken(email):
            raise click.ClickException(f"An account with {email} exists already: use reset-password.")
        if Organization.current() is None:
            save_settings({"name": organization or "Peer support", "default_locale": current_app.config["DEFAULT_LOCALE"],
                           "timezone": current_app.config["DEFAULT_TIMEZONE"]})
        accounts.create_user(email, name.strip(), "admin", password)
    click.echo(f"Administrator {email} created.")


@click.command("reset-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def reset_password_command(email, password):
    """Set a new password for EMAIL (and reactivate it): the way back in for a locked-out admin."""
    from .accounts import set_password
    from .models import User

    _checked_password(password)
    with database.connection_context():
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None:
            raise click.ClickException(f"No account with {email}.")
        set_password(user, password)
        User.update(active=True).where(User.id == user.id).execute()
    click.echo(f"New password set for {user.email}; their other sessions have ended.")


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
    """Extract, then merge new messages into every catalog (English is filled in as itself)."""
    _pybabel(*EXTRACT_ARGS)
    _pybabel("update", "-i", POT, "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")
    fill_source_catalog(ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po")
    for path in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        if follow_plural_rules(path):
            click.echo(f"{path.parent.parent.name}: plural forms now follow Babel {babel_version()}")


def fill_source_catalog(path):
    """The source language's catalog translates each message as itself."""
    from babel.messages.pofile import read_po, write_po

    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id and not any(message.string if isinstance(message.string, tuple) else [message.string]):
            message.string = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100)


# Numbers that meet every plural category of CLDR's rules (1,000,000 is Spanish and French "many").
PLURAL_SAMPLES = (*range(0, 1000), 1_000_000, 2_000_000, 1_000_000_000)


def follow_plural_rules(path):
    """Give the catalog at PATH the plural forms of the installed Babel; True when they changed.

    pybabel update keeps a catalog's old Plural-Forms header, so a newer Babel with other CLDR rules
    (2.19 gave Spanish a third form, Farsi a second, and put Arabic's 11-99 in another slot) would
    leave the catalogs behind. Each new form takes the text the old rule printed for a number that
    now falls in it, so every number reads as before until a translator refines the new form.
    """
    import gettext

    from babel.messages.plurals import get_plural
    from babel.messages.pofile import read_po, write_po

    with open(path, "rb") as handle:
        catalog = read_po(handle)
    rule = get_plural(catalog.locale)
    if (catalog.num_plurals, catalog.plural_expr) == (rule.num_plurals, rule.plural_expr):
        return False
    old, new = gettext.c2py(catalog.plural_expr), gettext.c2py(rule.plural_expr)
    samples = [next(n for n in PLURAL_SAMPLES if new(n) == form) for form in range(rule.num_plurals)]
    for message in catalog:
        if message.pluralizable and isinstance(message.string, (list, tuple)):
            message.string = tuple(message.string[old(n)] for n in samples)
    catalog.mime_headers = [("Plural-Forms", rule.plural_forms)]
    with open(path, "wb") as handle:
        write_po(handle, catalog)  # pybabel's own width, so the diff shows only the plural forms
    return True


def babel_version():
    from importlib.metadata import version

    return version("babel")


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
    app.cli.add_command(create_admin_command)
    app.cli.add_command(reset_password_command)
    app.cli.add_command(release_results_command)
