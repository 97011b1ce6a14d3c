"""The mailbox at a glance (issue 16): indexes over the cases of a window, so the daily counts by kind and outcome,
the share finished with no person and the times to answer read indexes alone, never a case's JSON

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "kind", "outcome", "needs_review", "decided_by", "decided_at", "id"]


def upgrade() -> None:
    op.create_index("ix_cases_insight", "cases", COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite groups the window's cases by day without sorting them only when the index is in day order: the
        # day is the first ten characters of the stored text (store/insight.py spells it the same way). Not in
        # the models: SQLAlchemy does not reflect expression indexes on SQLite. PostgreSQL hashes the groups.
        op.create_index("ix_cases_insight_day", "cases",
                        [sa.text("substr(created_at, 1, 10)"), "kind", "outcome", "needs_review", "decided_by",
                         "created_at", "decided_at"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_cases_insight_day", table_name="cases")
    op.drop_index("ix_cases_insight", table_name="cases")
