"""The register's version: one row whose token changes, by trigger, whenever a row of the register changes
(organisations, users, their grants, the catalogue, signatories), whoever changes it: this daemon, another
process, the web pages, an import, or SQL typed by hand. A process may keep a snapshot of the register read under
a token and use it for as long as the token stays the same (store/register_cache.py).

The token is random (128 bits on SQLite, an MD5 of a random number and the clock on PostgreSQL), not a counter:
a transaction that changes the register and rolls back must never leave behind a token that a later, different
change could take again.

SQLite drops a table's triggers when a batch migration rebuilds it: a later migration that rebuilds one of these
tables must create its triggers again (REGISTER_TABLES and sqlite_triggers below).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

REGISTER_TABLES = ("organisations", "users", "user_applications", "applications", "signatories")
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
SQLITE_TOKEN = "lower(hex(randomblob(16)))"
POSTGRES_TOKEN = "md5(random()::text || clock_timestamp()::text)"


def sqlite_triggers(table: str) -> list[str]:
    return [f"CREATE TRIGGER register_version_{table}_{op_.lower()} AFTER {op_} ON {table} "
            f"BEGIN UPDATE register_version SET token = {SQLITE_TOKEN} WHERE id = 1; END" for op_ in OPERATIONS]


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "register_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_version")),
    )
    op.execute(f"INSERT INTO register_version (id, token) VALUES (1, {SQLITE_TOKEN if sqlite else POSTGRES_TOKEN})")
    if sqlite:
        for table in REGISTER_TABLES:
            for statement in sqlite_triggers(table):
                op.execute(statement)
        return
    op.execute("CREATE FUNCTION bump_register_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"UPDATE register_version SET token = {POSTGRES_TOKEN} WHERE id = 1; RETURN NULL; END $$")
    for table in REGISTER_TABLES:  # once a statement, however many rows it changes
        op.execute(f"CREATE TRIGGER register_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_register_version()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in REGISTER_TABLES:
            for op_ in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS register_version_{table}_{op_.lower()}")
    else:
        for table in REGISTER_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS register_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_register_version()")
    op.drop_table("register_version")
