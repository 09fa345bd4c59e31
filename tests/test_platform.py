"""The walking skeleton: configuration, health check, headers, error pages, size limit."""
import json

import pytest

from peergroups import create_app
from peergroups.db import database


def test_healthz_answers_when_database_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


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
    assert "<style" not in body and "style=" not in body and " on" not in body.split("<body")[1][:1]


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
