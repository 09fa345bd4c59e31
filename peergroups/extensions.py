"""The Flask extension singletons, created once and bound to the app in create_app()."""
from functools import cached_property

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        from .i18n import CatalogDomain

        return CatalogDomain(domain=self.domain)


babel = _Babel()
csrf = CSRFProtect()
htmx = Htmx()
login_manager = LoginManager()
# No default limits: each limited route says its own. Storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Survey throttling keeps addresses in this process's memory only, even when RATELIMIT_STORAGE_URI
# points the login limits at Redis: its own instance, whose storage_uri wins over the setting.
survey_limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://",
                         key_prefix="survey")


def init_limiters(app):
    """Bind both limiters. Flask-Limiter also checks every request before its view for app-wide,
    default, blueprint and meta limits; we set none (each limit decorates its view, and the decorator
    checks it), so those checks are taken off while no such limit is set: they were a tenth of a
    small request's time."""
    for each in (limiter, survey_limiter):
        each.init_app(app)
        manager = each.limit_manager
        if not (manager.application_limits or manager.default_limits or manager._blueprint_limits
                or each._meta_limits):
            app.before_request_funcs[None].remove(each._check_request_limit)
