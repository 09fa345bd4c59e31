"""The organization's own k: survey figures need at least this many responses (admins change it)."""
from peewee import SQL, IntegerField


def up(migrator, db):
    # NOT NULL with a default in the schema itself, so existing rows get 5 in the same statement
    # and a row written without the column (an older process mid-upgrade) still gets a value.
    migrator.migrate(migrator.add_column(
        "organization", "survey_min_responses",
        IntegerField(default=5, constraints=[SQL("DEFAULT 5")]), allow_not_null=True))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("organization", "survey_min_responses"))
