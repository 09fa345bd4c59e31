"""Crisis and support lines per language, shown after a survey and on the meeting screen."""
from peewee import CharField, Model


def up(migrator, db):
    # Frozen copy of the model as it was at this migration.
    class CrisisLine(Model):
        locale = CharField(max_length=16, default="")
        name = CharField(max_length=120)
        phone = CharField(max_length=40, default="")
        text_line = CharField(max_length=80, default="")
        url = CharField(max_length=500, default="")
        hours = CharField(max_length=120, default="")

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([CrisisLine])


def down(migrator, db):
    db.execute_sql('DROP TABLE "crisis_line"')
