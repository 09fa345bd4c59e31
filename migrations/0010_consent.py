"""Consent and safety (issue 16): agreements with versions and the acceptances given for them,
which agreements each group expects, one-time links to accept on the member's own phone, the
organization's escalation checklist, incidents with their review notes and access log, and
supervision check-ins. One migration for the whole feature, so a database has all of it or none."""
from peewee import SqliteDatabase


def up(migrator, db):
    serial = "INTEGER NOT NULL PRIMARY KEY" if isinstance(db, SqliteDatabase) else "SERIAL PRIMARY KEY"
    user = 'INTEGER REFERENCES "user" ("id") ON DELETE SET NULL'
    tables = {
        "agreement": (
            '"title" VARCHAR(120) NOT NULL, "shares_contact" BOOLEAN NOT NULL DEFAULT FALSE, '
            '"archived" BOOLEAN NOT NULL DEFAULT FALSE, "created_at" TIMESTAMP NOT NULL'),
        "agreement_version": (
            '"agreement_id" INTEGER NOT NULL REFERENCES "agreement" ("id") ON DELETE CASCADE, '
            '"number" INTEGER NOT NULL, "fallback_locale" VARCHAR(16) NOT NULL, "texts" TEXT NOT NULL, '
            f'"created_by_id" {user}, "created_at" TIMESTAMP NOT NULL'),
        "consent": (
            '"member_id" INTEGER NOT NULL REFERENCES "member" ("id") ON DELETE CASCADE, '
            '"agreement_id" INTEGER NOT NULL REFERENCES "agreement" ("id") ON DELETE CASCADE, '
            '"version_id" INTEGER NOT NULL REFERENCES "agreement_version" ("id") ON DELETE CASCADE, '
            '"action" VARCHAR(10) NOT NULL, "method" VARCHAR(10) NOT NULL, "given_on" DATE NOT NULL, '
            f'"recorded_by_id" {user}, "recorded_at" TIMESTAMP NOT NULL'),
        "group_agreement": (
            '"group_id" INTEGER NOT NULL REFERENCES "group" ("id") ON DELETE CASCADE, '
            '"agreement_id" INTEGER NOT NULL REFERENCES "agreement" ("id") ON DELETE CASCADE'),
        "agreement_link": (
            '"token_hash" VARCHAR(64) NOT NULL, '
            '"member_id" INTEGER NOT NULL REFERENCES "member" ("id") ON DELETE CASCADE, '
            '"version_id" INTEGER NOT NULL REFERENCES "agreement_version" ("id") ON DELETE CASCADE, '
            f'"created_by_id" {user}, "created_at" TIMESTAMP NOT NULL, "expires_at" TIMESTAMP NOT NULL, '
            '"used_at" TIMESTAMP'),
        "escalation_step": (
            '"locale" VARCHAR(16) NOT NULL, "position" INTEGER NOT NULL, "text" VARCHAR(300) NOT NULL, '
            '"phone" VARCHAR(40) NOT NULL'),
        "incident": (
            '"group_id" INTEGER NOT NULL REFERENCES "group" ("id") ON DELETE CASCADE, '
            '"meeting_id" INTEGER REFERENCES "meeting" ("id") ON DELETE SET NULL, '
            '"occurred_at" TIMESTAMP NOT NULL, "category" VARCHAR(60) NOT NULL, '
            '"what_happened" TEXT NOT NULL, "what_was_done" TEXT NOT NULL, '
            '"escalated_to" VARCHAR(200) NOT NULL, "follow_up_on" DATE, "members" VARCHAR(400) NOT NULL, '
            f'"status" VARCHAR(10) NOT NULL, "recorded_by_id" {user}, "created_at" TIMESTAMP NOT NULL, '
            f'"closed_at" TIMESTAMP, "closed_by_id" {user}'),
        "incident_note": (
            '"incident_id" INTEGER NOT NULL REFERENCES "incident" ("id") ON DELETE CASCADE, '
            f'"text" TEXT NOT NULL, "by_id" {user}, "at" TIMESTAMP NOT NULL'),
        "incident_event": (
            '"incident_id" INTEGER NOT NULL REFERENCES "incident" ("id") ON DELETE CASCADE, '
            f'"action" VARCHAR(10) NOT NULL, "by_id" {user}, "at" TIMESTAMP NOT NULL'),
        "supervision": (
            '"supervisor_id" INTEGER REFERENCES "user" ("id") ON DELETE SET NULL, '
            '"facilitator_id" INTEGER NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE, '
            '"date" DATE NOT NULL, "notes" TEXT NOT NULL, "next_on" DATE, "created_at" TIMESTAMP NOT NULL'),
    }
    for name, columns in tables.items():
        db.execute_sql(f'CREATE TABLE "{name}" ("id" {serial}, {columns})')
    for sql in (
        'CREATE UNIQUE INDEX "agreement_version_agreement_id_number" ON "agreement_version" ("agreement_id", "number")',
        'CREATE INDEX "consent_member_id_agreement_id" ON "consent" ("member_id", "agreement_id", "recorded_at")',
        'CREATE INDEX "consent_version_id" ON "consent" ("version_id")',
        'CREATE UNIQUE INDEX "group_agreement_group_id_agreement_id" ON "group_agreement" ("group_id", "agreement_id")',
        'CREATE UNIQUE INDEX "agreement_link_token_hash" ON "agreement_link" ("token_hash")',
        'CREATE INDEX "escalation_step_locale_position" ON "escalation_step" ("locale", "position")',
        'CREATE INDEX "incident_group_id_occurred_at" ON "incident" ("group_id", "occurred_at")',
        'CREATE INDEX "incident_status_follow_up_on" ON "incident" ("status", "follow_up_on")',
        'CREATE INDEX "incident_note_incident_id" ON "incident_note" ("incident_id")',
        'CREATE INDEX "incident_event_incident_id" ON "incident_event" ("incident_id")',
        'CREATE INDEX "supervision_facilitator_id_date" ON "supervision" ("facilitator_id", "date")',
    ):
        db.execute_sql(sql)


def down(migrator, db):
    for name in ("supervision", "incident_event", "incident_note", "incident", "escalation_step",
                 "agreement_link", "group_agreement", "consent", "agreement_version", "agreement"):
        db.execute_sql(f'DROP TABLE "{name}"')
