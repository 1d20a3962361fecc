"""A database connection per thread, kept from one request to the next, for the heartbeat.

The players' heartbeat is the platform's hottest request and runs two short statements, each
committing on its own (on SQLite the second is two UPDATEs in one short transaction). Borrowing a pooled connection for them and giving it back (SQLAlchemy's
checkout, its reset on return, the pool's events) cost as much CPU as one of the statements
themselves; measured under load (``bench/heartbeat``, PostgreSQL), keeping the connection
raised the heartbeat from about 36% to about 44% of the hello-world's rate. So a thread that
answers heartbeats keeps one connection for them:

- it is made by the engine (``raw_connection``, then ``detach``), so the engine's connect-time
  set-up (SQLite's pragmas, the dialect's initialisation) runs on it as on any pooled one;
- it never holds a transaction between statements (autocommit), so it holds no lock and no
  snapshot while it waits for the next heartbeat;
- whoever meets an error on it calls :meth:`HeldConnections.discard` and answers the slow way
  (a connection the server dropped while idle costs one request, no ping on every use); the
  thread's next use opens a new one;
- ``engine.dispose()`` closes them all, as it closes the pool's.

A process forked after a connection was opened leaves the parent's connections alone (closing a
shared socket would end the parent's session) and opens its own.
"""
from __future__ import annotations

import os
import threading
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class HeldConnection:
    """One thread's DBAPI connection, with room for what its users prepare on it (``state``:
    prepared statements, converters), which lives and dies with the connection."""

    def __init__(self, dbapi_connection: Any) -> None:
        self.dbapi_connection = dbapi_connection
        self.state: dict[str, Any] = {}


class HeldConnections:
    """The connections an engine's threads keep (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pid = os.getpid()
        # By thread identifier: a finished thread's connection goes to the next thread that gets
        # its identifier, which is harmless, as nothing else uses it any more.
        self._held: dict[int, HeldConnection] = {}
        self._lock = threading.Lock()

    def get(self) -> HeldConnection:
        """This thread's connection, opened on first use (autocommit)."""
        if os.getpid() != self._pid:
            self._forget_parents()
        held = self._held.get(threading.get_ident())
        if held is None:
            held = self._open()
        return held

    def discard(self) -> None:
        """Close this thread's connection after an error on it; the next :meth:`get` opens another."""
        with self._lock:
            held = self._held.pop(threading.get_ident(), None)
        if held is not None:
            _close(held)

    def close_all(self) -> None:
        with self._lock:
            held, self._held = list(self._held.values()), {}
        for connection in held:
            _close(connection)

    def _open(self) -> HeldConnection:
        proxied = self._engine.raw_connection()
        proxied.detach()  # ours now: closing it closes it, the pool neither counts nor resets it
        dbapi_connection = proxied.dbapi_connection
        if hasattr(dbapi_connection, "autocommit"):  # psycopg; sqlite3 is set up so by cpe_core
            dbapi_connection.autocommit = True
        held = HeldConnection(dbapi_connection)
        with self._lock:
            self._held[threading.get_ident()] = held
        return held

    def _forget_parents(self) -> None:
        with self._lock:
            if os.getpid() != self._pid:
                _ORPHANS.extend(self._held.values())  # kept referenced: never closed from here
                self._held = {}
                self._pid = os.getpid()


#: Connections a forked process inherited: referenced so that garbage collection never closes them.
_ORPHANS: list[HeldConnection] = []
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, HeldConnections] = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def held_connections(engine: Engine) -> HeldConnections:
    """``engine``'s held connections (one set per engine, closed by ``engine.dispose()``)."""
    held = _BY_ENGINE.get(engine)
    if held is None:
        with _BY_ENGINE_LOCK:
            held = _BY_ENGINE.get(engine)
            if held is None:
                held = _BY_ENGINE[engine] = HeldConnections(engine)
                event.listen(engine, "engine_disposed", _close_on_dispose)
    return held


def _close_on_dispose(engine: Engine) -> None:
    held = _BY_ENGINE.get(engine)
    if held is not None:
        held.close_all()


def _close(held: HeldConnection) -> None:
    try:
        held.dbapi_connection.close()
    except Exception:  # noqa: BLE001 - already broken: closing is only tidying up
        pass
