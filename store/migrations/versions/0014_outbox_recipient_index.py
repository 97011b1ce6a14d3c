"""Counting the replies a sender had today by an index: `lower(recipient), created_at` on the outbox (the query
lower-cases the address, which the plain recipient index cannot serve, so it read the whole outbox: ~200 ms a
message with 100,000 cases in the store).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_lower_recipient_created", "outbox", [sa.text("lower(recipient)"), "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_lower_recipient_created", table_name="outbox")
