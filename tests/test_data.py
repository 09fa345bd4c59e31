"""The organization's data: erasing a member (no trace of the person, the same totals), the export
(a ZIP of CSV files that reads back to the database), the audit log and its retention."""
import csv
import datetime
import io
import zipfile

from peergroups import audit, erasure, export
from peergroups.db import database
from peergroups.models import (
    Attendance, AuditEvent, CheckIn, Member, MentorProfile, NewcomerPreference, Pairing, User, utcnow,
)

from . import factories
from .routes import CONFIRMED

SECRET = {"name": "Zebulon Quillfeather", "phone": "+1 555 0199 7731", "email": "zq-7731@example.net",
          "pronouns": "xe/xem-7731"}


def every_value():
    """Every value of every row of every table, as text."""
    values = []
    for table in database.get_tables():
        for row in database.execute_sql(f'SELECT * FROM "{table}"').fetchall():
            values.extend(str(v) for v in row if v is not None)
    return "\n".join(values)


def totals():
    """What reports count: marks by state, people with a present mark, per group."""
    rows = database.execute_sql(
        'SELECT m.group_id, a.state, COUNT(*), COUNT(DISTINCT a.member_id) FROM "attendance" a '
        'JOIN "meeting" m ON m.id = a.meeting_id GROUP BY m.group_id, a.state ORDER BY 1, 2').fetchall()
    return [tuple(r) for r in rows]


def a_person_with_a_history():
    group = factories.group()
    person = factories.member(group, **SECRET)
    other = factories.member(group, name="Other person")
    old_record = factories.member(group, name=SECRET["name"] + " (old)", phone="+1 555 0100 7731")
    for day in range(1, 4):
        meeting = factories.meeting(group, local_date=datetime.date(2026, 3, day), status="closed")
        factories.present(meeting, person)
        factories.present(meeting, other)
    from peergroups import members

    members.merge(old_record, person)
    MentorProfile.create(member=person, capacity=2, languages="en", gender="Quillgender-7731",
                         in_recovery_since=datetime.date(2019, 7, 31))
    NewcomerPreference.create(member=person, preferred_gender="Quillgender-7731")
    pairing = factories.pairing(other, person, group, status="ended")
    CheckIn.create(pairing=pairing, date=datetime.date(2026, 3, 2), kind="met", note="Talked about 7731 things")
    from peergroups import follow_up

    follow_up.record(person.id, group.id, datetime.date(2026, 3, 20), "call", "reached", "Moving to 7731 Elm", None)
    return group, person, other


def test_erasure_leaves_no_trace_and_the_same_totals(app, client, login):
    admin = login("admin")
    with app.app_context():
        group, person, other = a_person_with_a_history()
        before = totals()
        people_before = Member.select().count()
    response = client.post(f"/members/{person.id}/erase", data=CONFIRMED)
    assert response.status_code == 303
    with app.app_context():
        text = every_value()
        # the marker 7731 in every spelling the person's data had; never the bare digits, which a
        # timestamp's microseconds may hold by chance
        leaks = ("Quillfeather", "Quillgender", "0199 7731", "01997731", "0100 7731", "01007731", "7731 Elm",
                 "7731 things", "2019-07-31")
        for value in (*SECRET.values(), *leaks):
            assert value not in text, value
        assert totals() == before  # counts, rates and people served are unchanged
        assert Member.select().count() == people_before  # anonymous rows, no orphans
        erased = Member.get_by_id(person.id)
        assert erased.erased_at and erased.archived and erased.name == erasure.ERASED_NAME
        assert erased.joined_on.day == 1
        assert not Pairing.select().where((Pairing.mentor == person.id) | (Pairing.newcomer == person.id)).exists()
        assert Member.get_by_id(other.id).name == "Other person"  # the other person is untouched
        if database.obj.__class__.__name__ == "SqliteDatabase":
            assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        event = AuditEvent.get(AuditEvent.action == "member.erase")
        assert (event.user_id, event.target_id, event.detail) == (admin.id, person.id, "")
    page = client.get(f"/members/{person.id}")
    assert page.status_code == 200 and "personal data was erased" in page.get_data(as_text=True)
    assert client.get(f"/groups/{group.id}").status_code == 200


def test_erasure_asks_first_and_only_admins_may(app, client, login):
    with app.app_context():
        group, person, _other = a_person_with_a_history()
        facilitator = factories.user(role="facilitator")
        factories.GroupFacilitator.create(group=group, user=facilitator, lead=True)
    from .helpers import sign_in

    sign_in(client, facilitator)
    assert client.post(f"/members/{person.id}/erase", data=CONFIRMED).status_code == 404
    login("admin")
    assert "Are you sure?" in client.post(f"/members/{person.id}/erase").get_data(as_text=True)
    with app.app_context():
        assert Member.get_by_id(person.id).erased_at is None


def test_a_mentor_in_an_active_pairing_is_not_erased(app, client, login):
    login("admin")
    with app.app_context():
        group = factories.group()
        mentor = factories.mentor(group, name="Mentor 7731", phone="555 7731")
        newcomer = factories.member(group)
        factories.pairing(newcomer, mentor, group, status="active")
        before = every_value()
    response = client.post(f"/members/{mentor.id}/erase", data=CONFIRMED, follow_redirects=True)
    assert "active mentor pairing" in response.get_data(as_text=True)
    with app.app_context():
        assert every_value() == before  # nothing half-done


def read_zip(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    tables = {}
    for name in archive.namelist():
        if name.endswith(".csv"):
            with archive.open(name) as raw:
                tables[name] = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    return archive, tables


def test_export_round_trip(app, client, login):
    admin = login("admin")
    with app.app_context():
        group, person, _other = a_person_with_a_history()
        factories.survey_response(factories.meeting(group, status="closed"), 4, comment="raw comment 7731")
        members = {m.id: (m.name, m.phone, m.email) for m in Member.select()}
        marks = Attendance.select().count()
    response = client.post("/admin/data")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert "peergroups-export-" in response.headers["Content-Disposition"]
    archive, tables = read_zip(response.data)
    assert {name for name, *_ in export.TABLES} <= set(tables)
    assert {int(r["id"]): (r["name"], r["phone"], r["email"]) for r in tables["members.csv"]} == members
    assert len(tables["attendance.csv"]) == marks
    readme = archive.read("README.txt").decode()
    for name, model, left_out, _about in export.TABLES:
        assert name in readme
        assert list(tables[name][0].keys()) if tables[name] else True
    assert "password_hash" not in tables["staff.csv"][0] and "session_version" not in readme
    everything = b"".join(archive.read(n) for n in archive.namelist()).decode()
    assert "raw comment 7731" not in everything  # no individual survey response
    with app.app_context():
        assert User.get_by_id(admin.id).password_hash not in everything
        assert AuditEvent.get(AuditEvent.action == "export").user_id == admin.id
    assert client.get("/admin/data").status_code == 200


def test_every_table_is_exported_or_left_out_with_a_reason(app):
    with app.app_context():
        tables = set(database.get_tables())
    exported = {model._meta.table_name for _name, model, *_ in export.TABLES}
    assert tables - exported - set(export.NOT_EXPORTED) == set()


def test_export_command_writes_a_file(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path)])
    database.close()
    assert result.exit_code == 0, result.output
    (written,) = tmp_path.glob("peergroups-export-*.zip")
    _archive, tables = read_zip(written.read_bytes())
    assert [r["email"] for r in tables["staff.csv"]] == ["owner@example.org"]
    assert not list(tmp_path.glob(".*partial*"))
    missing = app.test_cli_runner().invoke(args=["export", str(tmp_path / "nowhere" / "x.zip")])
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_sensitive_actions_leave_audit_rows(app, client, login):
    admin = login("admin")
    with app.app_context():
        group = factories.group()
        member = factories.member(group, phone="555 0101")
        twin = factories.member(group)
        facilitator = factories.user(role="facilitator")
    client.get(f"/members/{member.id}")  # contact details shown
    client.post(f"/members/{twin.id}/merge", data={"into": member.id})
    client.post(f"/staff/{facilitator.id}", data={"role": "supervisor"})
    client.post(f"/staff/{facilitator.id}/active", data=CONFIRMED)
    client.post(f"/staff/{facilitator.id}/reset")
    client.post("/staff/invite", data={"email": "new@example.org", "role": "facilitator"})
    client.post("/admin/settings", data={"name": "Org", "default_locale": "en", "timezone": "UTC",
                                         "survey_min_responses": "5"})
    with app.app_context():
        rows = {(e.action, e.target_id, e.detail) for e in AuditEvent.select().where(AuditEvent.user == admin.id)}
    assert ("member.contact_view", member.id, "") in rows
    assert ("member.merge", member.id, f"from {twin.id}") in rows
    assert ("role_change", facilitator.id, "supervisor") in rows
    assert ("deactivate", facilitator.id, "") in rows
    assert ("reset_link", facilitator.id, "") in rows
    assert any(action == "invite" and detail == "facilitator" for action, _t, detail in rows)
    assert ("settings", None, "") in rows
    page = client.get("/admin/audit?action=role_change").get_data(as_text=True)
    assert "Changed a role" in page and "Viewed a member" not in page.split("<ul class=\"list\">")[-1]


def test_signing_in_is_audited(app, client):
    with app.app_context():
        user = factories.user(role="facilitator", email="f@example.org")
    client.post("/login", data={"email": "f@example.org", "password": factories.PASSWORD})
    with app.app_context():
        assert AuditEvent.get(AuditEvent.action == "sign_in").user_id == user.id


def test_no_contact_view_is_recorded_without_contact_details(app, client, login):
    login("admin")
    with app.app_context():
        member = factories.member(factories.group())
    client.get(f"/members/{member.id}")
    with app.app_context():
        assert not AuditEvent.select().where(AuditEvent.action == "member.contact_view").exists()


def test_prune_keeps_the_audit_log_for_the_retention_period(app):
    with app.app_context():
        audit.record("export", None)
        old = AuditEvent.create(action="export", at=utcnow() - datetime.timedelta(days=800))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["prune", "--dry-run"])
    assert dry.exit_code == 0 and "would delete 1 audit" in dry.output
    result = runner.invoke(args=["prune"])
    assert result.exit_code == 0 and "deleted 1 audit" in result.output
    again = runner.invoke(args=["prune"])
    assert "deleted 0 audit" in again.output  # safe to run twice
    with app.app_context():
        assert AuditEvent.select().count() == 1 and not AuditEvent.select().where(AuditEvent.id == old.id).exists()
    database.close()


def test_retention_archives_then_erases_inactive_members(template_db, tmp_path):
    from .helpers import make_app

    app = make_app(template_db, tmp_path, RETENTION_ARCHIVE_MONTHS=12, RETENTION_ERASE_MONTHS=12)
    today = datetime.date.today()
    long_ago = utcnow() - datetime.timedelta(days=1200)
    with app.app_context():
        group = factories.group()
        recent = factories.member(group, name="Came last month", created_at=long_ago)
        factories.present(factories.meeting(group, local_date=today - datetime.timedelta(days=30), status="closed"),
                          recent)
        quiet = factories.member(group, name="Quiet for 13 months", created_at=long_ago, phone="555 1313")
        factories.present(factories.meeting(group, local_date=today - datetime.timedelta(days=400), status="closed"),
                          quiet)
        gone = factories.member(group, name="Gone 7731", created_at=long_ago, phone="555 7731", archived=True)
        meeting = factories.meeting(group, local_date=today - datetime.timedelta(days=800), status="closed")
        factories.present(meeting, gone)
        mentor = factories.mentor(group, name="Mentor gone 7731")
        Member.update(created_at=long_ago, archived=True).where(Member.id == mentor.id).execute()
        factories.pairing(recent, mentor, group, status="active")
        new = factories.member(group, name="Just added")  # no attendance yet, but new: kept
        before = totals()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["prune", "--dry-run"])
    assert "Would archive 1 members and erase 1 (1 kept for an active mentor pairing)" in dry.output, dry.output
    with app.app_context():
        assert not Member.get_by_id(quiet.id).archived  # a dry run changes nothing
    result = runner.invoke(args=["prune"])
    assert "Archived 1 members and erased 1 (1 kept" in result.output, result.output
    with app.app_context():
        assert Member.get_by_id(quiet.id).archived and Member.get_by_id(quiet.id).phone == "555 1313"
        assert Member.get_by_id(gone.id).erased_at and "7731" not in Member.get_by_id(gone.id).phone
        assert Member.get_by_id(mentor.id).erased_at is None  # the pairing is still active
        assert not Member.get_by_id(recent.id).archived and not Member.get_by_id(new.id).archived
        assert totals() == before
    again = runner.invoke(args=["prune"])
    assert "Archived 0 members and erased 0" in again.output  # safe to run again
    database.close()
