"""Organization, staff accounts and single-use invite/reset links."""

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(migrator, db):
    # Frozen copies of the models as they were at this migration.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Organization(Base):
        name = CharField(max_length=200)
        default_locale = CharField(max_length=16, default="en")
        timezone = CharField(max_length=64, default="UTC")
        created_at = DateTimeField()

    class User(Base):
        email = CharField(max_length=254, unique=True)
        name = CharField(max_length=120)
        password_hash = CharField(max_length=255)
        role = CharField(max_length=16)
        locale = CharField(max_length=16, null=True)
        active = BooleanField(default=True)
        session_version = IntegerField(default=1)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)

    class Invite(Base):
        kind = CharField(max_length=8, default="invite")
        token_hash = CharField(max_length=64, unique=True)
        email = CharField(max_length=254)
        role = CharField(max_length=16, null=True)
        user = ForeignKeyField(User, null=True, on_delete="CASCADE", backref="resets")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

    db.create_tables([Organization, User, Invite])


def down(migrator, db):
    for table in ("invite", "user", "organization"):
        db.execute_sql(f'DROP TABLE "{table}"')
