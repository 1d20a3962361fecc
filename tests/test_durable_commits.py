"""Durable credits: only the usual, progress-only heartbeat commits without waiting for the disk.
A transaction that writes credits (the finishing heartbeat's, an exercise's that completes a
course) commits durably: PostgreSQL's ``synchronous_commit`` is on at its commit, and SQLite
connections sync at every commit but for the heartbeat's own held connection."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event, text

import cpe_core
from cpe_core.extensions import db
from cpe_core.speed.held_connections import held_connections
from study_support import add_to_plan, course, learner, sign_in
from study_support import api_heartbeat as beat

#: Tables whose rows must survive a crash once their transaction committed.
DURABLE = {"credit_record", "payment", "order", "exam_attempt", "certificate"}
WRITTEN = re.compile(r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Commit:
    tables: frozenset[str]
    synchronous_commit: str


class Commits:
    """Every transaction the app commits on PostgreSQL through SQLAlchemy: the tables it wrote
    and ``synchronous_commit`` as it stood when it committed (asked inside the transaction, just
    before its COMMIT). A statement run in autocommit mode is a transaction of its own."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.seen: list[Commit] = []
        self._written: dict[int, set[str]] = {}
        event.listen(engine, "before_cursor_execute", self.statement)
        event.listen(engine, "commit", self.commit)

    def statement(self, conn, _cursor, statement, *_args) -> None:
        tables = set(WRITTEN.findall(statement))
        dbapi = conn.connection.dbapi_connection
        if dbapi.autocommit:
            if tables:
                relaxed = "synchronous_commit" in statement and "off" in statement.lower()
                self.seen.append(Commit(frozenset(tables), "off" if relaxed else self._setting(dbapi)))
            return
        self._written.setdefault(id(dbapi), set()).update(tables)

    def commit(self, conn) -> None:
        dbapi = conn.connection.dbapi_connection
        tables = self._written.pop(id(dbapi), set())
        if tables and not dbapi.autocommit:
            self.seen.append(Commit(frozenset(tables), self._setting(dbapi)))

    @staticmethod
    def _setting(dbapi) -> str:
        cursor = dbapi.cursor()
        try:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]
        finally:
            cursor.close()

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.statement)
        event.remove(self.engine, "commit", self.commit)


@pytest.fixture
def commits(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's (SQLite: see the pragma tests below)")
    recorder = Commits(db.engine)
    yield recorder
    recorder.close()


@pytest.fixture
def studying(testapp, make_learner):
    def setup(questions: bool):
        user = learner(make_learner, "chaoyang")
        c = course("chaoyang", chapters=1, duration=20, credits=3, questions=questions)
        add_to_plan(user, c)
        sign_in(testapp, user)
        return user, c.chapters[0]

    return setup


def test_the_finishing_heartbeat_that_writes_credits_commits_durably(testapp, studying, clock, commits):
    _user, chapter = studying(questions=False)  # watched = passed: the heartbeat earns the credits
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=20)
    assert beat(testapp, chapter.id, 20).json["watched"] is True
    credits = [c for c in commits.seen if "credit_record" in c.tables]
    assert credits, commits.seen
    assert {c.synchronous_commit for c in credits} == {"on"}, credits
    # The recorder does see a relaxed commit: the chapter's first heartbeat, progress only.
    assert any(c.synchronous_commit == "off" and c.tables <= {"chapter_progress", "user"} for c in commits.seen)


def test_an_exercise_that_completes_a_course_commits_durably(testapp, studying, clock, commits):
    _user, chapter = studying(questions=True)
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=20)
    assert beat(testapp, chapter.id, 20).json["watched"] is True
    single, truefalse = chapter.questions
    res = testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise",
                            {"answers": {str(single.id): 1, str(truefalse.id): 0}}).json
    assert res["course_completed"] is True
    durable = [c for c in commits.seen if c.tables & DURABLE]
    assert durable and {c.synchronous_commit for c in durable} == {"on"}, durable


def test_no_durable_table_is_written_by_a_relaxed_commit(testapp, studying, clock, commits):
    """Over a whole course, the relaxed commits wrote progress and the learner's clock only."""
    _user, chapter = studying(questions=True)
    for position in range(0, 30, 10):
        beat(testapp, chapter.id, min(position, 20))
        clock.advance(seconds=10)
    single, truefalse = chapter.questions
    testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise", {"answers": {str(single.id): 1, str(truefalse.id): 0}})
    relaxed = [c for c in commits.seen if c.synchronous_commit == "off"]
    assert relaxed and all(c.tables <= {"chapter_progress", "user"} for c in relaxed), relaxed


def _synchronous(dbapi_connection) -> int:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous")
        return cursor.fetchone()[0]
    finally:
        cursor.close()


def test_on_sqlite_every_connection_syncs_at_commit_but_the_heartbeats_own(testapp, studying, clock):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's synchronous pragma")
    _user, chapter = studying(questions=False)
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=10)
    assert beat(testapp, chapter.id, 10).json["counted_seconds"] == 10  # the held connection's way
    with db.engine.connect() as connection:
        assert _synchronous(connection.connection.dbapi_connection) == 2  # FULL
    assert _synchronous(held_connections(db.engine).get().dbapi_connection) == 1  # NORMAL
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_nothing_else_in_the_code_turns_durability_off():
    """Where the code relaxes durability: the usual heartbeat's swap (PostgreSQL) and its held
    connection (SQLite), both in learning.py; the pragma that makes SQLite sync at every commit."""
    root = Path(cpe_core.__file__).parent
    found = sorted(
        (str(path.relative_to(root)), line.strip())
        for path in root.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"synchronous|fsync|wal_level|full_page_writes", line, re.IGNORECASE)
        and not line.strip().startswith("#")
    )
    code = [(path, line) for path, line in found if "execute" in line or "set_config" in line]
    assert code == [
        ("app.py", 'cursor.execute("PRAGMA synchronous=FULL")'),
        ("services/learning.py", 'condition.append(func.set_config("synchronous_commit", "off", True).is_not(None))'),
        ("services/learning.py", 'held.dbapi_connection.execute("PRAGMA synchronous=NORMAL")'),
    ]
