"""An invite can name the groups the new facilitator will lead (ids, comma-separated): they lead
them from their first sign-in, without an admin's second step."""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "invite" ADD COLUMN "group_ids" VARCHAR(2000) NOT NULL DEFAULT \'\'')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "invite" DROP COLUMN "group_ids"')
