"""A permission request's recording on PostgreSQL waits for the server fewer times: its case's and its reasons'
INSERTs travel with its reply's (store/pg_pipeline.py). Counted in libpq's trace of the one pooled connection the
recording runs on (tests/support/pg_round_trips.py), the rows checked as the mailbot leaves them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from mailbot.config import load_config
from mailbot.processing.handle import record_understood, understood
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from store.audit_verify import verify_chain
from store.db import make_engine, sessions
from tests.pipeline.conftest import Bot, now
from tests.pipeline.messages import permission_mail
from tests.support.pg_round_trips import round_trips


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # round trips are PostgreSQL's
def test_recording_a_permission_request_waits_for_postgresql_fewer_times(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    settings = settings_from(load_config(bot.config, environ={}))
    engine = make_engine(bot.store_url, pool_size=1, max_overflow=0)  # the recording's connection is the traced one
    factory = sessions(engine)
    try:
        with understander(load_config(bot.config, environ={}), factory) as understand:
            trips = []
            outcomes = []
            for n, user in enumerate(["paul.brown2@nhs.net", "nobody@nhs.net", "nobody2@nhs.net"]):
                u = understood(factory, understand, permission_mail(bot, user=user), now=now())
                with engine.connect() as connection:
                    driver = connection.connection.driver_connection
                with round_trips(driver) as counted:
                    [case] = record_understood(factory, u, source=f"test:{n}", now=now(), settings=settings)
                outcomes.append(case.outcome)
                trips += counted
        assert outcomes == ["approved", "rejected", "rejected"]
        with engine.connect() as connection:
            # The grant also tells its user.
            assert connection.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 4
            assert connection.execute(text("SELECT count(*) FROM cases")).scalar_one() == 3
        assert verify_chain(engine).intact
    finally:
        engine.dispose()
    # A grant (its user's rows changed through the ORM, each statement leaving the pipeline), then two rejections.
    # Each statement waited for, the code before took [23, 24, 19]; the audit chain's head and events in one
    # statement (store/audit_chain.py) take one more off each ([22, 20, 14]); the transaction's BEGIN queued with its
    # first statement, and SQLAlchemy's own statements sent in the pipeline with what was queued before them (not
    # after leaving it: two round trips), one or two more.
    assert trips == [21, 18, 13]
