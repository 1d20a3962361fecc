"""Checking pooled database connections before use, only where one may have gone stale.

SQLAlchemy's ``pool_pre_ping`` sends a ping on every checkout: one more round trip on every
request, and the players' heartbeat checks a connection out per request. A connection that
was checked in a moment ago was fine a moment ago; one that sat idle may have been dropped (a
database restart, a firewall's idle timeout). So only connections idle longer than
``CPE_DB_PING_IDLE_SECONDS`` (default 10) are pinged, by the pool's own checkout event, the way
SQLAlchemy documents custom pessimistic checks: a failed ping raises ``DisconnectionError``
and the pool retries with a fresh connection. A database that goes away while a connection is
busy still fails that one request, as it would with ``pool_pre_ping``.
"""
from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

DEFAULT_IDLE_SECONDS = 10.0
_CHECKED_IN = "cpe_checked_in_at"


def ping_idle_connections(engine: Engine, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
    """Ping each of ``engine``'s pooled connections at checkout if idle over ``idle_seconds``."""
    if engine.dialect.name == "sqlite":
        return  # a SQLite file cannot drop a connection
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def remember_checkin(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in <= idle_seconds:
            return  # new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error
