"""signatory confirmations: a form's signatory asked to confirm it, with reminder and expiry (SPEC 17)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signatory_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_case_id", sa.Integer(), nullable=True),
        sa.Column("answer_why", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_signatory_confirmations_case_id_cases"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["answer_case_id"], ["cases.id"],
                                name=op.f("fk_signatory_confirmations_answer_case_id_cases"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatory_confirmations")),
        sa.UniqueConstraint("case_id", name=op.f("uq_signatory_confirmations_case_id")),
    )
    op.create_index("ix_signatory_confirmations_status_remind", "signatory_confirmations", ["status", "remind_at"])
    op.create_index("ix_signatory_confirmations_status_expires", "signatory_confirmations",
                    ["status", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_signatory_confirmations_status_expires", table_name="signatory_confirmations")
    op.drop_index("ix_signatory_confirmations_status_remind", table_name="signatory_confirmations")
    op.drop_table("signatory_confirmations")
