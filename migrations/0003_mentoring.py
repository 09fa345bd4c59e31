"""Mentoring: mentor profiles, newcomer preferences, pairings and their check-ins."""
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(migrator, db):
    # Frozen copies of the models as they were at this migration.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Group(Base):
        class Meta:
            table_name = "group"

    class Member(Base):
        class Meta:
            table_name = "member"

    class MentorProfile(Base):
        member = ForeignKeyField(Member, unique=True, on_delete="CASCADE")
        willing = BooleanField(default=True)
        capacity = IntegerField(default=1)
        languages = CharField(max_length=200, default="")
        focus_areas = CharField(max_length=500, default="")
        availability = CharField(max_length=400, default="")
        in_recovery_since = DateField(null=True)
        gender = CharField(max_length=60, default="")
        updated_at = DateTimeField()

    class NewcomerPreference(Base):
        member = ForeignKeyField(Member, unique=True, on_delete="CASCADE")
        languages = CharField(max_length=200, default="")
        preferred_gender = CharField(max_length=60, default="")
        focus_areas = CharField(max_length=500, default="")
        availability = CharField(max_length=400, default="")
        updated_at = DateTimeField()

    class Pairing(Base):
        newcomer = ForeignKeyField(Member, on_delete="CASCADE")
        mentor = ForeignKeyField(Member, on_delete="CASCADE")
        group = ForeignKeyField(Group, on_delete="CASCADE")
        status = CharField(max_length=10, default="proposed")
        consent_to_share_contact = BooleanField(default=False)
        created_at = DateTimeField()
        activated_at = DateTimeField(null=True)
        ended_at = DateTimeField(null=True)
        end_reason = CharField(max_length=12, null=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class CheckIn(Base):
        pairing = ForeignKeyField(Pairing, on_delete="CASCADE")
        date = DateField()
        kind = CharField(max_length=10)
        note = CharField(max_length=500, default="")
        by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            indexes = ((("pairing", "date"), False),)

    db.create_tables([MentorProfile, NewcomerPreference, Pairing, CheckIn])
    # One open pairing per newcomer, enforced by the database (SQLite and PostgreSQL both have
    # partial indexes), so two phones proposing at once cannot both win.
    db.execute_sql('CREATE UNIQUE INDEX "pairing_one_open" ON "pairing" ("newcomer_id") '
                   "WHERE \"status\" IN ('proposed', 'active')")
    db.execute_sql('CREATE INDEX "pairing_mentor_status" ON "pairing" ("mentor_id", "status")')


def down(migrator, db):
    for table in ("check_in", "pairing", "newcomer_preference", "mentor_profile"):
        db.execute_sql(f'DROP TABLE "{table}"')
