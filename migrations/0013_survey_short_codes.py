"""A short code for each survey link, for people who type rather than scan: 8 characters without
look-alikes (surveys.CODE_ALPHABET), unique. Links made before have none (their QR code and full
address still work)."""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "survey_link" ADD COLUMN "short_code" VARCHAR(8)')
    db.execute_sql('CREATE UNIQUE INDEX "survey_link_short_code" ON "survey_link" ("short_code")')


def down(migrator, db):
    db.execute_sql('DROP INDEX "survey_link_short_code"')
    db.execute_sql('ALTER TABLE "survey_link" DROP COLUMN "short_code"')
