"""case_reasons: one row per reason code of a case, for the review queue's filters

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_reasons",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_reasons_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "code", name=op.f("pk_case_reasons")),
    )
    op.create_index("ix_case_reasons_code_case", "case_reasons", ["code", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_reasons_code_case", table_name="case_reasons")
    op.drop_table("case_reasons")
