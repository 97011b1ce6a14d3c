"""Telephone numbers on record for signatories and users (staff phone the number on record to verify a request),
who is working on a case (assign to me / release), and message fingerprints (cases with the same attachment or
text)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signatories") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=False, server_default=""))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=False, server_default=""))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(op.f("ix_cases_sender"), ["sender"])
        batch.create_index("ix_cases_org_created", ["org_code", "created_at"])
    op.create_table(
        "message_digests",
        sa.Column("message_row_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["message_row_id"], ["messages.id"], name=op.f("fk_message_digests_message_row_id_messages"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_row_id", "kind", "digest", name=op.f("pk_message_digests")),
    )
    op.create_index("ix_message_digests_kind_digest", "message_digests", ["kind", "digest"])


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later have it), not a batch copy of `cases`: the triggers of migration 0004
    # name `cases`, and SQLite refuses to rename a copy into its place while they exist.
    op.drop_index("ix_message_digests_kind_digest", table_name="message_digests")
    op.drop_table("message_digests")
    op.drop_index("ix_cases_org_created", table_name="cases")
    op.drop_index(op.f("ix_cases_sender"), table_name="cases")
    op.drop_column("cases", "assigned_at")
    op.drop_column("cases", "assigned_to")
    op.drop_column("users", "phone")
    op.drop_column("signatories", "phone")
