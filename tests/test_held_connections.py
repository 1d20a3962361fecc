"""The connection a thread keeps for the usual heartbeat (cpe_core/speed/held_connections.py) and the
statements run on it (cpe_core/speed/raw_statements.py): no pool checkout per heartbeat, one
connection per thread, closed with the engine; an error on it costs one answer the app's way
and a new connection, never a wrong answer."""
from __future__ import annotations

import threading

import pytest
from flask import request_started
from sqlalchemy import create_engine, event, select
from sqlalchemy.pool import NullPool

from cpe_core.speed import held_connections as held_module
from cpe_core.extensions import db
from cpe_core.speed.held_connections import held_connections
from cpe_core.models import ChapterProgress
from cpe_core.services import learning
from cpe_core.speed import raw_statements
from study_support import api_heartbeat, studying_one_chapter


@pytest.fixture
def setup(testapp, make_learner):
    return studying_one_chapter(testapp, make_learner)


def beat(testapp, chapter_id, position):
    return api_heartbeat(testapp, chapter_id, position).json


def watched(user_id: int) -> int:
    db.session.rollback()  # a fresh read
    return db.session.scalar(select(ChapterProgress.watched_seconds).where(ChapterProgress.user_id == user_id))


def kept_connection():
    return held_connections(db.engine).get().dbapi_connection


def _closed(connection) -> bool:
    if hasattr(connection, "pgconn"):  # psycopg
        return connection.closed
    try:
        connection.execute("SELECT 1")
    except Exception:  # sqlite3.ProgrammingError: cannot operate on a closed database
        return True
    return False


def test_the_usual_heartbeat_borrows_no_pooled_connection(app, testapp, setup, clock):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)  # the first creates the progress row, the app's way
    checkouts = []
    event.listen(db.engine.pool, "checkout", lambda *_args: checkouts.append(1))
    clock.advance(seconds=10)
    first = beat(testapp, chapter_id, 10)
    connection = kept_connection()
    clock.advance(seconds=10)
    second = beat(testapp, chapter_id, 20)
    assert (first["watched_seconds"], second["watched_seconds"]) == (10, 20)
    assert checkouts == []
    assert kept_connection() is connection


def test_each_thread_keeps_its_own_connection(app):
    mine = kept_connection()
    assert kept_connection() is mine
    theirs = []

    def other_thread():
        with app.app_context():
            theirs.append(kept_connection())

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert theirs[0] is not mine


def test_disposing_the_engine_closes_the_kept_connections(app):
    connection = kept_connection()
    assert not _closed(connection)
    db.engine.dispose()
    assert _closed(connection)
    assert kept_connection() is not connection


def test_a_broken_kept_connection_costs_one_answer_the_apps_way(app, testapp, setup, clock):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    beat(testapp, chapter_id, 10)
    broken = kept_connection()
    broken.close()  # behind its back, as a dropped socket would leave it
    answered_by_app = []
    request_started.connect(lambda *_a, **_k: answered_by_app.append(1), app, weak=False)
    clock.advance(seconds=10)
    assert beat(testapp, chapter_id, 20)["watched_seconds"] == 20
    assert answered_by_app == [1] and watched(user.id) == 20
    clock.advance(seconds=10)
    assert beat(testapp, chapter_id, 30)["watched_seconds"] == 30
    assert answered_by_app == [1]  # the usual way again, on a new connection
    assert kept_connection() is not broken and not _closed(kept_connection())


def test_a_kept_connection_the_server_ended_costs_one_answer_the_apps_way(app, testapp, setup, clock,
                                                                          cpe_database_url):
    if not cpe_database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a SQLite file cannot drop a connection")
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    beat(testapp, chapter_id, 10)
    backend = kept_connection().pgconn.backend_pid
    killer = create_engine(cpe_database_url, poolclass=NullPool)
    with killer.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": backend}).scalar()
    killer.dispose()
    clock.advance(seconds=10)
    assert beat(testapp, chapter_id, 20)["watched_seconds"] == 20
    clock.advance(seconds=10)
    assert beat(testapp, chapter_id, 30)["watched_seconds"] == 30
    assert kept_connection().pgconn.backend_pid != backend
    assert watched(user.id) == 30


def test_a_forked_process_opens_its_own_and_leaves_the_parents_open(app, monkeypatch):
    parents = kept_connection()
    real_pid = held_module.os.getpid()
    monkeypatch.setattr(held_module.os, "getpid", lambda: real_pid + 1)
    childs = kept_connection()
    assert childs is not parents
    assert not _closed(parents)  # closing it from the child would end the parent's session


def test_the_statements_on_a_kept_connection_read_what_sqlalchemy_reads(app, setup, clock, testapp):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    beat(testapp, chapter_id, 10)
    values = {"user_id": user.id, "chapter_id": chapter_id}
    statement = learning._access_statement()
    through_sqlalchemy = tuple(db.session.connection().execute(statement, values).first())
    quick = raw_statements.for_dialect(statement, db.engine.dialect, "test_access")
    through_kept = quick.fetchone(held_connections(db.engine).get(), values)
    assert through_kept == through_sqlalchemy
    assert through_kept[14] is not None  # the last heartbeat's instant, a datetime either way
    assert quick.fetchone(held_connections(db.engine).get(), {**values, "user_id": -1}) is None
