"""Schema upgrades, automatic migration at the first request, backups, the demo command."""
import datetime
import os
import sqlite3
import subprocess

import pytest
from peewee import IntegrityError
from playhouse.migrations import Runner

from peergroups import ROOT, create_app
from peergroups import db as dbmod
from peergroups.db import MIGRATIONS_DIR, database

from . import factories
from .helpers import PG_URL, reset_postgres

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite file behaviour")


def fresh_url(tmp_path):
    if PG_URL:
        reset_postgres(PG_URL)
        return PG_URL
    return "sqlite:///" + str(tmp_path / "fresh.sqlite3")


def test_upgrade_from_the_first_migration_keeps_data(tmp_path):
    database.initialize(dbmod.make_database(fresh_url(tmp_path)))
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    first = runner.migrations()[0].name
    runner.up(target=first)
    database.execute_sql(
        'INSERT INTO "organization" (name, default_locale, timezone, created_at) '
        "VALUES ('Kept Org', 'es', 'Europe/Madrid', '2026-01-01 10:00:00')"
    )
    database.execute_sql(
        'INSERT INTO "user" (email, name, password_hash, role, active, session_version, created_at) '
        "VALUES ('kept@example.org', 'Kept', 'x', 'admin', TRUE, 1, '2026-01-01 10:00:00')"
    )
    applied = dbmod.upgrade()
    assert applied == [m.name for m in runner.migrations()[1:]]
    assert not dbmod.pending_migrations()
    from peergroups.models import Organization, User

    assert Organization.get().name == "Kept Org" and Organization.get().default_locale == "es"
    assert Organization.get().survey_min_responses == 5
    assert User.get(User.email == "kept@example.org").role == "admin"
    database.close()


def test_the_organization_k_column_keeps_rows_and_defaults_to_5(tmp_path):
    """0006 adds survey_min_responses NOT NULL DEFAULT 5: existing organizations get 5, and so does
    a row written by code that does not know the column yet."""
    database.initialize(dbmod.make_database(fresh_url(tmp_path)))
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    runner.up(target="0005_crisis_lines")
    insert = ('INSERT INTO "organization" (name, default_locale, timezone, created_at) '
              "VALUES ('{}', 'fr', 'Europe/Paris', '2026-01-01 10:00:00')")
    database.execute_sql(insert.format("Before"))
    assert "0006_organization_settings" in dbmod.upgrade()
    database.execute_sql(insert.format("After"))
    rows = database.execute_sql('SELECT name, default_locale, survey_min_responses FROM "organization" ORDER BY id')
    assert list(rows.fetchall()) == [("Before", "fr", 5), ("After", "fr", 5)]
    with pytest.raises(IntegrityError), database.atomic():
        database.execute_sql('UPDATE "organization" SET survey_min_responses = NULL')
    database.close()


def test_first_request_migrates_with_a_backup(tmp_path):
    url = fresh_url(tmp_path)
    database.initialize(dbmod.make_database(url))
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    runner.up(target=runner.migrations()[0].name)
    database.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    assert not app.extensions["peergroups_migrated"]  # creating the app migrates nothing
    assert app.test_client().get("/login").status_code in (200, 302)
    assert app.extensions["peergroups_migrated"]
    assert not dbmod.pending_migrations()
    backups = tmp_path / "instance" / "backups"
    if not PG_URL:
        assert list(backups.glob("before-upgrade-*.sqlite3"))
    else:  # pg_dump's custom format, which pg_restore can read
        (dump,) = backups.glob("before-upgrade-*.dump")
        listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True)
        assert "TABLE public organization" in listing.stdout
    database.close()


def test_without_a_backup_tool_the_migration_waits_and_says_how(tmp_path, monkeypatch):
    url = fresh_url(tmp_path)
    database.initialize(dbmod.make_database(url))
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    runner.up(target=runner.migrations()[0].name)
    database.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "AUTO_MIGRATE": False,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    if PG_URL:
        monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump to be found
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code != 0 and "pg_dump is not installed" in result.output
        assert "--no-backup" in result.output and dbmod.pending_migrations()
    else:  # SQLite: the copy cannot be written (the backups directory is a file)
        (tmp_path / "instance").mkdir(exist_ok=True)
        (tmp_path / "instance" / "backups").write_text("in the way")
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code != 0 and "No backup could be taken" in result.output, result.output
        assert dbmod.pending_migrations()
    result = app.test_cli_runner().invoke(args=["db", "upgrade", "--no-backup"])
    assert result.exit_code == 0 and not dbmod.pending_migrations()
    database.close()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only")
def test_the_readme_pg_dump_and_pg_restore_steps_round_trip(app, tmp_path):
    """The README's commands, word for word: a custom-format dump, then pg_restore --clean into the
    same database brings back what was there at the dump."""
    from peergroups.models import Member

    readme = (ROOT / "README.md").read_text()
    dump_cmd = 'pg_dump --format=custom --file=peergroups.dump "$DATABASE_URL"'
    restore_cmd = 'pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$DATABASE_URL" peergroups.dump'
    assert dump_cmd in readme and restore_cmd in readme
    with app.app_context():
        factories.member(name="In the dump")
    env = {**os.environ, "DATABASE_URL": PG_URL}
    subprocess.run(dump_cmd, shell=True, cwd=tmp_path, env=env, check=True)
    with app.app_context():
        factories.member(name="After the dump")
    database.close()
    subprocess.run(restore_cmd, shell=True, cwd=tmp_path, env=env, check=True, capture_output=True)
    with app.app_context():
        assert sorted(m.name for m in Member.select()) == ["In the dump"]
        assert not dbmod.pending_migrations()


def test_auto_migrate_off_leaves_schema_alone(tmp_path):
    url = fresh_url(tmp_path)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "AUTO_MIGRATE": False,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    runner = app.test_cli_runner()
    assert "Pending" in runner.invoke(args=["db", "status"]).output
    result = runner.invoke(args=["db", "upgrade"])
    assert "Applied" in result.output, result.output
    assert "up to date" in runner.invoke(args=["db", "upgrade"]).output
    database.close()


@sqlite_only
def test_backup_command_copies_a_consistent_database(app, tmp_path):
    from peergroups.models import Organization

    dest = tmp_path / "copies" / "backup.sqlite3"
    dest.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = [row[0] for row in conn.execute('SELECT name FROM "organization"')]
    with app.app_context():
        assert names == [Organization.current().name]


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only")
def test_backup_command_points_to_pg_dump_on_postgres(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x")])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_demo_builds_the_contract_accounts_once(fresh_app):
    from peergroups.models import User

    app = fresh_app
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--password", "demo-pass-123"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        roles = {u.email: u.role for u in User.select()}
    assert roles["admin@example.org"] == "admin"
    assert roles["facilitator@example.org"] == "facilitator"
    assert roles["supervisor@example.org"] == "supervisor"
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.org", "password": "demo-pass-123"})
    assert response.status_code == 303
    again = runner.invoke(args=["demo", "--password", "demo-pass-123"])
    assert again.exit_code != 0 and "not empty" in again.output


@sqlite_only
def test_sqlite_pragmas(app):
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_custom_surveys_upgrade_keeps_every_response(tmp_path):
    """0007 changes the survey link table in place (on SQLite a NOT NULL is dropped by a schema edit,
    since a table rebuild would delete the responses through ON DELETE CASCADE)."""
    database.initialize(dbmod.make_database(fresh_url(tmp_path)))
    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    runner.up(target="0005_crisis_lines")
    for sql in (
        'INSERT INTO "group" (id, name, description, languages, duration_minutes, timezone, frequency, interval, '
        "location, virtual_link, topics, archived, created_at) VALUES (7, 'G', '', 'en', 90, 'UTC', 'weekly', 1, "
        "'', '', '', FALSE, '2026-01-01 10:00:00')",
        'INSERT INTO "meeting" (id, group_id, local_date, starts_at, ad_hoc, mode, topic, notes, status) '
        "VALUES (11, 7, '2026-03-03', '2026-03-03 18:00:00', FALSE, 'in_person', '', '', 'closed')",
        'INSERT INTO "survey_link" (id, meeting_id, token, closes_at) VALUES (5, 11, \'tok123456789\', '
        "'2026-03-05 18:00:00')",
        'INSERT INTO "survey_response" (id, link_id, meeting_date) VALUES (\'r1\', 5, \'2026-03-03\')',
        'INSERT INTO "survey_answer" (response_id, question, value) VALUES (\'r1\', \'useful\', 4)',
    ):
        database.execute_sql(sql)
    dbmod.upgrade()
    from peergroups.models import Group, SurveyAnswer, SurveyLink, SurveyResponse

    response = SurveyResponse.get_by_id("r1")
    assert str(response.counts_for) == "2026-03-03" and response.link_id == 5
    assert SurveyAnswer.get(SurveyAnswer.response == "r1").value == 4
    link = SurveyLink.get_by_id(5)
    assert (link.group_id, link.meeting_id, link.survey_id, link.period) == (7, 11, None, None)
    group = Group.get_by_id(7)
    assert group.surveys_after_meetings and group.meeting_survey_id is None and group.survey_period == "month"
    # A periodic link has no meeting; deleting the meeting still takes its links and answers with it.
    SurveyLink.create(group=7, period="2026-03-01", token="period123456", closes_at="2026-04-01 00:00:00")
    database.execute_sql('DELETE FROM "meeting" WHERE id = 11')
    assert not SurveyResponse.select().exists() and SurveyLink.select().count() == 1
    database.close()


def test_requests_reuse_pooled_connections_with_their_settings(app):
    """A request returns its connection to the pool, and the next request gets it back: no file to
    open and no pragmas to set again. Released connections are really closed."""
    app.add_url_rule("/_connection", "connection", lambda: str(id(database.connection())))
    client = app.test_client()
    first = client.get("/_connection").text
    assert client.get("/_connection").text == first
    with app.app_context():
        database.connect(reuse_if_open=True)
        connection = database.connection()
        assert str(id(connection)) == first
        if dbmod.is_sqlite():
            assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        database.close()
        dbmod.release()
        assert not database.obj._connections and not database.obj._in_use
        with pytest.raises(Exception, match="closed"):
            connection.execute("SELECT 1")


def test_a_prepared_query_gives_what_peewee_gives_for_every_value(app):
    from peergroups.models import Group, GroupMember, Member

    with app.app_context():
        groups = [factories.group(name=name) for name in ("Alpha", "Beta", "It's \"quoted\"")]
        factories.member(groups[0], name="Ana")
        by_name = dbmod.Prepared(lambda name, at_least: Group.select().where(
            (Group.name == name) & (Group.id >= at_least)).order_by(Group.id))
        for group in groups:
            assert [g.id for g in by_name.rows(group.name, 0)] == [group.id]
            assert by_name.first(group.name, group.id + 1) is None
        assert by_name.first("Nobody", 0) is None
        names = dbmod.Prepared(lambda group_id: Member.select(Member.name).join(GroupMember)
                               .where(GroupMember.group == group_id).tuples())
        assert list(names.rows(groups[0].id)) == [("Ana",)]
        assert list(names.rows(groups[1].id)) == []
        among = dbmod.Prepared(lambda ids, name: Group.select(Group.id).where(Group.id.in_(ids), Group.name != name)
                               .order_by(Group.id).tuples())
        ids = [group.id for group in groups]
        assert list(among.rows(ids, "Beta")) == [(ids[0],), (ids[2],)]
        assert list(among.rows({ids[1]}, "Alpha")) == [(ids[1],)]
        assert list(among.rows((), "Alpha")) == []
        assert list(among.rows(ids[::-1], "")) == [(i,) for i in ids]
        since = dbmod.Prepared(lambda day, moment: Member.select(Member.name).where(
            Member.joined_on >= day, Member.created_at <= moment).tuples())
        joined = Member.get(Member.name == "Ana").joined_on
        later = datetime.datetime(2100, 1, 1)
        assert list(since.rows(joined, later)) == [("Ana",)]
        assert list(since.rows(joined + datetime.timedelta(days=1), later)) == []
        assert list(since.rows(joined, datetime.datetime(2000, 1, 1))) == []
        assert dbmod.row_by_id(Group, groups[1].id).name == "Beta"
        assert dbmod.row_by_id(Group, 10**9) is None
        optional = dbmod.Prepared(lambda name: Group.select(Group.id).where(
            Group.description.is_null() if name is None else Group.name == name).order_by(Group.id).tuples())
        assert list(optional.rows("Beta")) == [(groups[1].id,)]
        assert list(optional.rows(None)) == []  # descriptions are "" (not NULL)
        assert list(optional.rows("Alpha")) == [(groups[0].id,)]
        for wrong in (1.5, True, ["a"]):
            with pytest.raises(TypeError):
                by_name.first(wrong, 0)
        with pytest.raises(ValueError):
            dbmod.Prepared(lambda group_id: Group.select()).first(1)


def test_a_prepared_query_makes_rows_of_every_kind_on_every_run(app):
    """The row set-up kept from a query's first run fits its later runs: model objects with joined
    models, dicts, named tuples and tuples, compared with what peewee itself gives."""
    from peergroups.models import GroupMember, Member

    with app.app_context():
        groups = [factories.group(name=name) for name in ("Alpha", "Beta")]
        for group, names in zip(groups, (["Ana", "Bo"], ["Cy"])):
            for name in names:
                factories.member(group, name=name)

        def roster(group_id):
            return (GroupMember.select(GroupMember, Member).join(Member)
                    .where(GroupMember.group == group_id).order_by(Member.name))

        kinds = {"models": lambda q: q, "dicts": lambda q: q.dicts(), "namedtuples": lambda q: q.namedtuples(),
                 "tuples": lambda q: q.tuples()}
        for kind, shape in kinds.items():
            prepared = dbmod.Prepared(lambda group_id, shape=shape: shape(roster(group_id)))
            for group in (*groups, groups[0]):
                expected, got = list(shape(roster(group.id))), prepared.rows(group.id)
                if kind == "models":
                    expected = [(row.id, row.member.name) for row in expected]
                    got = [(row.id, row.member.name) for row in got]
                assert got == expected and got, kind
            assert prepared.rows(10**9) == []


def test_the_generation_moves_on_with_every_change_and_only_then(app):
    """db.generation: the same number while nothing changes; a new one after a change by this
    connection, by another connection (as another process would make) and on a connection asked
    for the first time (it cannot know what happened before it was opened). None on PostgreSQL."""
    from peergroups.models import Group

    with app.app_context():
        database.connect(reuse_if_open=True)
        if not dbmod.is_sqlite():
            assert dbmod.generation() is None
            return
        first = dbmod.generation()
        Group.select().count()
        assert dbmod.generation() == first
        factories.group(name="Changed here")
        second = dbmod.generation()
        assert second != first and dbmod.generation() == second
        other = sqlite3.connect(dbmod.sqlite_path())
        other.execute('UPDATE "group" SET name = ? WHERE name = ?', ("Changed elsewhere", "Changed here"))
        other.commit()
        other.close()
        third = dbmod.generation()
        assert third not in (first, second) and dbmod.generation() == third
        database.close()
        dbmod.release()  # the next connection is a new one
        database.connect()
        assert dbmod.generation() not in (first, second, third)
        with database.atomic():  # a transaction's reads may be older than the number: none is given
            Group.select().count()
            assert dbmod.generation() is None
        database.close()
