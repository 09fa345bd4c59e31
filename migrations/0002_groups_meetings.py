"""Groups, members, meetings and attendance with its history."""
from peewee import (
    BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model,
    TextField, TimeField,
)


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
        name = CharField(max_length=120)
        description = TextField(default="")
        languages = CharField(max_length=200, default="en")
        weekday = IntegerField(null=True)
        start_time = TimeField(null=True)
        duration_minutes = IntegerField(default=90)
        timezone = CharField(max_length=64, default="UTC")
        frequency = CharField(max_length=8, default="weekly")
        interval = IntegerField(default=1)
        ordinal = IntegerField(null=True)
        starts_on = DateField(null=True)
        location = TextField(default="")
        virtual_link = CharField(max_length=500, default="")
        topics = TextField(default="")
        calendar_token = CharField(max_length=64, null=True, unique=True)
        archived = BooleanField(default=False)
        created_at = DateTimeField()

    class GroupFacilitator(Base):
        group = ForeignKeyField(Group, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        lead = BooleanField(default=True)

        class Meta:
            indexes = ((("group", "user"), True),)

    class Member(Base):
        name = CharField(max_length=80)
        locale = CharField(max_length=16, default="en")
        pronouns = CharField(max_length=40, default="")
        phone = CharField(max_length=40, default="")
        email = CharField(max_length=254, default="")
        joined_on = DateField()
        archived = BooleanField(default=False)
        merged_into = ForeignKeyField("self", null=True, on_delete="SET NULL")
        created_at = DateTimeField()

    class GroupMember(Base):
        group = ForeignKeyField(Group, on_delete="CASCADE")
        member = ForeignKeyField(Member, on_delete="CASCADE")
        joined_on = DateField()
        active = BooleanField(default=True)

        class Meta:
            indexes = ((("group", "member"), True),)

    class Meeting(Base):
        group = ForeignKeyField(Group, on_delete="CASCADE")
        local_date = DateField()
        starts_at = DateTimeField()
        ad_hoc = BooleanField(default=False)
        mode = CharField(max_length=10, default="in_person")
        topic = CharField(max_length=200, default="")
        notes = TextField(default="")
        status = CharField(max_length=10, default="open")
        opened_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        closed_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("group", "starts_at"), False),)

    class Attendance(Base):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        member = ForeignKeyField(Member, on_delete="CASCADE")
        state = CharField(max_length=8)
        by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField()

        class Meta:
            indexes = ((("meeting", "member"), True),)

    class AttendanceChange(Base):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        member = ForeignKeyField(Member, on_delete="CASCADE")
        state = CharField(max_length=8, null=True)
        previous = CharField(max_length=8, null=True)
        by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField()
        undone = BooleanField(default=False)

        class Meta:
            indexes = ((("meeting", "by", "at"), False),)

    db.create_tables([Group, GroupFacilitator, Member, GroupMember, Meeting, Attendance, AttendanceChange])
    db.execute_sql('CREATE INDEX "attendance_member_state" ON "attendance" ("member_id", "state")')


def down(migrator, db):
    for table in ("attendance_change", "attendance", "meeting", "group_member", "member",
                  "group_facilitator", "group"):
        db.execute_sql(f'DROP TABLE "{table}"')
