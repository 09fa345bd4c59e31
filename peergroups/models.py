"""The peewee models. The schema itself is made by migrations/; these mirror it."""
import datetime

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)

from .db import database

ROLES = ("admin", "facilitator", "supervisor")


def utcnow():
    """Naive UTC, the one way every timestamp is stored."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organization(BaseModel):
    """The one organization of this installation."""

    name = CharField(max_length=200)
    default_locale = CharField(max_length=16, default="en")
    timezone = CharField(max_length=64, default="UTC")
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def current(cls):
        return cls.select().order_by(cls.id).first()


class User(UserMixin, BaseModel):
    """A staff account. Members never log in and are not users."""

    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=120)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=16)
    locale = CharField(max_length=16, null=True)
    active = BooleanField(default=True)
    # Bumped on deactivation, password or role change: every other session ends at once.
    session_version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_version}"


class Invite(BaseModel):
    """A single-use link: `invite` creates an account, `reset` sets a new password."""

    kind = CharField(max_length=8, default="invite")
    token_hash = CharField(max_length=64, unique=True)
    email = CharField(max_length=254)
    role = CharField(max_length=16, null=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE", backref="resets")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
