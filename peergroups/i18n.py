"""Languages: the supported set, how a request's language is chosen, text direction."""
import datetime
from functools import cache, lru_cache

import flask_babel
from babel import Locale, UnknownLocaleError, localedata
from babel.support import NullTranslations
from jinja2 import pass_eval_context
from markupsafe import Markup
from flask import current_app, flash, g, has_app_context, render_template, request, session
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user

from .extensions import babel

# Catalog names (Babel's form). <html lang> uses the BCP 47 form, see bcp47().
LANGUAGES = ("en", "es", "fr", "pt_BR", "ar", "fa", "zh_Hans", "vi", "uk", "so")


def supported():
    return current_app.config.get("LANGUAGES", LANGUAGES)


def bcp47(code):
    return str(code).replace("_", "-")


# Each shipped language's name in itself, as Babel's CLDR data writes it (a test keeps them equal).
# Every page's language links show all ten: written here, they do not load ten languages' locale
# data (about 1 MB each) into every server process.
AUTONYMS = {"en": "English", "es": "Español", "fr": "Français", "pt_BR": "Português (Brasil)", "ar": "العربية",
            "fa": "فارسی", "zh_Hans": "中文 (简体)", "vi": "Tiếng Việt", "uk": "Українська", "so": "Soomaali"}
RTL = frozenset({"ar", "fa"})  # likewise checked against Babel's character order


@cache
def is_rtl(code):
    code = str(code)
    return code in RTL if code in AUTONYMS else Locale.parse(code).character_order == "right-to-left"


@cache
def native_name(code):
    """The language's name in itself ("Português (Brasil)", "中文 (简体)")."""
    if code in AUTONYMS:
        return AUTONYMS[code]
    name = Locale.parse(code).display_name or code
    return name[:1].upper() + name[1:]


def match_locale(tag, available=None):
    """The supported catalog for a BCP 47 or Babel tag, or None.

    Same language wins; a script, when both sides name one, must agree (zh-TW is not zh_Hans);
    Babel fills in likely scripts, so zh-CN and zh-Hans-CN both reach zh_Hans."""
    available = available or supported()
    try:
        wanted = Locale.parse(str(tag).strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    if str(wanted) in available:
        return str(wanted)
    for code in available:
        candidate = Locale.parse(code)
        if candidate.language != wanted.language:
            continue
        if candidate.script and wanted.script and candidate.script != wanted.script:
            continue
        return code
    return None


def negotiate(accept_languages, available=None):
    for tag, _quality in accept_languages:
        code = match_locale(tag, available)
        if code:
            return code
    return None


def organization_default():
    from .models import Organization  # models import db; keep i18n importable without it

    ready = current_app.extensions.get("peergroups_migrated") and not g.get("db_down")
    org = Organization.current() if ready else None
    return (org and org.default_locale) or current_app.config["DEFAULT_LOCALE"]


def select_locale():
    """?lang= (stored by remember_lang) > account > session > Accept-Language > organization."""
    if g.get("survey_languages") is not None:
        return survey_locale(*g.survey_languages)
    if current_user and current_user.is_authenticated and current_user.locale in supported():
        return current_user.locale
    if session.get("lang") in supported():
        return session["lang"]
    return negotiate(request.accept_languages) or organization_default()


def survey_locale(group_languages, survey_languages):
    """Survey pages: a remembered choice > the phone's language when the survey is written in it
    (our own survey is in every language) > the group's first language > organization default."""
    if session.get("lang") in supported():
        return session["lang"]
    written = [code for code in survey_languages if code in supported()]
    ours = [code for code in group_languages if code in supported()]
    return negotiate(request.accept_languages, written) or (ours and ours[0]) or organization_default()


def use_survey_languages(group_languages, survey_languages):
    """Called by a survey view once it knows the group and survey: later gettext calls follow survey_locale."""
    from flask_babel import refresh

    g.survey_languages = (list(group_languages), list(survey_languages))
    refresh()


def remember_lang():
    """Before each request: a ?lang= choice goes to the session and, when signed in, the account."""
    raw = request.args.get("lang")
    if raw is None:
        return
    code = match_locale(raw)
    if code is None:
        flash(_l("That language is not available. Please choose one from the list."), "error")
        return
    session["lang"] = code
    if current_user.is_authenticated and current_user.locale != code:
        current_user.locale = code
        current_user.save(only=["locale"])


# The parts of a language's CLDR data that pages format with: dates, times, month names, numbers,
# percentages and lists. The rest (names of currencies, units, time zones, territories...) is about
# 1.5 MB per language in memory and is left on disk, so a process that has served all ten languages
# holds a tenth of what Babel would keep. A test formats every shipped language both ways.
FORMATTING_DATA = ("character_order", "date_formats", "time_formats", "datetime_formats", "datetime_skeletons",
                   "days", "months", "quarters", "eras", "day_periods", "day_period_rules", "number_symbols",
                   "decimal_formats", "percent_formats", "default_numbering_system", "numbering_systems",
                   "list_patterns", "week_data", "locale_id")


class _FormattingLocale(Locale):
    @property
    def _data(self):
        return self.formatting_data


@lru_cache(maxsize=64)
def formatting_locale(code):
    """A Babel locale for the formatting functions, holding only FORMATTING_DATA."""
    locale = _FormattingLocale.parse(str(code))
    with localedata._cache_lock:
        cached = set(localedata._cache)
        full = localedata.load(str(locale))
        locale.formatting_data = localedata.LocaleDataDict({key: full[key] for key in FORMATTING_DATA if key in full})
        for name in set(localedata._cache) - cached:  # what this call loaded (the language and its parents)
            del localedata._cache[name]
    return locale


def local_datetime(value, timezone=None):
    """A naive-UTC datetime shown in a time zone (a group's, else the organization's), in the
    user's language, in the one format every page uses: the medium date and the short time
    ("Dec 3, 2026, 6:30 PM"), never seconds."""
    if value is None:
        return ""
    return _local_datetime(locale_code(), value, timezone or organization_timezone())


@lru_cache(maxsize=4096)
def _local_datetime(locale, value, timezone):
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_time, get_datetime_format

    local = value.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(timezone))
    locale = formatting_locale(locale)
    return (get_datetime_format("medium", locale=locale)
            .replace("{1}", format_date(local, "medium", locale=locale))
            .replace("{0}", format_time(local, "short", locale=locale)))


def organization_timezone():
    from .models import Organization

    org = Organization.current() if current_app.extensions.get("peergroups_migrated") else None
    return (org and org.timezone) or current_app.config["DEFAULT_TIMEZONE"]


def local_time(value, timezone):
    """A naive-UTC datetime's time of day in a time zone, short ("6:30 PM"): never seconds, and no
    zone names (FORMATTING_DATA holds none)."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_time

    if value is None:
        return ""
    return format_time(value.replace(tzinfo=datetime.UTC), format="short", tzinfo=ZoneInfo(timezone),
                       locale=formatting_locale(locale_code()))


def day(value, format="full"):
    return _day(locale_code(), value, format) if value else ""


@lru_cache(maxsize=4096)  # pages list the same few dozen dates again and again
def _day(locale, value, format):
    from babel.dates import format_date

    return format_date(value, format=format, locale=formatting_locale(locale))


def month(value, locale=None):
    """A month and year ("March 2026") the way the user's language writes it (or `locale`'s)."""
    return _month(locale or locale_code(), value.year, value.month)


@lru_cache(maxsize=4096)  # a report names the same few dozen months in hundreds of cells
def _month(locale, year, number):
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", datetime.date(year, number, 1), locale=formatting_locale(locale))


def locale_code():
    """str(get_locale()), kept beside the request's locale object (checked by identity, so
    refresh() and force_locale() still count): tables format hundreds of numbers and months."""
    try:
        state = g._flask_babel
        cached = state.__dict__.get("peergroups_code")
        if cached is not None and cached[0] is state.babel_locale:
            return cached[1]
    except (AttributeError, RuntimeError):  # no locale chosen yet, or outside a request
        return str(get_locale())
    code = str(get_locale())
    state.peergroups_code = (state.babel_locale, code)
    return code


def number(value, decimals=0, locale=None):
    """A count or a mean in the user's language (digits, decimal sign), or `locale`'s."""
    return _number(locale or locale_code(), value, decimals)


@lru_cache(maxsize=4096)  # a report's table formats the same small numbers thousands of times
def _number(locale, value, decimals):
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=formatting_locale(locale))


def percent(value, locale=None):
    """A share (0..1) as a whole percentage in the user's language, or `locale`'s."""
    return _percent(locale or locale_code(), round(value, 4))


@lru_cache(maxsize=4096)
def _percent(locale, value):
    from babel.numbers import format_percent

    return format_percent(value, format="#,##0%", locale=formatting_locale(locale))


def list_of(items):
    """'A, B and C' in the user's language (Arabic and Chinese join lists differently)."""
    from babel.lists import format_list

    return format_list([str(item) for item in items], locale=formatting_locale(locale_code()))


def template_globals():
    code = locale_code()
    return {"html_lang": bcp47(code), "html_dir": "rtl" if is_rtl(code) else "ltr", "current_lang": code,
            "language_links": language_links}


_LANGUAGE_LINKS = {}


def language_links():
    """Every page's list of language links (_languages.html), the same for every page in one
    language: rendered once per language and kept."""
    key = (tuple(supported()), locale_code())
    if key not in _LANGUAGE_LINKS:
        entries = [(c, bcp47(c), native_name(c)) for c in key[0]]
        _LANGUAGE_LINKS[key] = Markup(render_template("_languages.html", languages=entries, current_lang=key[1]))
    return _LANGUAGE_LINKS[key]


class CatalogDomain(flask_babel.Domain):
    """Flask-Babel's message domain, keeping the request's catalog beside the locale it belongs to.
    A page calls gettext a hundred times or more, and Flask-Babel otherwise looks up the request's
    state, its locale and the catalog cache again at every call. The pair is checked by the
    locale object's identity, so refresh() and force_locale() still switch catalogs."""

    def get_translations(self):
        try:
            state = g._flask_babel
            locale, translations = state.peergroups_catalog
            if locale is state.babel_locale:
                return translations
        except (AttributeError, RuntimeError):  # no catalog or locale chosen yet, or outside a request
            pass
        translations = super().get_translations()
        state = g.get("_flask_babel") if g else None
        if getattr(state, "babel_locale", None) is not None:
            state.peergroups_catalog = (state.babel_locale, translations)
        return translations


def gettext(text, /, **variables):
    """Flask-Babel's gettext, read from the request's catalog directly: the same translation,
    without looking up the request's state, domain and catalog again at every call (forms, labels
    and menus resolve dozens of messages a page). Every module translates through these."""
    translated = _translations().ugettext(text)
    return translated % variables if variables else translated


def ngettext(singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


_UNTRANSLATED = NullTranslations()


def _translations():
    """The request's catalog; outside any app (a test, a script), none: messages as written, as
    Flask-Babel does."""
    return _catalog() if has_app_context() else _UNTRANSLATED


def lazy_gettext(text, /, **variables):
    """A message translated when it is shown, in the language of the request showing it."""
    return LazyString(gettext, text, **variables)


_l = lazy_gettext


def _catalog():
    return babel.domain_instance.get_translations()


def compile_catalogs(directory):
    """Compile every .po whose .mo is missing or older: .mo files are build output."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in directory.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)


def _formatted(eval_ctx, text, variables):
    """What Jinja's newstyle gettext makes of a translation: markup-safe in an autoescaped template,
    always a format string (its variables escaped)."""
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_eval_context
def _template_gettext(eval_ctx, text, /, **variables):
    return _formatted(eval_ctx, _catalog().ugettext(text), variables)


@pass_eval_context
def _template_ngettext(eval_ctx, singular, plural, n, /, **variables):
    variables.setdefault("num", n)
    return _formatted(eval_ctx, _catalog().ungettext(singular, plural, n), variables)


def init_app(app):
    try:
        compile_catalogs(app.config["TRANSLATIONS_DIR"])
    except OSError as error:  # a read-only checkout with compiled catalogs still works
        app.logger.warning("Could not compile translations: %s", error)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.config["TRANSLATIONS_DIR"]),
    )
    # Templates reach the catalog directly (Flask-Babel's own callables first look up the domain), and
    # in one call: Jinja's newstyle callables pass through three (an alias, a wrapper, the function).
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.before_request(remember_lang)
