"""The API heartbeat answered in front of the app (cpe_core/speed/heartbeat_gateway.py): the
usual heartbeat never enters Flask's request handling, answers exactly as the app does, and
every case the gateway does not own (session protection, expired or forged cookies, tokens,
odd bodies, refusals) still gets the app's own answer."""
from __future__ import annotations

import time

import pytest
from flask import request_started
from flask_login.utils import _create_identifier
from sqlalchemy import select
from webtest import TestApp

from cpe_core import create_app
from cpe_core.extensions import db
from cpe_core.models import ChapterProgress
from cpe_core.services.sessions import client_identifier
from study_support import api_heartbeat as beat
from study_support import studying_one_chapter


@pytest.fixture
def setup(testapp, make_learner):
    return studying_one_chapter(testapp, make_learner)


class AppRequests:
    """Counts the requests that reached Flask's request handling."""

    def __init__(self, app):
        self.count = 0
        self.app = app
        request_started.connect(self.seen, app)

    def seen(self, _sender, **_extra):
        self.count += 1


@pytest.fixture
def app_requests(app):
    recorder = AppRequests(app)
    yield recorder
    request_started.disconnect(recorder.seen, app)


def watched(user_id: int) -> int:
    return db.session.scalar(select(ChapterProgress.watched_seconds).where(ChapterProgress.user_id == user_id))


@pytest.mark.parametrize("environ", [
    {"REMOTE_ADDR": "127.0.0.1"},
    {"REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) 微信"},
    {"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": " 203.0.113.9 , 10.0.0.1", "HTTP_USER_AGENT": "curl/8"},
])
def test_the_client_identifier_is_the_one_flask_login_stores_in_the_session(app, environ):
    # The gateway compares the session's "_id" with its own computation of Flask-Login's:
    # an upgrade of Flask-Login that changes it must fail here, not silently sign people out.
    with app.test_request_context(environ_base=environ):
        expected = _create_identifier()
    assert client_identifier({**environ}) == expected


def test_the_usual_heartbeat_never_enters_the_app(testapp, setup, clock, app_requests):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)  # the first creates the progress row: the app's way
    assert app_requests.count == 1
    for second in (10, 20, 30):
        clock.advance(seconds=10)
        res = beat(testapp, chapter_id, second)
        assert res.json == {"chapter_id": chapter_id, "watched_seconds": second, "duration_seconds": 600,
                            "counted_seconds": 10, "watched": False}
    assert app_requests.count == 1
    assert watched(user.id) == 30


def test_the_gateways_answer_is_byte_for_byte_the_apps(app, cpe_test_config, testapp, setup, clock, app_requests):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    fast = beat(testapp, chapter_id, 10)
    assert app_requests.count == 1  # answered by the gateway
    # The same request to an app without the gateway, on the same database and secret.
    plain = TestApp(create_app({**cpe_test_config, "CPE_HEARTBEAT_GATEWAY": False}))
    plain.set_cookie("session", testapp.cookies["session"])
    clock.advance(seconds=10)
    slow = beat(plain, chapter_id, 20)
    assert slow.json["counted_seconds"] == fast.json["counted_seconds"] == 10
    assert (slow.status, slow.content_type, slow.headers.get("Vary")) == (fast.status, fast.content_type,
                                                                         fast.headers.get("Vary"))
    assert slow.body.replace(b"20", b"10") == fast.body
    assert "Set-Cookie" not in fast.headers


def test_a_cookie_from_another_client_goes_through_session_protection(app, testapp, setup, clock, app_requests):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    count = app_requests.count
    # Basic protection (Flask-Login's default): another browser's copy of the cookie is served
    # by the app, which marks the session non-fresh and re-signs it.
    res = beat(testapp, chapter_id, 10, headers={"User-Agent": "another browser"})
    assert app_requests.count == count + 1 and res.json["counted_seconds"] == 10
    app.config["SESSION_PROTECTION"] = "strong"
    clock.advance(seconds=10)
    res = beat(testapp, chapter_id, 20, status=401, headers={"User-Agent": "yet another"})
    assert res.json["error"]["code"] == "login_required"
    assert watched(user.id) == 10


def test_an_expired_cookie_is_not_honoured_even_after_it_was_verified(app, testapp, setup, clock, app_requests):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    # The same session, signed 100 s ago.
    serializer = app.session_interface.get_signing_serializer(app)
    signer = serializer.make_signer()
    signer.get_timestamp = lambda: int(time.time()) - 100
    old = signer.sign(serializer.dump_payload(serializer.loads(testapp.cookies["session"]))).decode()
    testapp.reset()
    testapp.set_cookie("session", old)
    clock.advance(seconds=10)
    count = app_requests.count
    beat(testapp, chapter_id, 10)  # within the session lifetime: verified, and remembered
    assert app_requests.count == count
    # The lifetime shrinks under the cookie's age: the gateway checks the age on every request.
    app.permanent_session_lifetime = 50
    clock.advance(seconds=10)
    res = beat(testapp, chapter_id, 20, status=401)
    assert res.json["error"]["code"] == "login_required"
    assert watched(user.id) == 10


def test_a_forged_cookie_is_refused(testapp, setup, clock):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    cookie = testapp.cookies["session"]
    payload, _dot, rest = cookie.rpartition(".")
    testapp.reset()
    testapp.set_cookie("session", f"{payload}.{'A' if rest[0] != 'A' else 'B'}{rest[1:]}")
    assert beat(testapp, chapter_id, 10, status=401).json["error"]["code"] == "login_required"
    assert watched(user.id) == 0


def test_bodies_the_gateway_does_not_take_get_the_apps_answers(testapp, setup, clock, app_requests):
    user, chapter_id = setup
    url = f"/api/v1/chapters/{chapter_id}/heartbeat"
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    count = app_requests.count
    res = testapp.post(url, {"position": "10"}, status=422)  # a form, not JSON
    assert res.json["error"]["code"] == "json_required"
    assert beat(testapp, chapter_id, "ten", status=422).json["error"]["code"] == "invalid_position"
    assert testapp.post(url, "[10]", content_type="application/json", status=422).json["error"]["code"] == "json_required"
    # Larger than any heartbeat: the app answers, and counts it.
    padded = testapp.post_json(url, {"position": 10, "padding": "x" * 2048})
    assert padded.json["counted_seconds"] == 10
    assert app_requests.count == count + 4
    assert watched(user.id) == 10


def test_a_refusal_is_the_apps_answer_and_writes_nothing(testapp, setup, clock, app_requests):
    user, chapter_id = setup
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=5)
    count = app_requests.count
    res = beat(testapp, chapter_id, 500, status=422)  # far beyond the time elapsed
    assert res.json["error"]["code"] == "heartbeat_too_fast"
    assert app_requests.count == count + 1
    assert watched(user.id) == 0


def test_another_url_is_never_taken_for_the_heartbeat(testapp, setup, app_requests):
    _user, chapter_id = setup
    testapp.post_json(f"/api/v1/chapters/{chapter_id}/heartbeat/extra", {"position": 0}, status=404)
    testapp.post_json("/api/v1/chapters/x1/heartbeat", {"position": 0}, status=404)
    assert app_requests.count == 2
