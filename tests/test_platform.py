"""The walking skeleton: configuration, health check, headers, error pages, size limit, memory."""
import json

import pytest

from peergroups import ROOT, create_app
from peergroups.db import database

from .helpers import assert_no_inline_code

GLIBC = pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="glibc's malloc only")


def test_healthz_answers_when_database_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok" and response.get_json()["pending_migrations"] == 0


def test_healthz_503_when_database_is_down(tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "AUTO_MIGRATE": False,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        # A directory where the database file should be: SQLite cannot open it.
        "DATABASE_URL": "sqlite:///" + str(tmp_path),
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    database.close()


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path / "inst"), "AUTO_MIGRATE": False,
              "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3")}
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert len(first) >= 64 and first == second
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0


def test_configuration_order(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text("DEFAULT_LOCALE = 'fr'\nPUBLIC_URL = 'https://from-file'\n")
    monkeypatch.setenv("PEERGROUPS_PUBLIC_URL", "https://from-env.example")
    monkeypatch.setenv("PEERGROUPS_AUTO_MIGRATE", "false")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "env.sqlite3"))
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "x", "IDLE_TIMEOUT_MINUTES": 5})
    assert app.config["DEFAULT_LOCALE"] == "fr"  # instance/config.py over defaults
    assert app.config["PUBLIC_URL"] == "https://from-env.example"  # environment over the file
    assert app.config["AUTO_MIGRATE"] is False  # JSON-parsed environment values
    assert app.config["DATABASE_URL"].endswith("env.sqlite3")
    assert app.config["IDLE_TIMEOUT_MINUTES"] == 5  # test_config last
    assert app.config["SESSION_COOKIE_SECURE"] is True  # an https PUBLIC_URL means Secure cookies


@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page", "/static/app.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    if not path.startswith("/static/"):
        assert response.headers["Cache-Control"] == "no-store"
    response.close()


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_survey_paths_keep_the_referrer_on_site(client):
    assert client.get("/s/unknown").headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(app, client, login):
    login("admin")
    response = client.get("/?lang=es")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_404_page_is_translated(client):
    response = client.get("/nowhere?lang=es")
    assert response.status_code == 404
    assert "Página no encontrada" in response.get_data(as_text=True)


def test_huge_body_is_refused_with_413(client):
    response = client.post("/login?lang=fr", data={"email": "a@b.c", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True)


def test_500_shows_no_traceback(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.logger.disabled = True
    response = client.get("/boom?lang=ar")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert 'dir="rtl"' in body


def test_method_not_allowed_is_a_page_not_a_crash(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "Allow" in response.headers


def test_htmx_config_is_strict(client):
    body = client.get("/login").get_data(as_text=True)
    config = json.loads(body.split("name=\"htmx-config\" content='")[1].split("'")[0])
    assert config["allowEval"] is False and config["historyCacheSize"] == 0
    assert config["selfRequestsOnly"] is True and config["includeIndicatorStyles"] is False
    assert {"code": "422", "swap": True} in config["responseHandling"]
    assert_no_inline_code(body)


@pytest.mark.parametrize("markup, wrong", [('<p style="color:red">', True), ('<a onclick="x()">', True),
                                           ("<script>alert(1)</script>", True), ("<style>p{}</style>", True),
                                           ('<script src="/static/htmx.min.js" defer></script>', False),
                                           ('<p class="online">', False)])
def test_the_inline_code_check_finds_what_the_csp_forbids(markup, wrong):
    if wrong:
        with pytest.raises(AssertionError):
            assert_no_inline_code(markup)
    else:
        assert_no_inline_code(markup)


def test_pages_answer_503_page_when_database_is_down(tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "AUTO_MIGRATE": False,
        "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": "sqlite:///" + str(tmp_path),
    })
    app.logger.disabled = True
    response = app.test_client().get("/login?lang=es")
    assert response.status_code == 503
    assert "Temporalmente" in response.get_data(as_text=True) or "<html" in response.get_data(as_text=True)
    database.close()


@pytest.mark.parametrize("path", [
    "/groups/abc", "/groups/99999999999999999999999", "/meetings/99999999999999999999999",
    "/members/99999999999999999999999", "/staff/99999999999999999999999", "/groups/-1",
    "/staff/links/99999999999999999999999", "/invite/%00", "/meetings/1/history/../../x",
])
def test_malformed_ids_are_not_found_never_500(client, login, path):
    login("admin")
    response = client.get(path + "?lang=uk")
    assert response.status_code == 404
    assert 'lang="uk"' in response.get_data(as_text=True)


def test_malformed_form_ids_are_refused(app, client, login):
    from . import factories as f

    login("admin")
    with app.app_context():
        group = f.group()
        meeting = f.meeting(group)
        member = f.member(group)
    for bad in ("99999999999999999999999", "-1", "1e3", ""):
        response = client.post(f"/meetings/{meeting.id}/marks", data={"member_id": bad, "state": "present"})
        assert response.status_code == 400
        assert client.post(f"/members/{member.id}/merge", data={"into": bad}).status_code == 400
        assert client.post(f"/members/{member.id}/groups", data={"group_id": bad}).status_code == 400


def readme_commands():
    """The shell commands of the README's "Set up" section, one per code block."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_ci_runs_the_readme_commands_word_for_word():
    venv, run, test = readme_commands()
    assert test.endswith("&& pytest") and run.endswith("flask --app app run")
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert venv in ci
    assert any(line == test or line.startswith(test + " ||") for line in ci)


def test_readme_installs_only_what_the_constraints_pin():
    """Every install line in the README uses constraints.txt, and that file pins every package our
    dependencies pull in, so a fresh machine installs the tested versions whatever is released."""
    import re
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    installs = re.findall(r"pip install -[^`\n]*", text)
    assert installs and all("-c constraints.txt" in line for line in installs), installs
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, pin = line.partition("==")
            pinned[canonicalize_name(name)] = pin
    wanted, seen = [("peergroups", frozenset({"test", "postgres", "redis"}))], set()
    unpinned = []
    while wanted:
        name, extras = wanted.pop()
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # an optional extra that is not installed here (e.g. redis)
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras or {""}):
                continue
            key = canonicalize_name(req.name)
            if key == "peergroups" or (key, frozenset(req.extras)) in seen:
                continue
            seen.add((key, frozenset(req.extras)))
            if key not in pinned:
                unpinned.append(key)
            wanted.append((req.name, frozenset(req.extras)))
    assert not unpinned, f"not pinned in constraints.txt: {sorted(set(unpinned))}"


def test_views_do_http_and_feature_modules_own_the_data():
    """The rule of README's "How the code is organized": no view queries or writes a model itself,
    and no blueprint imports another."""
    import re

    from peergroups import ROOT

    for path in sorted((ROOT / "peergroups" / "views").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        queries = re.findall(r"\b[A-Z][a-z]\w*\.(?:select|get_by_id|get_or_none|get|create|update|delete|insert\w*)\(", text)
        assert not queries, f"{path.name} reads or writes models itself: {queries}"
        assert not re.search(r"^\s*from \.(?!\.)", text, re.M), f"{path.name} imports another blueprint"


HASHING_MEMORY = r"""
import sys, tempfile, threading
from peergroups import config, create_app
from peergroups.accounts import hash_password
def rss_mib():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
d = tempfile.mkdtemp()
app = create_app({"DATABASE_URL": f"sqlite:///{d}/x.sqlite3", "INSTANCE_PATH": d, "SECRET_KEY": "x",
                  "ARGON2_MEMORY_COST": config.DEFAULTS["ARGON2_MEMORY_COST"]})
with app.app_context():
    hash_password("a warm-up passphrase")
before = rss_mib()
def sign_ins():
    with app.app_context():
        for _ in range(3):
            hash_password("a long safe passphrase")
threads = [threading.Thread(target=sign_ins) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(rss_mib() - before)
"""


@GLIBC
def test_a_server_gives_back_the_memory_of_each_password_hash(tmp_path):
    """Sign-ins on several threads leave the process its size (memory.give_hashing_memory_back):
    without it, glibc keeps 19 MiB per thread arena after the first hash on each."""
    import subprocess
    import sys

    from peergroups import config

    assert config.DEFAULTS["ARGON2_MEMORY_COST"] >= 16 * 1024  # the figure the check below relies on
    grown = subprocess.run([sys.executable, "-c", HASHING_MEMORY], cwd=ROOT, capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "MALLOC_ARENA_MAX": "4"}, check=True).stdout
    assert float(grown) < 8, f"the process grew by {float(grown):.0f} MiB after 12 hashes"


@GLIBC
def test_the_server_trims_its_heaps_every_so_many_requests(client, monkeypatch):
    from peergroups import memory

    monkeypatch.setattr(memory, "TRIM_EVERY", 2)
    before = memory.trims
    for _ in range(6):
        client.get("/healthz")
    assert memory.trims - before == 3
