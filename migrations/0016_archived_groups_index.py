"""Every page of a facilitator asks which groups are archived (read-only): an index of just those,
so the answer does not read every group of the organization."""


def up(migrator, db):
    db.execute_sql('CREATE INDEX "group_archived" ON "group" ("id") WHERE "archived"')


def down(migrator, db):
    db.execute_sql('DROP INDEX "group_archived"')
