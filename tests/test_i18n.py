"""Languages: catalogs complete, locale selection, direction, no text outside gettext."""
import re

import pytest
from babel import Locale
from babel.messages.plurals import get_plural

from peergroups import create_app
from peergroups.i18n import AUTONYMS, LANGUAGES, RTL, compile_catalogs, match_locale
from peergroups import ROOT
from peergroups.db import database

from .i18n_tools import extract

CATALOGS = ROOT / "translations"


@pytest.fixture(scope="module")
def pot(tmp_path_factory):
    return extract(tmp_path_factory.mktemp("pot") / "messages.pot")


def load_catalog(code):
    return load_po(CATALOGS / code / "LC_MESSAGES" / "messages.po", code)


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalog_is_complete(pot, code):
    catalog = load_catalog(code)
    wanted = {message.id for message in pot if message.id}
    missing = [m for m in wanted if isinstance(m, str) and m not in catalog or not isinstance(m, str) and m[0] not in catalog]
    assert not missing, f"{code} lacks {len(missing)} messages, e.g. {missing[:3]}"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms instead of {catalog.num_plurals}: {message.id!r}")
        for error in message.check(catalog):
            problems.append(f"{error}: {message.id!r}")
    assert not problems, f"{code}: " + "; ".join(problems[:10])


def test_plural_forms_follow_cldr():
    assert load_catalog("ar").num_plurals == 6
    assert load_catalog("uk").num_plurals == 3
    assert load_catalog("zh_Hans").num_plurals == 1
    for code in LANGUAGES:
        assert load_catalog(code).num_plurals == get_plural(code).num_plurals


@pytest.mark.parametrize("n, expected", [(2, "2 عضوان"), (3, "3 أعضاء"), (11, "11 عضوًا"), (99, "99 عضوًا"),
                                         (100, "100 عضو"), (102, "102 عضو")])
def test_arabic_plural_forms_sit_where_the_catalog_rule_looks(app, n, expected):
    """Babel 2.18's Arabic rule put 100-102 before 11-99 and 2.19's puts them in CLDR's order: each
    catalog must hold its forms in the order of its own Plural-Forms, or the app prints "11 عضو"."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("ar"):
        assert ngettext("%(num)d member", "%(num)d members", n) == expected


@pytest.mark.parametrize("code, n, expected", [("es", 1, "1 miembro"), ("es", 1_000_000, "1000000 miembros"),
                                               ("fa", 1, "1 عضو"), ("fa", 5, "5 عضو")])
def test_forms_that_babel_2_19_added_are_translated(app, code, n, expected):
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale(code):
        assert ngettext("%(num)d member", "%(num)d members", n) == expected


# Catalogs as Babel 2.18 wrote them: Spanish with two forms, Arabic with 100-102 in slot 4.
OLD_CATALOGS = {
    "es": ("nplurals=2; plural=(n != 1);", ["%(num)d miembro", "%(num)d miembros"]),
    "ar": ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
           "n%100>=0 && n%100<=2 ? 4 : 5);",
           ["%(num)d عضو", "عضو واحد", "عضوان", "%(num)d أعضاء", "%(num)d عضو", "%(num)d عضوًا"]),
}


@pytest.mark.parametrize("code", OLD_CATALOGS)
def test_translate_update_moves_catalogs_to_the_installed_plural_rules(tmp_path, code):
    """`flask translate update` after a Babel upgrade: the header follows the installed Babel and
    every number still reads as it did under the old rule."""
    import gettext

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from peergroups.cli import PLURAL_SAMPLES, follow_plural_rules

    header, forms = OLD_CATALOGS[code]
    catalog = Catalog(locale=code)
    catalog.mime_headers = [("Plural-Forms", header)]
    catalog.add(("%(num)d member", "%(num)d members"), tuple(forms))
    catalog.add("Members", "Miembros")
    path = tmp_path / "messages.po"
    with open(path, "wb") as handle:
        write_po(handle, catalog)

    assert follow_plural_rules(path) is True
    updated = load_po(path, code)
    rule = get_plural(code)
    assert (updated.num_plurals, updated.plural_expr) == (rule.num_plurals, rule.plural_expr)
    strings = updated.get("%(num)d member").string
    assert len(strings) == rule.num_plurals
    old, new = gettext.c2py(header.split("plural=")[1].rstrip(";")), gettext.c2py(rule.plural_expr)
    assert all(strings[new(n)] == forms[old(n)] for n in PLURAL_SAMPLES)
    assert updated.get("Members").string == "Miembros"
    assert follow_plural_rules(path) is False


def load_po(path, code):
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        return read_po(handle, locale=code)


@pytest.mark.parametrize("tag, expected", [
    ("zh-CN", "zh_Hans"), ("zh-Hans-CN", "zh_Hans"), ("zh_Hans", "zh_Hans"), ("zh-TW", None),
    ("pt-BR", "pt_BR"), ("pt", "pt_BR"), ("ar-EG", "ar"), ("fa-IR", "fa"), ("en-GB", "en"),
    ("xx", None), ("", None), ("../../etc", None), ("de", None),
])
def test_match_locale(app, tag, expected):
    with app.test_request_context():
        assert match_locale(tag) == expected


@pytest.mark.parametrize("code, lang, direction", [
    ("en", "en", "ltr"), ("ar", "ar", "rtl"), ("fa", "fa", "rtl"), ("pt_BR", "pt-BR", "ltr"),
    ("pt-BR", "pt-BR", "ltr"), ("zh-Hans", "zh-Hans", "ltr"), ("uk", "uk", "ltr"),
])
def test_html_lang_and_dir(client, code, lang, direction):
    body = client.get(f"/login?lang={code}").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in body


def test_lang_choice_is_remembered(client):
    client.get("/login?lang=fr")
    assert '<html lang="fr"' in client.get("/login").get_data(as_text=True)


def test_unknown_lang_gets_a_translated_message(client):
    client.get("/login?lang=es")
    response = client.get("/login?lang=klingon")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="es"' in body
    assert "idioma no está disponible" in body


def test_accept_language_then_organization_default(client, app):
    headers = {"Accept-Language": "de-DE,de;q=0.9,zh-CN;q=0.8,en;q=0.5"}
    assert '<html lang="zh-Hans"' in client.get("/login", headers=headers).get_data(as_text=True)
    from peergroups.models import Organization

    with app.app_context():
        Organization.update(default_locale="vi").execute()
    body = app.test_client().get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="vi"' in body


def test_account_language_beats_session_and_lang_updates_account(client, login, app):
    user = login("facilitator", locale="uk")
    assert '<html lang="uk"' in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    client.get("/?lang=fa")
    from peergroups.models import User

    with app.app_context():
        assert User.get_by_id(user.id).locale == "fa"


def test_language_switcher_names_languages_in_their_own_script(client):
    body = client.get("/login").get_data(as_text=True)
    for name in ("العربية", "فارسی", "中文", "Tiếng Việt", "Українська", "Soomaali", "Español"):
        assert name in body


def test_the_language_links_mark_the_page_language(client):
    """The links are rendered once per language and kept: each language's page marks its own."""
    for code, tag in [("ar", "ar"), ("pt_BR", "pt-BR"), ("ar", "ar"), ("en", "en")]:
        body = client.get(f"/login?lang={code}").get_data(as_text=True)
        current = [line for line in body.splitlines() if 'aria-current="true"' in line and "hreflang" in line]
        assert len(current) == 1 and f'hreflang="{tag}"' in current[0], (code, current)


def test_fresh_clone_compiles_catalogs_and_renders_spanish(tmp_path):
    """.mo files are not committed: the app compiles them at start."""
    import shutil

    copy = tmp_path / "translations"
    shutil.copytree(CATALOGS, copy, ignore=shutil.ignore_patterns("*.mo"))
    assert not list(copy.glob("*/LC_MESSAGES/*.mo"))
    compile_catalogs(copy)
    assert len(list(copy.glob("*/LC_MESSAGES/*.mo"))) == len(LANGUAGES)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i"),
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "d.db"), "BABEL_TRANSLATION_DIRECTORIES": str(copy),
    })
    body = app.test_client().get("/setup?lang=es").get_data(as_text=True)
    assert "Configurar peergroups" in body
    database.close()


def test_names_people_write_are_isolated_from_the_page_direction(app, client, login):
    """"Harbor (Tuesdays)" in an Arabic page keeps its brackets in order: user text sits in <bdi>."""
    user = login("facilitator")
    with app.app_context():
        from . import factories

        group = factories.group(name="Harbor (Tuesdays)", leads=[user])
        member = factories.member(group, name="Sam!", pronouns="they/them")
        meeting = factories.meeting(group)
    for url in ("/", f"/groups/{group.id}", f"/members/{member.id}", f"/meetings/{meeting.id}"):
        page = client.get(url + "?lang=ar").get_data(as_text=True)
        body = re.sub(r"<title>.*?</title>|<option[^>]*>.*?</option>", "", page, flags=re.S)
        assert body.count("Harbor (Tuesdays)") == body.count("<bdi>Harbor (Tuesdays)</bdi>") >= 1, url
    page = client.get(f"/meetings/{meeting.id}?lang=ar").get_data(as_text=True)
    assert '<bdi class="name">Sam!</bdi>' in page and "<bdi>they/them</bdi>" in page


@pytest.mark.parametrize("code", LANGUAGES)
def test_written_language_names_and_directions_are_babels(code):
    """AUTONYMS and RTL spare every process ten languages' locale data; they must say what Babel says."""
    locale = Locale.parse(code)
    assert AUTONYMS[code] == locale.display_name[:1].upper() + locale.display_name[1:]
    assert (code in RTL) == (locale.character_order == "right-to-left")
    assert set(AUTONYMS) == set(LANGUAGES)


@pytest.mark.parametrize("code", LANGUAGES)
def test_formatting_with_the_kept_locale_data_is_babels(app, code):
    """i18n keeps only FORMATTING_DATA of each language; every way pages format dates, times,
    months, numbers, percentages and lists gives what Babel gives with all of it."""
    import datetime
    from zoneinfo import ZoneInfo

    from babel import dates, lists, numbers
    from flask_babel import force_locale

    from peergroups import i18n

    full = Locale.parse(code)
    moments = [datetime.datetime(2026, month, 3 + month, 7 * month % 24, 5 * month % 60) for month in range(1, 13)]
    with app.test_request_context("/"), force_locale(code):
        for moment in moments:
            local = moment.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo("America/Chicago"))
            expected = (dates.get_datetime_format("medium", locale=full)
                        .replace("{1}", dates.format_date(local, "medium", locale=full))
                        .replace("{0}", dates.format_time(local, "short", locale=full)))
            assert i18n.local_datetime(moment, "America/Chicago") == expected
            assert i18n.local_time(moment, "Asia/Tehran") == dates.format_time(
                moment.replace(tzinfo=datetime.UTC), "short", tzinfo=ZoneInfo("Asia/Tehran"),
                locale=full)
            for form in ("full", "long", "medium", "short"):
                assert i18n.day(moment.date(), form) == dates.format_date(moment.date(), form, locale=full)
            assert i18n.month(moment.date()) == dates.format_skeleton("yMMMM", moment.date().replace(day=1), locale=full)
        for value in (0, 7, 1234, 98765.4321, 0.5):
            assert i18n.number(value) == numbers.format_decimal(value, "#,##0", locale=full)
            assert i18n.number(value, 1) == numbers.format_decimal(value, "#,##0.0", locale=full)
        for share in (0, 0.125, 0.5, 0.999, 1):
            assert i18n.percent(share) == numbers.format_percent(share, "#,##0%", locale=full)
        for items in (["Ana"], ["Ana", "Bo"], ["Ana", "Bo", "Cy", "Di"]):
            assert i18n.list_of(items) == lists.format_list(items, locale=full)
    assert set(i18n.formatting_locale(code)._data) <= set(i18n.FORMATTING_DATA)  # and nothing else is kept


def test_templates_translate_and_escape_as_jinja_newstyle_gettext_does(app):
    """Templates call the catalog directly (i18n._template_gettext): the translation, its
    variables escaped and formatted, plurals with num, literal text left as it is."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = ('{{ _("Led by %(names)s", names="<b>Ana & Bo</b>") }}|{{ ngettext("%(num)d member", '
            '"%(num)d members", 3) }}|{{ ngettext("%(num)d member", "%(num)d members", 1) }}|{{ _("Home") }}|'
            '{{ _("No such message: 100%% sure") }}|{{ _("No such message: <i>") }}|'
            '{% autoescape false %}{{ _("Led by %(names)s", names="<b>") }}{% endautoescape %}|'
            '{{ _("%(text)s %(eval_ctx)s", text="<t>", eval_ctx=1) }}|{{ ngettext("%(n)s", "%(n)s!", 2, n="x") }}')
    with app.test_request_context("/"), force_locale("es"):
        assert render_template_string(page).split("|") == [
            "Facilitado por &lt;b&gt;Ana &amp; Bo&lt;/b&gt;", "3 miembros", "1 miembro", "Inicio",
            "No such message: 100% sure", "No such message: <i>", "Facilitado por <b>", "&lt;t&gt; 1", "x!"]


def test_our_gettext_is_flask_babels(app):
    """i18n.gettext, ngettext and lazy_gettext read the catalog directly; they must say what
    Flask-Babel says, in the request's language, and leave messages as written outside an app."""
    import flask_babel
    from flask_babel import force_locale

    from peergroups import i18n

    lazy = i18n.lazy_gettext("Led by %(names)s", names="Ana")
    for code in ("es", "ar", "en"):
        with app.test_request_context("/"), force_locale(code):
            assert i18n.gettext("Home") == flask_babel.gettext("Home")
            assert i18n.gettext("Led by %(names)s", names="Ana") == flask_babel.gettext("Led by %(names)s", names="Ana")
            for n in (0, 1, 2, 11):
                assert i18n.ngettext("%(num)d member", "%(num)d members", n) == \
                    flask_babel.ngettext("%(num)d member", "%(num)d members", n)
            assert str(lazy) == flask_babel.gettext("Led by %(names)s", names="Ana")
    with app.test_request_context("/"), force_locale("es"):
        assert i18n.gettext("Home") == "Inicio"
    assert i18n.gettext("Led by %(names)s", names="Ana") == "Led by Ana"  # no app: as written
    # a message's variables may have any name, the functions' own included
    assert i18n.gettext("%(text)s", text="x") == "x" and str(i18n.lazy_gettext("%(text)s", text="y")) == "y"
    assert i18n.ngettext("%(num)d %(singular)s", "%(num)d %(plural)s", 2, singular="a", plural="b") == "2 b"
    assert i18n.ngettext("%(num)d member", "%(num)d members", 2) == "2 members"
