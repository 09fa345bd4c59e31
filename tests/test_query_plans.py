"""The pages a facilitator and a member open all day read only what they show: no statement behind
them reads a whole table of the organization's groups, people, meetings, marks or pairings
(SQLite's query plans, on the demo). A page that did would slow down as the organization grows,
however little it shows. (An admin's or supervisor's home page lists the whole organization.)"""
import logging
import re

import pytest

from peergroups.db import database
from peergroups.demo import FACILITATOR
from peergroups.models import GroupFacilitator, GroupMember, SurveyLink, User

from .helpers import PG_URL, sign_in

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's query plans (EXPLAIN QUERY PLAN)")

# What an organization has a handful of, whatever its size: read whole on purpose.
SMALL_TABLES = {"crisis_line", "organization", "agreement"}
ANSWERS = {"useful": "4", "respected": "5", "belong": "4", "hopeful": "4", "comment": ""}


class Statements(logging.Handler):
    def __init__(self):
        super().__init__()
        self.seen = []

    def emit(self, record):
        if isinstance(record.msg, tuple):  # (sql, params); the pool logs other lines
            self.seen.append(record.msg)


def tables_by_name(sql):
    """{name or alias in the statement: table} for every table it names in FROM and JOIN."""
    found = {}
    for table, alias in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?(?:\s+AS)?(?:\s+"?(\w+)"?)?', sql):
        found[table] = table
        if alias and alias.upper() not in ("ON", "WHERE", "INNER", "LEFT", "JOIN", "GROUP", "ORDER", "LIMIT"):
            found[alias] = table
    return found


def full_reads(sql, params):
    """The tables a statement reads whole: a SCAN of the table or of all of one of its indexes,
    unless the index holds only some rows (a partial index: `CREATE INDEX ... WHERE`)."""
    plan = database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    partial = {name for name, text in database.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
               if text and " WHERE " in text}
    names = tables_by_name(sql)
    return {names[match.group(1)] for row in plan
            if (match := re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", row[3]))
            and match.group(1) in names and match.group(2) not in partial}


def statements_of(client, method, path, data=None):
    handler, log = Statements(), logging.getLogger("peewee")
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.DEBUG)
    try:
        response = client.open(path, method=method, data=data)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    assert response.status_code in (200, 303), (path, response.status_code)
    return handler.seen


def key_pages(app):
    """The facilitator's signed-in client (a meeting of theirs started), and the (method, path, form)
    of each page and action a phone opens all day; survey pages are opened without signing in."""
    client = app.test_client()
    with app.app_context():
        facilitator = User.get(User.email == FACILITATOR)
        group_id = (GroupFacilitator.select().where(GroupFacilitator.user == facilitator.id)
                    .order_by(GroupFacilitator.group).first().group_id)
        sign_in(client, facilitator)
    started = client.post(f"/groups/{group_id}/meetings")
    assert started.status_code == 303
    meeting_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        member_id = GroupMember.get(GroupMember.group == group_id, GroupMember.active).member_id
        token = SurveyLink.get(SurveyLink.meeting == meeting_id).token
    return client, [
        ("GET", "/", None), ("GET", f"/groups/{group_id}", None), ("GET", f"/meetings/{meeting_id}", None),
        ("POST", f"/meetings/{meeting_id}/marks", {"member_id": member_id, "state": "present"}),
        ("GET", f"/members/{member_id}", None), ("GET", f"/groups/{group_id}/follow-up", None),
        ("GET", f"/mentoring/groups/{group_id}", None), ("GET", f"/groups/{group_id}/results", None),
        ("GET", f"/s/{token}", None), ("POST", f"/s/{token}", ANSWERS),
    ]


def test_key_pages_read_no_table_whole(demo_app):
    demo_app.config["WTF_CSRF_ENABLED"] = False
    client, pages = key_pages(demo_app)
    anonymous = demo_app.test_client()
    whole = {}
    for method, path, form in pages:
        by = anonymous if path.startswith("/s/") else client
        for sql, params in statements_of(by, method, path, form):
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                with demo_app.app_context(), database.connection_context():
                    read = full_reads(sql, params) - SMALL_TABLES
                if read:
                    whole.setdefault(path, set()).update(f"{table}: {sql[:90]}" for table in read)
    assert whole == {}


def test_a_whole_table_read_is_found(demo_app):
    """The check above can fail: a statement without a usable index is reported."""
    with demo_app.app_context(), database.connection_context():
        assert full_reads('SELECT "t1"."id" FROM "member" AS "t1" WHERE "t1"."name" = ?', ["Andre"]) == {"member"}
        assert full_reads('SELECT m.id FROM "member" m JOIN "group_member" gm ON gm.member_id = m.id '
                          'WHERE gm.group_id = ?', [1]) == set()
        assert full_reads('SELECT "t1"."id" FROM "member" AS "t1" WHERE "t1"."id" = ?', [1]) == set()
        assert full_reads('SELECT "t1"."id" FROM "group" AS "t1" WHERE "t1"."archived"', []) == set()  # partial index
        assert full_reads('SELECT "t1"."id" FROM "group" AS "t1" WHERE NOT "t1"."archived"', []) == {"group"}
