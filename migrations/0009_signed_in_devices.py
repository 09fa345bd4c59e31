"""Signed-in devices: one row per browser that is signed in, kept on the server, so that signing
out ends the session there (a copied session cookie stops working), the account page can list the
devices, and "keep me signed in" is a random per-device token stored only as a hash, with its own
expiry.

Sessions made before this migration carry no device key: everyone signs in once more."""
from peewee import SqliteDatabase


def up(migrator, db):
    serial = "INTEGER NOT NULL PRIMARY KEY" if isinstance(db, SqliteDatabase) else "SERIAL PRIMARY KEY"
    db.execute_sql(
        f'CREATE TABLE "signed_in_device" ("id" {serial}, '
        '"user_id" INTEGER NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE, '
        '"key_hash" VARCHAR(64) NOT NULL, '
        '"remember_hash" VARCHAR(64), '
        '"remember_until" TIMESTAMP, '
        '"browser" VARCHAR(60) NOT NULL, '
        '"signed_in_at" TIMESTAMP NOT NULL, '
        '"last_seen_at" TIMESTAMP NOT NULL)')
    for sql in ('CREATE UNIQUE INDEX "signed_in_device_key_hash" ON "signed_in_device" ("key_hash")',
                'CREATE UNIQUE INDEX "signed_in_device_remember_hash" ON "signed_in_device" ("remember_hash")',
                'CREATE INDEX "signed_in_device_user_id" ON "signed_in_device" ("user_id")'):
        db.execute_sql(sql)


def down(migrator, db):
    db.execute_sql('DROP TABLE "signed_in_device"')
