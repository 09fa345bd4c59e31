"""Follow-up that leads to action: a note each time a leader contacts someone the group has not
seen (the date, how, what came of it, a short note, who), shown to the group's leaders."""
from peewee import SqliteDatabase


def up(migrator, db):
    serial = "INTEGER NOT NULL PRIMARY KEY" if isinstance(db, SqliteDatabase) else "SERIAL PRIMARY KEY"
    db.execute_sql(
        f'CREATE TABLE "contact_note" ("id" {serial}, '
        '"member_id" INTEGER NOT NULL REFERENCES "member" ("id") ON DELETE CASCADE, '
        '"group_id" INTEGER NOT NULL REFERENCES "group" ("id") ON DELETE CASCADE, '
        '"contacted_on" DATE NOT NULL, '
        '"how" VARCHAR(12) NOT NULL, '
        '"outcome" VARCHAR(16) NOT NULL, '
        '"note" VARCHAR(280) NOT NULL DEFAULT \'\', '
        '"by_id" INTEGER REFERENCES "user" ("id") ON DELETE SET NULL, '
        '"created_at" TIMESTAMP NOT NULL)')
    db.execute_sql('CREATE INDEX "contact_note_group_id_member_id" ON "contact_note" ("group_id", "member_id")')
    db.execute_sql('CREATE INDEX "contact_note_member_id" ON "contact_note" ("member_id")')


def down(migrator, db):
    db.execute_sql('DROP TABLE "contact_note"')
