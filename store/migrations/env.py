"""Alembic environment: the engine comes from store.db (never from an ini file), so the store URL, its secrets and
its SQLite pragmas are configured in one place."""

from alembic import context

from store.models import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
