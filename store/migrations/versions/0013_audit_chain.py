"""The audit trail as a hash chain: seq, prev_hash and hash on every event, the chain head in a row of its own;
existing events are chained in the order they were written (by id)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from store.audit_chain import GENESIS, HEAD_ROW, event_hash
from store.types import JSONType, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The append-only triggers of migration 0001. SQLite drops a table's triggers with it (a batch rebuild does), so
# they are made again after each rebuild; PostgreSQL's are switched off only while the existing rows get their hashes.
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]
DROP_APPEND_ONLY_SQLITE = ["DROP TRIGGER IF EXISTS audit_events_no_update",
                           "DROP TRIGGER IF EXISTS audit_events_no_delete"]

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("case_id", sa.Integer()),
    sa.column("org_code", sa.String()),
    sa.column("detail", JSONType),
    sa.column("seq", sa.BigInteger()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def _chain_existing_rows(bind: sa.Connection, page: int = 5000) -> tuple[int, str]:
    """Chain the existing events in id order, a page at a time (a large trail never sits in memory whole)."""
    seq, previous, last_id = 0, GENESIS, None
    update = (events.update().where(events.c.id == sa.bindparam("row_id"))
              .values(seq=sa.bindparam("new_seq"), prev_hash=sa.bindparam("new_prev"),
                      hash=sa.bindparam("new_hash")))
    while True:
        query = sa.select(events.c.id, events.c.at, events.c.actor, events.c.action, events.c.case_id,
                          events.c.org_code, events.c.detail).order_by(events.c.id).limit(page)
        if last_id is not None:
            query = query.where(events.c.id > last_id)
        rows = bind.execute(query).all()
        if not rows:
            return seq, previous
        batch = []
        for row in rows:
            seq += 1
            digest = event_hash(seq=seq, at=row.at, actor=row.actor, action=row.action, case_id=row.case_id,
                                org_code=row.org_code, detail=row.detail, prev_hash=previous)
            batch.append({"row_id": row.id, "new_seq": seq, "new_prev": previous, "new_hash": digest})
            previous = digest
        bind.execute(update, batch)
        last_id = rows[-1].id


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.add_column("audit_events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=True))
    if sqlite:
        for statement in DROP_APPEND_ONLY_SQLITE:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    seq, head = _chain_existing_rows(bind)
    bind.execute(sa.text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (:id, :seq, :hash)"),
                 {"id": HEAD_ROW, "seq": seq, "hash": head})
    if sqlite:
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
            batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
            batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
            batch.create_unique_constraint(op.f("uq_audit_events_seq"), ["seq"])
        for statement in APPEND_ONLY_SQLITE:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        for column in ("seq", "prev_hash", "hash"):
            op.alter_column("audit_events", column, nullable=False)
        op.create_unique_constraint(op.f("uq_audit_events_seq"), "audit_events", ["seq"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.drop_constraint(op.f("uq_audit_events_seq"), type_="unique")
            batch.drop_column("hash")
            batch.drop_column("prev_hash")
            batch.drop_column("seq")
        for statement in DROP_APPEND_ONLY_SQLITE + APPEND_ONLY_SQLITE:
            op.execute(statement)
    else:
        op.drop_constraint(op.f("uq_audit_events_seq"), "audit_events", type_="unique")
        for column in ("hash", "prev_hash", "seq"):
            op.drop_column("audit_events", column)
    op.drop_table("audit_chain_head")
