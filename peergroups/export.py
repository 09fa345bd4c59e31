"""The organization's data as one ZIP of CSV files (and each survey's definition as JSON), for an
admin's download or `flask --app app export`. Secrets (password hashes, token hashes, survey and
calendar tokens) are left out, and so are raw survey responses: only released figures that the
release model shows go in (decisions.md, "Survey results: the release model")."""
import csv
import datetime
import io
import zipfile

from .models import (
    Agreement,
    AgreementVersion,
    Consent,
    EscalationStep,
    GroupAgreement,
    Incident,
    IncidentEvent,
    IncidentNote,
    Supervision,
    Attendance,
    AttendanceChange,
    AuditEvent,
    CheckIn,
    ContactNote,
    CrisisLine,
    Group,
    GroupFacilitator,
    GroupMember,
    Meeting,
    Member,
    MentorProfile,
    NewcomerPreference,
    Organization,
    Pairing,
    Survey,
    SurveyRelease,
    User,
)

# (file, model, columns left out, what a row is). Columns are the table's own, in its order; a
# column ending in _id holds the id of a row in the file named after it (user_id, by_id,
# created_by_id, opened_by_id: staff.csv; merged_into_id, newcomer_id, mentor_id: members.csv).
TABLES = (
    ("organization.csv", Organization, (), "the organization's settings"),
    ("staff.csv", User, ("password_hash", "session_version"), "a staff account (no password)"),
    ("groups.csv", Group, ("calendar_token",), "a group, its schedule and its surveys"),
    ("group_facilitators.csv", GroupFacilitator, (), "who leads which group"),
    ("members.csv", Member, (), "a member (erased members keep only an anonymous row)"),
    ("group_members.csv", GroupMember, (), "a member on a group's roster"),
    ("meetings.csv", Meeting, (), "a meeting (starts_at in UTC, local_date in the group's time zone)"),
    ("attendance.csv", Attendance, (), "a member's current mark at a meeting"),
    ("attendance_changes.csv", AttendanceChange, (), "each change of a mark: who, when, from what to what"),
    ("mentor_profiles.csv", MentorProfile, (), "a member's offer to mentor"),
    ("newcomer_preferences.csv", NewcomerPreference, (), "what a newcomer asked for in a mentor"),
    ("pairings.csv", Pairing, (), "a newcomer and their mentor"),
    ("check_ins.csv", CheckIn, (), "a mentor's check-in with a newcomer"),
    ("contact_notes.csv", ContactNote, (), "a leader's follow-up contact with a member not seen lately"),
    ("crisis_lines.csv", CrisisLine, (), "a crisis or support line"),
    ("survey_results.csv", SurveyRelease, ("shown",),
     "a released survey figure that is shown (figures as JSON; survey_id empty = the built-in survey)"),
    ("audit_log.csv", AuditEvent, (), "an audit event: who did what, when, to which record"),
    ("agreements.csv", Agreement, (), "an agreement members are asked to accept"),
    ("agreement_versions.csv", AgreementVersion, (), "one version of an agreement (texts as JSON per language)"),
    ("group_agreements.csv", GroupAgreement, (), "an agreement a group expects"),
    ("consents.csv", Consent, (), "a member's acceptance or withdrawal of an agreement version: how, when, recorded by"),
    ("escalation_steps.csv", EscalationStep, (), "a step of the crisis checklist in one language"),
    ("incidents.csv", Incident, (), "an incident report (members by alias)"),
    ("incident_notes.csv", IncidentNote, (), "a review note on an incident"),
    ("incident_events.csv", IncidentEvent, (), "each view and change of an incident: who, what, when"),
    ("supervisions.csv", Supervision, (), "a supervision check-in with a facilitator"),
)

# Tables the export leaves out, and why: secrets, individual survey answers, and what the app
# rebuilds by itself. tests/test_data.py checks every table is in one list or the other.
NOT_EXPORTED = {
    "invite": "single-use links: hashed tokens, useless elsewhere",
    "signed_in_device": "signed-in browsers: hashed session keys, useless elsewhere",
    "agreement_link": "one-time links to accept an agreement on a phone: hashed tokens, useless elsewhere",
    "survey_link": "survey links: their tokens would reopen closed links",
    "survey_response": "individual survey responses: only released figures leave the app",
    "survey_answer": "individual survey answers: only released figures leave the app",
    "schema_migration": "which migrations ran: the app's own bookkeeping",
    "survey": "survey definitions: each is its own JSON file (surveys/), as the builder exports it",
}

def columns(model, left_out):
    return [f for f in model._meta.sorted_fields if f.name not in left_out]


def column_name(field):
    return field.column_name


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def readme(now):
    lines = [f"peergroups export, {now:%Y-%m-%d %H:%M} UTC. Files (UTF-8 CSV, a header row, empty = none):", ""]
    for name, model, left_out, about in TABLES:
        lines.append(f"{name}: one row per {about}.")
        lines.append("  columns: " + ", ".join(column_name(f) for f in columns(model, left_out)))
    lines += ["surveys/<id>.json: each of the organization's own surveys, in the builder's import format.",
              "", "Not included: passwords, links' secret tokens, and individual survey responses."]
    return "\n".join(lines) + "\n"


def write_zip(target, now=None):
    """Write the export into TARGET (a path or a binary file object), table by table, so memory
    stays small whatever the size; returns {file name: rows}."""
    now = now or datetime.datetime.now(datetime.UTC)
    counts = {}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(now))
        for name, model, left_out, _about in TABLES:
            fields = columns(model, left_out)
            query = model.select(*fields).order_by(model._meta.primary_key)
            if model is SurveyRelease:
                query = query.where(SurveyRelease.shown)
            with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([column_name(f) for f in fields])
                counts[name] = 0
                for row in query.tuples().iterator():
                    writer.writerow([_text(v) for v in row])
                    counts[name] += 1
        for survey in Survey.select().order_by(Survey.id):
            archive.writestr(f"surveys/{survey.id}.json", survey.definition)
    return counts


def file_name(now=None):
    return f"peergroups-export-{(now or datetime.datetime.now()):%Y%m%d-%H%M%S}.zip"
