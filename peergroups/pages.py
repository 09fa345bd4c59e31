"""Rendering: one helper decides between a full page and an htmx fragment; parts of pages kept
until the database changes; error pages."""
import threading
from types import FunctionType

from flask import current_app, make_response, render_template, request, url_for
from flask.templating import Environment as FlaskEnvironment
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2.runtime import Context as JinjaContext
from jinja2.utils import _PassArg
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError

from .i18n import gettext as _


_DICT_NAMES = frozenset(dir(dict))


class Context(JinjaContext):
    """Jinja's template context, calling a plain function (gettext, url_for, csrf_token: most calls
    in our templates) without looking for Jinja's markers twice first, on the function and on its
    __call__: a page makes a hundred such calls. Anything else is called as Jinja calls it."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if type(__obj) is not FunctionType:
            return super().call(__obj, *args, **kwargs)
        marker = getattr(__obj, "jinja_pass_arg", None)
        if marker is _PassArg.eval_context:
            args = (__self.eval_ctx, *args)
        elif marker is not None:
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


class Environment(FlaskEnvironment):
    """Flask's Jinja environment, reading `row.name` from a dict row without a failed attribute
    look-up first: Jinja tries getattr(row, "name"), which raises for a dict, before row["name"].
    A roster of rows read that way raised a hundred and fifty exceptions per page. The result is the
    same: a plain dict has no attribute beyond its methods, which are still looked up first. Its
    templates call functions through Context."""

    context_class = Context

    def make_globals(self, d):
        """A template's globals as one plain dict, not Jinja's ChainMap of its own over the
        environment's: Jinja copies that map, lists its keys and compares them with the context's in
        Python at every render and every macro import (3% of the meeting screen). The same names and
        values, since the environment's globals are complete before any template is loaded (Jinja
        asks that they not change after)."""
        return {**self.globals, **(d or {})}

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def wants_fragment():
    """A fragment for an htmx swap; the full page for boosts, history restores and plain GETs."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page, fragment=None, status=200, **context):
    """Render `page`, or only `fragment` (a template the page includes) for an htmx swap."""
    template = fragment if fragment and wants_fragment() else page
    return make_response(render_template(template, **context), status)


# Kept parts of pages per app, in characters (1 to 4 bytes each: 0.6 MB for English, up to 2.4 MB
# for some scripts): a small organization's report is about 55,000, a group's survey results about
# 10,000. A part larger than this is never kept.
KEPT_CHARS = 600_000
_kept_lock = threading.Lock()


def kept(template, stamp, make, *depends_on):
    """The HTML of `template` that `make()` renders, kept once made for this user, address, language
    (and whatever else `depends_on` names) until anything in the database changes: `stamp` is
    db.generation(), taken before anything the part shows was read (a change by another process
    counts). For the slow pages people open again and again with nothing changed in between: a
    report, released survey results. Nothing kept is shown to another user; with no stamp
    (PostgreSQL) nothing is kept. Only the part is kept: the menu, messages and form tokens around
    it are rendered every time."""
    key = (stamp, current_user.get_id(), str(get_locale()), template, request.script_root, request.path,
           request.query_string, *depends_on)
    store = current_app.extensions.setdefault("peergroups_kept", {})
    with _kept_lock:
        content = store.get(key) if stamp is not None else None
    if content is not None:
        return content
    content = Markup(make())
    if stamp is not None and len(content) <= KEPT_CHARS:
        with _kept_lock:
            # What was kept under an older generation is out of date; a full store starts again.
            # A part made under an older generation than what is kept (a slow request) is not kept.
            newest = max((old[0] for old in store), default=stamp)
            if newest <= stamp:
                if newest < stamp or sum(map(len, store.values())) + len(content) > KEPT_CHARS:
                    store.clear()
                store[key] = content
    return content


FRAGMENTS_KEPT = 200  # a few kilobytes each; the store starts again when full


def kept_fragment(*key, caller):
    """`{% call kept_fragment(*key) %}...{% endcall %}`: the HTML of the block, rendered once per
    app and `key`, for markup that depends on nothing else (the app's settings, templates and
    translations aside): an empty form's fields in one language. Rendering a form's fields costs
    more than the rest of a small page, and an empty one is the same on every visit. Never for
    anything of a person, a form token, or what was typed."""
    store = current_app.extensions.setdefault("peergroups_fragments", {})
    html = store.get(key)
    if html is None:
        html = caller()
        if len(store) >= FRAGMENTS_KEPT:
            store.clear()
        store[key] = html
    return html


ADDRESSES_KEPT = 4_000  # about 2 MB (500 bytes an address); the store starts again when full
ADDRESS_KEPT_CHARS = 200  # a longer address (a long value in it, typed by anyone) is built every time


def address_builder():
    """url_for for pages, which link to the same addresses on every request (a roster's members, a
    group's sections, the menu) while Flask builds each anew. An address depends only on the
    endpoint, its values and the path the app is served under, so it is built once and kept; one
    with options (_external, _anchor...) or values that are not plain is built every time. One
    builder (and store) per app: templates call it as url_for."""
    kept = {}

    def address(endpoint, **values):
        current = request._get_current_object()
        try:
            key = (current.script_root, endpoint, frozenset([(name, type(value), value) for name, value in values.items()]))
        except TypeError:  # a list of values for one query argument
            return url_for(endpoint, **values)
        if endpoint[0] == ".":  # relative to the current blueprint
            key += (current.blueprint,)
        found = kept.get(key)
        if found is None:
            found = url_for(endpoint, **values)
            if any(name[0] == "_" for name in values) or len(found) > ADDRESS_KEPT_CHARS:
                return found
            if len(kept) >= ADDRESSES_KEPT:
                kept.clear()
            kept[key] = found
        return found

    address.kept = kept  # for tests
    return address


def address(endpoint, **values):
    """The app's address builder (address_builder), for Python code."""
    return current_app.jinja_env.globals["url_for"](endpoint, **values)


def confirmed():
    """Whether a POST that destroys or cancels was confirmed (ask_first's page sends confirmed=1)."""
    return request.form.get("confirmed") == "1"


def ask_first(question, yes):
    """The page that asks before something is destroyed or cancelled, with or without JavaScript:
    its button sends the same form again, confirmed. Call it after the access checks, so nobody is
    asked about what they may not change."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in ("csrf_token", "confirmed")]
    back = request.referrer if (request.referrer or "").startswith(request.host_url) else url_for("main.index")
    return render("confirm.html", question=question, yes=yes, action=request.full_path.rstrip("?"),
                  fields=fields, back=back)


def error_messages():
    """Translated titles and explanations for the error pages (looked up at request time)."""
    return {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Not allowed"), _("You do not have permission to do that.")),
        404: (_("Page not found"), _("This page does not exist, or you do not have access to it.")),
        405: (_("Not allowed"), _("This address cannot be used that way.")),
        409: (_("Not saved"), _("This changed in the meantime. Please reload the page and try again.")),
        413: (_("Too much data"), _("What you sent is too large. Please shorten it and try again.")),
        422: (_("Please check your input"), _("Some of what you entered could not be used.")),
        429: (_("Too many attempts"), _("Please wait a few minutes before you try again.")),
        503: (_("Temporarily unavailable"), _("The service cannot reach its database right now. Please try again in a minute.")),
        500: (_("Something went wrong"), _("An unexpected error happened. Nothing was shown to anyone else. Please try again.")),
    }


def render_error(code, title=None, message=None):
    messages = error_messages()
    default_title, default_message = messages.get(code, messages[500])
    html = render_template(
        "errors/error.html", code=code, title=title or default_title, message=message or default_message
    )
    return make_response(html, code)


def isolate(text):
    """Text people wrote (a name), isolated from the page's direction inside a translated sentence:
    "Harbor (Tuesdays)" keeps its brackets in order in an Arabic page."""
    return Markup("<bdi>%s</bdi>") % text


def register_template_names(app):
    """Every name templates use beyond Flask's own, registered here and nowhere else."""
    from flask_babel import get_locale

    from . import i18n, labels, security
    from .forms import timezone_names
    from .sharing import phones_cannot_open, tel_href

    app.jinja_env.globals.update(
        labels.template_names(), url_for=address_builder(), kept_fragment=kept_fragment, get_locale=get_locale,
        language_name=i18n.native_name, timezone_names=timezone_names, nav_items=security.nav_items,
        menu_key=security.menu_key, phones_cannot_open=phones_cannot_open,
        may_edit_group=lambda group_id: security.may_see_group(group_id, edit=True))
    app.jinja_env.filters.update(
        local_datetime=i18n.local_datetime, local_time=i18n.local_time, day=i18n.day, month=i18n.month,
        list_of=i18n.list_of, number=i18n.number, percent=i18n.percent, language_name=i18n.native_name, tel=tel_href,
        bdi=isolate)
    app.context_processor(i18n.template_globals)


def init_app(app):
    register_template_names(app)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # A stale form (a phone left open, a server restart): explain and offer a retry.
        return render_error(
            400,
            _("This form has expired"),
            _("For your security, please reload the page and try again. Nothing was saved."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code if error.code in error_messages() else 400)
        for name in ("Allow", "Retry-After"):
            if error.get_headers() and name in dict(error.get_headers()):
                response.headers[name] = dict(error.get_headers())[name]
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        # Never a traceback: the original error is logged by Flask before this runs.
        return render_error(500)
