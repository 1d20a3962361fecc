"""Starting a write transaction whose first statement may be a counter's conditional UPDATE.

A counter that must hold under concurrency (a code's tries, a phone's daily SMS, a captcha's
single use) is taken with one conditional UPDATE (``... SET n = n + 1 WHERE n < limit``): on
PostgreSQL a second writer waits for the first's row lock, then re-reads the row, so the limit
holds exactly. On SQLite the same UPDATE fails at once with "database is locked" when the
transaction had read before and another connection wrote meanwhile (WAL keeps the reader's
snapshot, which cannot be upgraded); taking the write lock at BEGIN (``BEGIN IMMEDIATE``, which
waits for it under ``busy_timeout``) avoids that. See ``_sqlite_begin`` in :mod:`cpe_core`.
"""
from __future__ import annotations

from .extensions import db


def begin_write() -> None:
    """End the session's current transaction (it must hold only reads) and begin a write
    transaction: ``BEGIN IMMEDIATE`` on SQLite, a plain ``BEGIN`` elsewhere.

    Objects loaded before are expired by the commit and read again inside the new transaction.
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.connection(execution_options={"cpe_sqlite_begin": "BEGIN IMMEDIATE"})
