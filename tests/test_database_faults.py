"""Database faults cost no answer a 500 and leak nothing into the logs.

- A connection the database dropped (a restart, ``pg_terminate_backend``) is replaced before a
  request uses it: the engine pings pooled connections at checkout (``pool_pre_ping``, set in
  :func:`cpe_core.settings.engine_options`). Replayed against a server on loopback under
  several threads, the app's connections terminated between rounds of requests.
- A failing statement is logged without its parameters (``hide_parameters``): a password hash,
  a reset code or a token must never reach a log.
"""
from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine, exc, text
from sqlalchemy.pool import NullPool

from cpe_core.extensions import db
from cpe_core.models import User
from cpe_core.services.accounts import create_user
from cpe_core.testing import CAPTCHA_TEST_ANSWER

APPLICATION_NAME = "cpe-fault-test"


@pytest.fixture
def cpe_test_config(cpe_test_config):
    if not cpe_test_config["CPE_DATABASE_URL"].startswith("postgresql"):
        return cpe_test_config
    # The app's connections carry a name, so the test terminates exactly those.
    return {**cpe_test_config,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"application_name": APPLICATION_NAME}}}


def _terminate_app_connections(url: str) -> int:
    killer = create_engine(url, poolclass=NullPool)
    try:
        with killer.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ), {"name": APPLICATION_NAME}).scalar()
    finally:
        killer.dispose()


def _get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.postgres_only
def test_connections_the_database_drops_between_requests_cost_no_500(
    app, live_server, make_learner, cpe_database_url
):
    if not cpe_database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a SQLite file cannot drop a connection")
    threads, rounds, per_round = 4, 6, 5
    learners = [make_learner("chaoyang", password="Passw0rd!") for _ in range(threads)]
    logins = [user.login for user in learners]
    db.session.remove()  # the test's own session holds no connection the server needs
    tokens = []
    for login in logins:
        challenge = _post_json(f"{live_server}/api/v1/captcha", {})
        tokens.append(_post_json(f"{live_server}/api/v1/regions/chaoyang/login", {
            "login": login, "password": "Passw0rd!", "captcha_id": challenge["captcha_id"],
            "captcha": CAPTCHA_TEST_ANSWER})["token"])
    paths = ("/api/v1/me", "/api/v1/me/credits", "/api/v1/me/offsets", "/chaoyang/")
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def client(token: str) -> None:
        for _ in range(rounds):
            mine = [_get(live_server + paths[i % len(paths)], token) for i in range(per_round)]
            with lock:
                statuses.extend(mine)
            barrier.wait(timeout=60)  # the round's requests are answered
            barrier.wait(timeout=60)  # the app's connections were terminated

    workers = [threading.Thread(target=client, args=(token,)) for token in tokens]
    for worker in workers:
        worker.start()
    terminated = []
    for _ in range(rounds):
        barrier.wait(timeout=60)
        terminated.append(_terminate_app_connections(cpe_database_url))
        barrier.wait(timeout=60)
    for worker in workers:
        worker.join(timeout=60)

    assert len(statuses) == threads * rounds * per_round
    assert all(count >= 1 for count in terminated), terminated  # the fault really happened
    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) == {200}


def test_a_failing_statement_is_logged_without_its_parameters(app, caplog):
    user = create_user(region="chaoyang", login="110101199003070011", name="甲", password="Secret123",
                       role="learner")
    db.session.commit()
    secret_hash = user.password_hash
    # The same login again: the unique (region, login) refuses the INSERT, hash and all.
    db.session.add(User(region="chaoyang", login=user.login, name="乙", password_hash=secret_hash,
                        role="learner"))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(exc.IntegrityError) as raised:
            db.session.commit()
        app.logger.error("registration failed", exc_info=raised.value)
    db.session.rollback()

    assert "SQL parameters hidden" in str(raised.value)
    assert secret_hash not in str(raised.value)
    logged = "\n".join(record.getMessage() + (caplog.text or "") for record in caplog.records)
    assert "registration failed" in logged
    assert secret_hash not in logged
    assert secret_hash not in caplog.text
