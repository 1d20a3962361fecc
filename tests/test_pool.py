"""Pooled connections are pinged before use only after sitting idle (cpe_core/pool.py): a
connection the database dropped meanwhile is replaced, while one in use a moment ago costs no
extra round trip. PostgreSQL only: a SQLite file cannot drop a connection."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc
from sqlalchemy.pool import NullPool

from cpe_core.pool import ping_idle_connections


@pytest.fixture
def postgres_url(cpe_database_url):
    if not cpe_database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a SQLite file cannot drop a connection")
    return cpe_database_url


def _engine(url: str, idle_seconds: float):
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_seconds)
    return engine


def _drop_pooled_connection(engine, url: str) -> None:
    """Have the server end the connection the pool holds, as a restart would."""
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    killer = create_engine(url, poolclass=NullPool)
    with killer.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid}).scalar()
    killer.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_url):
    engine = _engine(postgres_url, idle_seconds=0)
    try:
        _drop_pooled_connection(engine, postgres_url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_url):
    # The proof that no ping is sent: the dropped connection is handed out as it is, and the
    # first statement on it fails (the app's next request then gets a fresh one).
    engine = _engine(postgres_url, idle_seconds=3600)
    try:
        _drop_pooled_connection(engine, postgres_url)
        with pytest.raises(exc.OperationalError):
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
