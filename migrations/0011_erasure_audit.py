"""Erasure and the audit log: a member's erased_at (set when their personal data is removed, the
anonymous attendance kept), and a table of audit events (who did what, when, to which record;
never the data itself)."""
from peewee import SqliteDatabase


def up(migrator, db):
    db.execute_sql('ALTER TABLE "member" ADD COLUMN "erased_at" TIMESTAMP')
    serial = "INTEGER NOT NULL PRIMARY KEY" if isinstance(db, SqliteDatabase) else "SERIAL PRIMARY KEY"
    db.execute_sql(
        f'CREATE TABLE "audit_event" ("id" {serial}, '
        '"at" TIMESTAMP NOT NULL, '
        '"user_id" INTEGER REFERENCES "user" ("id") ON DELETE SET NULL, '
        '"action" VARCHAR(40) NOT NULL, '
        '"target_id" INTEGER, '
        '"detail" VARCHAR(200) NOT NULL DEFAULT \'\')')
    db.execute_sql('CREATE INDEX "audit_event_at" ON "audit_event" ("at")')
    db.execute_sql('CREATE INDEX "audit_event_action_at" ON "audit_event" ("action", "at")')


def down(migrator, db):
    db.execute_sql('DROP TABLE "audit_event"')
    db.execute_sql('ALTER TABLE "member" DROP COLUMN "erased_at"')
