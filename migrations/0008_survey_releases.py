"""Survey results are released, not live: a table of released aggregates that pages and reports
read, and a mark on each link once its responses have been rewritten in random order and released.

Existing links keep every response; closed ones are shuffled and released by the next release run."""
from peewee import SqliteDatabase


def up(migrator, db):
    db.execute_sql('ALTER TABLE "survey_link" ADD COLUMN "released" BOOLEAN NOT NULL DEFAULT FALSE')
    serial = "INTEGER NOT NULL PRIMARY KEY" if isinstance(db, SqliteDatabase) else "SERIAL PRIMARY KEY"
    db.execute_sql(
        f'CREATE TABLE "survey_release" ("id" {serial}, '
        '"key" VARCHAR(120) NOT NULL, '
        '"survey_id" INTEGER REFERENCES "survey" ("id") ON DELETE CASCADE, '
        '"kind" VARCHAR(12) NOT NULL, '
        '"group_id" INTEGER REFERENCES "group" ("id") ON DELETE CASCADE, '
        '"meeting_id" INTEGER REFERENCES "meeting" ("id") ON DELETE CASCADE, '
        '"link_id" INTEGER REFERENCES "survey_link" ("id") ON DELETE CASCADE, '
        '"month" DATE NOT NULL, '
        '"shown" BOOLEAN NOT NULL, '
        '"figures" TEXT NOT NULL, '
        '"released_at" TIMESTAMP NOT NULL)')
    for sql in ('CREATE UNIQUE INDEX "survey_release_key" ON "survey_release" ("key")',
                'CREATE INDEX "survey_release_survey_id_kind_month" ON "survey_release" ("survey_id", "kind", "month")',
                'CREATE INDEX "survey_release_group_id" ON "survey_release" ("group_id")',
                'CREATE INDEX "survey_release_meeting_id" ON "survey_release" ("meeting_id")',
                'CREATE INDEX "survey_release_link_id" ON "survey_release" ("link_id")',
                'CREATE INDEX "survey_link_released_closes_at" ON "survey_link" ("released", "closes_at")'):
        db.execute_sql(sql)


def down(migrator, db):
    db.execute_sql('DROP TABLE "survey_release"')
    db.execute_sql('DROP INDEX "survey_link_released_closes_at"')
    db.execute_sql('ALTER TABLE "survey_link" DROP COLUMN "released"')
