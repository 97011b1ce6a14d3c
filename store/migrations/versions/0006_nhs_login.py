"""NHS log-in for staff (OpenID Connect): the NHS email and provider subject linked to a staff account, and the
log-ins on their way between the redirect to the provider and its callback

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("nhs_email", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("oidc_issuer", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch.create_unique_constraint(op.f("uq_staff_nhs_email"), ["nhs_email"])
    op.create_table(
        "oidc_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_logins")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_oidc_logins_state_hash")),
    )
    op.create_index(op.f("ix_oidc_logins_created_at"), "oidc_logins", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_logins_created_at"), table_name="oidc_logins")
    op.drop_table("oidc_logins")
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint(op.f("uq_staff_nhs_email"), type_="unique")
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")
        batch.drop_column("nhs_email")
