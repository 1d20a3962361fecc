"""The API heartbeat's fast path: a session's user goes to the service by id, the account is
checked in the query that checks the chapter, and the usual heartbeat is one SELECT and one
compare-and-swap UPDATE that commits on its own. The rules hold through it as through the
transactional path (tests/test_learning.py runs them all through the API as well)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, CreditRecord, User
from cpe_core.services import accounts, learning, sessions
from cpe_core.services.signin import issue_token
from study_support import add_to_plan, course, learner, second_tab_after_first_read, sign_in
from study_support import api_heartbeat as beat


def plan(user, c):
    add_to_plan(user, c)


@pytest.fixture
def setup(testapp, make_learner):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=2, duration=30, credits=12)
    plan(user, c)
    sign_in(testapp, user)
    return user, c


class Statements:
    """The SQL statements the app sends, and whether each ran inside a database transaction:
    through SQLAlchemy (its cursor events), and the quick heartbeat's own, which run on the
    connection its thread keeps, outside SQLAlchemy (a wrapper around each)."""

    def __init__(self, engine, monkeypatch):
        self.seen: list[tuple[str, bool]] = []
        event.listen(engine, "before_cursor_execute", self.record)
        self.engine = engine
        select_access, swap = learning._quick_statements(engine.dialect)
        recorded = (_Recorded(select_access, self.seen), tuple(_Recorded(statement, self.seen) for statement in swap))
        monkeypatch.setattr(learning, "_quick_statements", lambda _dialect: recorded)

    def record(self, conn, _cursor, statement, *_args):
        self.seen.append((_kind(statement), _in_transaction(conn.connection.dbapi_connection)))

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self.record)


def _kind(sql: str) -> str:
    """The statement's verb (an UPDATE with a CTE is an UPDATE)."""
    words = sql.split()
    return "UPDATE" if words[0].upper() == "WITH" and "UPDATE" in sql.upper() else words[0].upper()


def _in_transaction(dbapi) -> bool:
    if hasattr(dbapi, "in_transaction"):  # sqlite3
        return dbapi.in_transaction
    # psycopg: without autocommit it opens a transaction at the first statement; the quick
    # statements go to libpq directly, where only the connection's status tells.
    return not dbapi.autocommit or dbapi.pgconn.transaction_status != 0  # 0: idle, no transaction


class _Recorded:
    """A quick heartbeat statement that notes itself before running."""

    def __init__(self, statement, seen):
        self._statement, self._seen = statement, seen
        sql = statement.sql.decode() if isinstance(statement.sql, bytes) else statement.sql
        self._kind = _kind(sql)

    def fetchone(self, held, values):
        self._seen.append((self._kind, _in_transaction(held.dbapi_connection)))
        return self._statement.fetchone(held, values)

    def execute(self, held, values):
        self._seen.append((self._kind, _in_transaction(held.dbapi_connection)))
        return self._statement.execute(held, values)


@pytest.fixture
def statements(app, monkeypatch):
    recorder = Statements(db.engine, monkeypatch)
    yield recorder
    recorder.close()


def test_a_usual_heartbeat_is_one_select_and_one_swap(app, testapp, setup, clock, statements):
    _user, c = setup
    chapter_id = c.chapters[0].id
    beat(testapp, chapter_id, 0)  # the first creates the progress row, in a write transaction
    clock.advance(seconds=10)
    statements.seen.clear()
    res = beat(testapp, chapter_id, 10).json
    assert (res["watched_seconds"], res["counted_seconds"]) == (10, 10)
    # No user load by Flask-Login. On PostgreSQL no BEGIN/SET/COMMIT either: the progress
    # UPDATE, carrying the learner clock's UPDATE as a CTE, commits on its own. Elsewhere the
    # clock's UPDATE and the progress UPDATE run in one short transaction.
    if db.engine.dialect.name == "postgresql":
        assert statements.seen == [("SELECT", False), ("UPDATE", False)]
    else:
        assert statements.seen == [("SELECT", False), ("UPDATE", True), ("UPDATE", True)]


def test_the_first_and_the_finishing_heartbeat_run_in_one_write_transaction(testapp, make_learner, clock, statements):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=1, duration=20, credits=3, questions=False)
    plan(user, c)
    sign_in(testapp, user)
    chapter = c.chapters[0]
    statements.seen.clear()
    beat(testapp, chapter.id, 0)
    assert any(kind == "INSERT" and inside for kind, inside in statements.seen)
    clock.advance(seconds=20)
    statements.seen.clear()
    assert beat(testapp, chapter.id, 20).json["watched"] is True
    writes = [inside for kind, inside in statements.seen if kind in ("UPDATE", "INSERT")]
    # The watched mark, the exercise pass (no questions) and the credits: all in one transaction.
    assert len(writes) >= 3 and all(writes)
    records = db.session.scalars(select(CreditRecord).where(CreditRecord.user_id == user.id)).all()
    assert [(r.source, r.source_id, r.credits) for r in records] == [("course", c.id, 3)]
    clock.advance(seconds=10)
    assert beat(testapp, chapter.id, 20).json["counted_seconds"] == 0
    assert db.session.scalar(select(db.func.count(CreditRecord.id)).where(CreditRecord.user_id == user.id)) == 1


def test_a_deactivated_account_is_signed_out_for_the_heartbeat(testapp, setup, clock):
    user, c = setup
    chapter = c.chapters[0]
    beat(testapp, chapter.id, 0)
    db.session.get(User, user.id).is_active_account = False
    db.session.commit()
    clock.advance(seconds=10)
    res = beat(testapp, chapter.id, 10, status=401).json
    assert res["error"] == {"code": "login_required", "message": "请先登录。"}
    progress = db.session.scalar(select(ChapterProgress).where(ChapterProgress.user_id == user.id))
    db.session.refresh(progress)
    assert progress.watched_seconds == 0


def test_a_session_whose_user_is_gone_is_signed_out(testapp, setup):
    _user, c = setup
    # A session naming a user that does not exist (deleted, or another database's cookie).
    testapp.reset()
    testapp.set_cookie("session", _session_cookie("999999:a-token-of-nobody"))
    res = beat(testapp, c.chapters[0].id, 0, status=401).json
    assert res["error"]["code"] == "login_required"


def _session_cookie(user_or_id) -> str:
    """A signed session cookie as Flask-Login writes it at sign-in (no client identifier): for a
    user, their account's live session (begun now); else the given Flask-Login id."""
    from flask import current_app

    if isinstance(user_or_id, User):
        sessions.begin(user_or_id)
        user_or_id = user_or_id.get_id()
    flask_app = current_app._get_current_object()
    serializer = flask_app.session_interface.get_signing_serializer(flask_app)
    return serializer.dumps({"_user_id": user_or_id, "_fresh": True})


def test_staff_sessions_get_learners_only(testapp, make_staff, setup):
    _user, c = setup
    admin = make_staff("chaoyang")
    testapp.reset()
    testapp.set_cookie("session", _session_cookie(admin))
    res = beat(testapp, c.chapters[0].id, 0, status=403).json
    assert res["error"] == {"code": "learners_only", "message": "仅学员可以使用此功能。"}


def test_another_regions_learner_cannot_beat_a_chapter_of_this_region(testapp, make_learner, setup):
    _user, c = setup
    other = learner(make_learner, "guangdong")
    # Even with the course in their plan, the chapter is not of their region.
    plan(other, c)
    testapp.reset()
    testapp.set_cookie("session", _session_cookie(other))
    res = beat(testapp, c.chapters[0].id, 0, status=422).json
    assert res["error"]["code"] == "chapter_not_found"


def test_a_bearer_token_goes_flask_logins_way_and_dies_with_a_password_change(testapp, setup, clock):
    user, c = setup
    chapter = c.chapters[0]
    testapp.reset()
    token = issue_token(db.session.get(User, user.id))
    headers = {"Authorization": f"Bearer {token}"}
    beat(testapp, chapter.id, 0, headers=headers)
    clock.advance(seconds=10)
    assert beat(testapp, chapter.id, 10, headers=headers).json["watched_seconds"] == 10
    accounts.change_password(db.session.get(User, user.id), "Passw0rd!", "NewSecret9", "NewSecret9")
    clock.advance(seconds=10)
    assert beat(testapp, chapter.id, 20, headers=headers, status=401).json["error"]["code"] == "login_required"


def test_anonymous_heartbeats_are_refused(testapp, setup):
    _user, c = setup
    testapp.reset()
    assert beat(testapp, c.chapters[0].id, 0, status=401).json["error"]["code"] == "login_required"


@pytest.fixture
def cpe_test_config(cpe_test_config):
    # A short slack so the 30-second test chapters can show a refusal; the default is 120 s.
    return {**cpe_test_config, "CPE_HEARTBEAT_SLACK_SECONDS": 20}


def test_a_claim_beyond_the_slack_is_refused_on_the_fast_path_and_writes_nothing(testapp, setup, clock, statements):
    _user, c = setup
    chapter_id = c.chapters[0].id
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=2)
    statements.seen.clear()
    res = beat(testapp, chapter_id, 29, status=422).json  # 29 s claimed > 2 s elapsed + 20 s slack
    assert res["error"]["code"] == "heartbeat_too_fast"
    assert statements.seen and {kind for kind, _inside in statements.seen} <= {"SELECT", "BEGIN", "ROLLBACK", "COMMIT"}
    clock.advance(seconds=3)
    # Real time only: 5 s have passed since the first heartbeat.
    assert beat(testapp, chapter_id, 5).json["watched_seconds"] == 5


def test_two_tabs_on_the_fast_path_never_double_count(app, testapp, setup, clock, monkeypatch):
    """Tab B's whole heartbeat runs between tab A's read and A's compare-and-swap UPDATE; with
    no transaction held by A, this interleaving runs on SQLite too."""
    user, c = setup
    chapter = c.chapters[0]
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=10)
    with second_tab_after_first_read(app, monkeypatch, lambda: learning.heartbeat(user.id, chapter.id, 10)) as state:
        result = beat(testapp, chapter.id, 10).json
    assert state["interleaved"] and state["b"].counted_seconds == 10
    assert (result["watched_seconds"], result["counted_seconds"]) == (10, 0)
