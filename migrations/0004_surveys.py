"""Anonymous surveys: a link per meeting, responses with random keys that store no visitor data."""
from peewee import CharField, DateTimeField, ForeignKeyField, Model, SqliteDatabase

# Random keys and WITHOUT ROWID: SQLite then stores rows in key order, so neither a rowid nor the
# physical order tells in which order people answered. PostgreSQL has no rowid to hide.
SQLITE_TABLES = (
    'CREATE TABLE "survey_response" ('
    '"id" VARCHAR(32) NOT NULL PRIMARY KEY, '
    '"link_id" INTEGER NOT NULL REFERENCES "survey_link" ("id") ON DELETE CASCADE, '
    '"meeting_date" DATE NOT NULL) WITHOUT ROWID',
    'CREATE TABLE "survey_answer" ('
    '"response_id" VARCHAR(32) NOT NULL REFERENCES "survey_response" ("id") ON DELETE CASCADE, '
    '"question" VARCHAR(32) NOT NULL, "value" INTEGER, "text" TEXT, '
    'PRIMARY KEY ("response_id", "question")) WITHOUT ROWID',
)
POSTGRES_TABLES = (
    'CREATE TABLE "survey_response" ('
    '"id" VARCHAR(32) NOT NULL PRIMARY KEY, '
    '"link_id" INTEGER NOT NULL REFERENCES "survey_link" ("id") ON DELETE CASCADE, '
    '"meeting_date" DATE NOT NULL)',
    'CREATE TABLE "survey_answer" ('
    '"response_id" VARCHAR(32) NOT NULL REFERENCES "survey_response" ("id") ON DELETE CASCADE, '
    '"question" VARCHAR(32) NOT NULL, "value" INTEGER, "text" TEXT, '
    'PRIMARY KEY ("response_id", "question"))',
)


def up(migrator, db):
    # Frozen copies of the models as they were at this migration.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Meeting(Base):
        class Meta:
            table_name = "meeting"

    class SurveyLink(Base):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        token = CharField(max_length=32, unique=True)
        closes_at = DateTimeField()

        class Meta:
            indexes = ((("meeting", "closes_at"), False),)

    db.create_tables([SurveyLink])
    for sql in SQLITE_TABLES if isinstance(db, SqliteDatabase) else POSTGRES_TABLES:
        db.execute_sql(sql)
    db.execute_sql('CREATE INDEX "survey_response_link_id" ON "survey_response" ("link_id")')


def down(migrator, db):
    for table in ("survey_answer", "survey_response", "survey_link"):
        db.execute_sql(f'DROP TABLE "{table}"')
