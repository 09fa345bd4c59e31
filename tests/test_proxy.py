"""Behind a proxy (issue 15): the app itself trusts PROXY_HOPS hops of X-Forwarded-* (default 0:
the headers are ignored), so a client reaching the app directly cannot choose its own rate-limit
address, and behind a proxy every visitor is not one address."""
import pytest

from peergroups import config
from peergroups.db import database

from . import factories
from .helpers import make_app

WRONG = {"email": "owner@example.org", "password": "wrong password 1"}
GOOD = {"email": "owner@example.org", "password": factories.PASSWORD}


def proxied_app(template_db, tmp_path, hops):
    app = make_app(template_db, tmp_path, PROXY_HOPS=hops)
    with app.app_context():
        factories.organization()
        factories.user(role="admin", email="owner@example.org")
    return app


def post(app, forwarded_for, data, remote="127.0.0.1"):
    return app.test_client().post("/login", data=data, headers={"X-Forwarded-For": forwarded_for},
                                  environ_base={"REMOTE_ADDR": remote})


def test_by_default_forwarded_headers_are_ignored(template_db, tmp_path):
    assert config.DEFAULTS["PROXY_HOPS"] == 0
    app = proxied_app(template_db, tmp_path, 0)
    for n in range(10):  # a client that invents a new address for every guess
        assert post(app, f"203.0.113.{n}", WRONG, remote="198.51.100.9").status_code == 422
    assert post(app, "203.0.113.200", GOOD, remote="198.51.100.9").status_code == 429
    https = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in https.headers
    database.close()


def test_behind_one_proxy_each_visitor_counts_alone(template_db, tmp_path):
    app = proxied_app(template_db, tmp_path, 1)
    for _ in range(10):  # every request comes from the proxy at 127.0.0.1
        assert post(app, "203.0.113.7", WRONG).status_code == 422
    assert post(app, "203.0.113.7", GOOD).status_code == 429
    assert post(app, "192.0.2.1", GOOD).status_code == 303  # another visitor is not locked out
    # Only the hop the proxy added counts: what the client wrote before it is ignored.
    assert post(app, "203.0.113.99, 203.0.113.7", GOOD).status_code == 429
    https = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in https.headers
    database.close()


@pytest.mark.parametrize("hops", ["-1", "two"])
def test_a_bad_proxy_hops_setting_stops_the_start(template_db, tmp_path, hops):
    with pytest.raises(ValueError, match="PROXY_HOPS"):
        make_app(template_db, tmp_path, PROXY_HOPS=hops)


def test_pages_link_under_the_path_they_are_served_at(app, client, login):
    """Addresses are kept between requests (pages.address): one served under a path prefix links
    under it, and the same page at the root, asked for next, links to the root."""
    login("admin")
    with app.app_context():
        group = factories.group(name="Harbor")
        member = factories.member(group, name="Ana")
    for prefix in ("", "/pg", "", "/other/pg"):
        page = client.get(f"/groups/{group.id}", base_url=f"http://localhost{prefix}").get_data(as_text=True)
        assert f'href="{prefix}/members/{member.id}"' in page and f'href="{prefix}/reports/"' in page
        assert f'href="/members/{member.id}"' not in page or not prefix


def test_a_kept_address_is_what_url_for_builds(app):
    from flask import url_for

    from peergroups.pages import address

    cases = [("groups.show", {"group_id": 7}), ("groups.show", {"group_id": "7"}), ("main.index", {}),
             ("members.import_roster", {"group": 3}), ("members.import_roster", {"group": [3, 4]}),
             ("groups.show", {"group_id": 7, "_anchor": "members"}), ("groups.show", {"group_id": 7, "_external": True}),
             ("results.group", {"group_id": 2, "month": "2026-03"})]
    for base in ("http://localhost", "http://example.org/pg"):
        with app.test_request_context("/", base_url=base):
            for _ in range(2):  # built, then kept
                for endpoint, values in cases:
                    assert address(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)
    with app.test_request_context("/groups/1"):
        assert address(".show", group_id=1) == url_for("groups.show", group_id=1)


def test_long_addresses_are_never_kept(app):
    """Anyone can put a long value into an address (a survey token is part of its cookie's path):
    such an address is built every time, so the store of addresses cannot be filled with them."""
    from peergroups.pages import ADDRESS_KEPT_CHARS

    client, kept = app.test_client(), app.jinja_env.globals["url_for"].kept
    client.get(f"/s/{'y' * 300}")  # the page's own addresses (its stylesheet...) are kept, as they should be
    before = len(kept)
    for n in range(20):
        assert client.get(f"/s/{'x' * 300}{n}").status_code == 404
    assert len(kept) == before and all(len(found) <= ADDRESS_KEPT_CHARS for found in kept.values())


APP_WIDE_LIMIT = r"""
import sys, tempfile
from peergroups import create_app
d = tempfile.mkdtemp()
app = create_app({"DATABASE_URL": f"sqlite:///{d}/x.sqlite3", "INSTANCE_PATH": d, "SECRET_KEY": "x",
                  "RATELIMIT_APPLICATION": "3/minute"})
client = app.test_client()
print(" ".join(str(client.get("/healthz").status_code) for _ in range(4)))
"""


def test_an_app_wide_limit_an_operator_sets_still_applies():
    """Flask-Limiter's check before every view is taken off only while no app-wide, default,
    blueprint or meta limit is set (extensions.init_limiters). In its own process: the limiters
    are the module's singletons, and a limit set here would stay for every later app."""
    import subprocess
    import sys

    from peergroups import ROOT

    statuses = subprocess.run([sys.executable, "-c", APP_WIDE_LIMIT], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.split()
    assert "429" not in statuses[:3] and statuses[3] == "429", statuses
