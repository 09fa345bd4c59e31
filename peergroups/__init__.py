"""peergroups: attendance, mentoring and anonymous feedback for peer support groups."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the app. Templates, static files, translations and migrations come from the checkout."""
    test_config = dict(test_config or {})
    from_env = not test_config.get("INSTANCE_PATH") and os.environ.get("PEERGROUPS_INSTANCE_PATH")
    instance_path = (
        test_config.pop("INSTANCE_PATH", None)
        or os.environ.get("PEERGROUPS_INSTANCE_PATH")
        or str(ROOT / "instance")
    )
    if from_env and not Path(instance_path).is_dir():
        from .db import ConfigurationError

        raise ConfigurationError(
            f"PEERGROUPS_INSTANCE_PATH={instance_path} does not exist: is its disk mounted? "
            f"(For a new installation, create it first: mkdir -p {instance_path})")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config["TRANSLATIONS_DIR"] = ROOT / "translations"

    from . import accounts, cli, config, db, i18n, logs, memory, pages, security, sessions
    app.jinja_environment = pages.Environment
    from .extensions import csrf, htmx, init_limiters

    config.load(app, test_config)
    memory.init_app(app)
    logs.init_app(app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    if db.is_sqlite() and app.config["REQUESTS_TAKE_TURNS"]:
        from .turns import TURNS

        app.wsgi_app = TURNS.wrap(app.wsgi_app)
    sessions.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    init_limiters(app)
    accounts.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    pages.init_app(app)
    cli.init_app(app)

    from .views import (
        account, agreements, auth, calendar, crisis, data, groups, incidents, main, meetings, members, mentoring,
        reports, results, settings, setup, staff, survey_admin, surveys,
    )

    setup.init_app(app)
    for blueprint in (main.bp, auth.bp, setup.bp, account.bp, staff.bp, groups.bp, meetings.bp,
                      members.bp, calendar.bp, mentoring.bp, surveys.bp, survey_admin.bp, crisis.bp, results.bp,
                      reports.bp, settings.bp, data.bp, agreements.bp, incidents.bp):
        app.register_blueprint(blueprint)
    return app
