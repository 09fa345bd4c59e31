"""The organization's own surveys, each group's choice of surveys, and periodic survey links.

A survey link now belongs to a group and either a meeting or a period; a response stores the date
it counts for (the meeting's date, or the first day of the period)."""
from peewee import BooleanField, DateTimeField, Model, SqliteDatabase, TextField


def up(migrator, db):
    # Frozen copy of the model as it was at this migration.
    class Survey(Model):
        definition = TextField()
        archived = BooleanField(default=False)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([Survey])
    # Plain SQL: playhouse's add_column makes a NOT NULL column nullable first and then rebuilds
    # the table on SQLite to add the NOT NULL, and dropping the old "group" table would delete every
    # meeting, link and response through ON DELETE CASCADE.
    for sql in ('ALTER TABLE "group" ADD COLUMN "surveys_after_meetings" BOOLEAN NOT NULL DEFAULT TRUE',
                'ALTER TABLE "group" ADD COLUMN "meeting_survey_id" INTEGER '
                'REFERENCES "survey" ("id") ON DELETE SET NULL',
                'ALTER TABLE "group" ADD COLUMN "periodic_survey_id" INTEGER '
                'REFERENCES "survey" ("id") ON DELETE SET NULL',
                'ALTER TABLE "group" ADD COLUMN "survey_period" VARCHAR(8) NOT NULL DEFAULT \'month\'',
                'CREATE INDEX "group_meeting_survey_id" ON "group" ("meeting_survey_id")',
                'CREATE INDEX "group_periodic_survey_id" ON "group" ("periodic_survey_id")'):
        db.execute_sql(sql)
    for sql in ('ALTER TABLE "survey_link" ADD COLUMN "group_id" INTEGER '
                'REFERENCES "group" ("id") ON DELETE CASCADE',
                'UPDATE "survey_link" SET "group_id" = (SELECT "group_id" FROM "meeting" '
                'WHERE "meeting"."id" = "survey_link"."meeting_id")',
                'ALTER TABLE "survey_link" ADD COLUMN "survey_id" INTEGER '
                'REFERENCES "survey" ("id") ON DELETE RESTRICT',
                'ALTER TABLE "survey_link" ADD COLUMN "period" DATE',
                'CREATE INDEX "survey_link_group_id_period" ON "survey_link" ("group_id", "period")',
                'CREATE INDEX "survey_link_survey_id" ON "survey_link" ("survey_id")'):
        db.execute_sql(sql)
    if isinstance(db, SqliteDatabase):
        _drop_meeting_not_null_sqlite(db)
    else:
        db.execute_sql('ALTER TABLE "survey_link" ALTER COLUMN "group_id" SET NOT NULL')
        db.execute_sql('ALTER TABLE "survey_link" ALTER COLUMN "meeting_id" DROP NOT NULL')
    db.execute_sql('ALTER TABLE "survey_response" RENAME COLUMN "meeting_date" TO "counts_for"')


def _drop_meeting_not_null_sqlite(db):
    """SQLite cannot drop NOT NULL in place, and the usual rebuild of the table is unsafe here: with
    foreign keys on (a pragma that cannot change inside the migration's transaction), dropping the
    old table deletes every response through ON DELETE CASCADE, and renaming it moves the
    responses' references along. Removing a NOT NULL changes nothing stored, so SQLite's documented
    schema edit applies (https://sqlite.org/lang_altertable.html, "other kinds of changes"). The new
    group_id stays nullable on SQLite for the same reason; the application always sets it."""
    (sql,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'survey_link'").fetchone()
    new = sql.replace('"meeting_id" INTEGER NOT NULL', '"meeting_id" INTEGER', 1)
    if new == sql:
        raise RuntimeError("survey_link is not as migration 0004 made it")
    (version,) = db.execute_sql("PRAGMA schema_version").fetchone()
    db.execute_sql("PRAGMA writable_schema = ON")
    try:
        db.execute_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'survey_link'", (new,))
        db.execute_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        db.execute_sql("PRAGMA writable_schema = OFF")
    (check,) = db.execute_sql("PRAGMA integrity_check").fetchone()
    if check != "ok":
        raise RuntimeError(f"integrity check after the schema edit: {check}")


def down(migrator, db):
    raise NotImplementedError("Restore the backup taken before the upgrade.")
