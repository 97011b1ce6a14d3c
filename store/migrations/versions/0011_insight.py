"""The mailbox at a glance (issue 16): one covering index over the cases of a window, so the daily counts by kind
and outcome, the share finished with no person and the times to answer read the index alone, never a case's JSON

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "kind", "outcome", "needs_review", "decided_by", "decided_at", "id"]


def upgrade() -> None:
    op.create_index("ix_cases_insight", "cases", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_cases_insight", table_name="cases")
