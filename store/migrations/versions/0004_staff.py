"""staff accounts and their web sessions; partial indexes for the review queue

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WAITING_INDEXES = {  # name: columns; each only over cases waiting for review
    "ix_cases_waiting": ["created_at", "id"],
    "ix_cases_waiting_kind": ["kind", "created_at", "id"],
    "ix_cases_waiting_org": ["org_code", "created_at", "id"],
}
# case_reasons.waiting follows cases.needs_review, however the case is changed.
WAITING_TRIGGERS_SQLITE = [
    "CREATE TRIGGER case_reasons_waiting_on_insert AFTER INSERT ON case_reasons BEGIN "
    "UPDATE case_reasons SET waiting = (SELECT needs_review FROM cases WHERE id = NEW.case_id) "
    "WHERE case_id = NEW.case_id AND code = NEW.code; END",
    "CREATE TRIGGER cases_waiting_to_reasons AFTER UPDATE OF needs_review ON cases "
    "WHEN OLD.needs_review IS NOT NEW.needs_review BEGIN "
    "UPDATE case_reasons SET waiting = NEW.needs_review WHERE case_id = NEW.id; END",
]
WAITING_TRIGGERS_POSTGRESQL = [
    "CREATE FUNCTION case_reasons_waiting_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.waiting := COALESCE((SELECT needs_review FROM cases WHERE id = NEW.case_id), false); RETURN NEW; END $$",
    "CREATE TRIGGER case_reasons_waiting_on_insert BEFORE INSERT ON case_reasons "
    "FOR EACH ROW EXECUTE FUNCTION case_reasons_waiting_on_insert()",
    "CREATE FUNCTION cases_waiting_to_reasons() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE case_reasons SET waiting = NEW.needs_review WHERE case_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER cases_waiting_to_reasons AFTER UPDATE OF needs_review ON cases FOR EACH ROW "
    "WHEN (OLD.needs_review IS DISTINCT FROM NEW.needs_review) EXECUTE FUNCTION cases_waiting_to_reasons()",
]


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("name", name=op.f("uq_staff_name")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_sessions_staff_id_staff"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"])

    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, columns in WAITING_INDEXES.items():
        op.create_index(name, "cases", columns, sqlite_where=sa.text("needs_review IS 1"),
                        postgresql_where=sa.text("needs_review IS true"))
    with op.batch_alter_table("case_reasons") as batch:
        batch.add_column(sa.Column("waiting", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE case_reasons SET waiting = (SELECT needs_review FROM cases WHERE cases.id = case_reasons.case_id)")
    op.create_index("ix_case_reasons_waiting", "case_reasons", ["code", "case_id"],
                    sqlite_where=sa.text("waiting IS 1"), postgresql_where=sa.text("waiting IS true"))
    for statement in WAITING_TRIGGERS_SQLITE if sqlite else WAITING_TRIGGERS_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS case_reasons_waiting_on_insert")
        op.execute("DROP TRIGGER IF EXISTS cases_waiting_to_reasons")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_reasons_waiting_on_insert ON case_reasons")
        op.execute("DROP TRIGGER IF EXISTS cases_waiting_to_reasons ON cases")
        op.execute("DROP FUNCTION IF EXISTS case_reasons_waiting_on_insert()")
        op.execute("DROP FUNCTION IF EXISTS cases_waiting_to_reasons()")
    op.drop_index("ix_case_reasons_waiting", table_name="case_reasons")
    with op.batch_alter_table("case_reasons") as batch:
        batch.drop_column("waiting")
    for name in WAITING_INDEXES:
        op.drop_index(name, table_name="cases")
    op.drop_index(op.f("ix_staff_sessions_staff_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff")
