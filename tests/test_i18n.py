"""Languages: catalogs complete, locale selection, direction, no text outside gettext."""
import pytest
from babel.messages.plurals import get_plural

from peergroups import create_app
from peergroups.i18n import LANGUAGES, compile_catalogs, match_locale
from peergroups.cli import ROOT
from peergroups.db import database

from .i18n_tools import extract

CATALOGS = ROOT / "translations"


@pytest.fixture(scope="module")
def pot(tmp_path_factory):
    return extract(tmp_path_factory.mktemp("pot") / "messages.pot")


def load_catalog(code):
    from babel.messages.pofile import read_po

    with open(CATALOGS / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=code)


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
def test_arabic_plural_forms_sit_where_babel_looks(app, n, expected):
    """Babel's Arabic rule puts 100-102 ("other") before 11-99 ("many"), unlike the usual order of
    the categories: translations written in the usual order print "11 عضو"."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("ar"):
        assert ngettext("%(num)d member", "%(num)d members", n) == expected


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
