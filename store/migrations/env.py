"""Alembic environment: the engine comes from store.db (never from an ini file), so the store URL, its secrets and
its SQLite pragmas are configured in one place."""

import warnings

from alembic import context
from sqlalchemy.exc import SAWarning

from store.models import Base

# SQLite's table rebuilds reflect `cases`, whose day-ordered index (0011) is an expression SQLAlchemy cannot read back;
# the rebuilds never touch that index, so the warning would only alarm whoever runs `mailbot db upgrade`.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index",
                        category=SAWarning)

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
