"""Each organisation's status in the NHS Organisation Data Service (active / closed / dormant / proposed), so that a
request for a closed organisation goes to a person (issue 16). Rows already there are active: the register had no
other kind.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default: every existing row reads `active`, on SQLite and PostgreSQL alike.
    op.add_column("organisations", sa.Column("status", sa.String(length=16), nullable=False,
                                             server_default="active"))


def downgrade() -> None:
    op.drop_column("organisations", "status")
