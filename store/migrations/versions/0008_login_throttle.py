"""Web log-in throttling per client address, staff administrators and one-time passwords

Failed log-ins are counted per client address and per (client address, name) in login_throttles, so every web
process on one store shares them; the account-wide lockout of 0004 (failed_logins, locked_until) goes: with it
a stranger could lock anyone out. Staff get `is_admin` (may unlock, reset and disable others on the web) and
`must_change_password` (set by a reset: the one-time password only lets them choose a new one).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("client", "account", name=op.f("uq_login_throttles_client_account")),
    )
    op.create_index(op.f("ix_login_throttles_last_attempt_at"), "login_throttles", ["last_attempt_at"])
    op.create_index(op.f("ix_login_throttles_account"), "login_throttles", ["account"])
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("must_change_password")
        batch.drop_column("is_admin")
    op.drop_index(op.f("ix_login_throttles_account"), table_name="login_throttles")
    op.drop_index(op.f("ix_login_throttles_last_attempt_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
