"""The API asks the same image captcha as the site where the region's registration spec asks one
(all three seeds: Chaoyang, Guangdong and CICPA register and sign in with a captcha): a stored,
hashed, single-use, expiring challenge, since API clients have no cookie session."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import CaptchaChallenge, User
from cpe_core.testing import CAPTCHA_TEST_ANSWER, api_captcha, id_number, openapi_body_properties

LEARNER_ID = id_number("211302", "19880516", 31)
MSG = "验证码错误或已过期，请重新输入。"


def register_body(**extra):
    return {
        "login": LEARNER_ID, "password": "Secret123", "password2": "Secret123", "name": "赵学员",
        "qualification_level": "中级", "qualified_year": 2016, "employer": "朝阳某单位",
        "phone": "13904210123", "collection_region": "chaoyang", "privacy_accepted": True,
        **extra,
    }


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("method", ["post", "get"])
def test_a_challenge_is_an_id_and_a_real_png_and_the_answer_is_stored_hashed(app, testapp, method):
    app.config["CPE_CAPTCHA_TEST_ANSWER"] = None  # a real random answer
    response = getattr(testapp, method)("/api/v1/captcha", status=201)
    body = response.json
    assert response.headers["Cache-Control"] == "no-store"
    assert body["mime_type"] == "image/png" and body["expires_in"] == 300
    image = Image.open(io.BytesIO(base64.b64decode(body["image_base64"])))
    assert image.format == "PNG" and image.size == (160, 60)
    stored = db.session.get(CaptchaChallenge, body["captcha_id"])
    assert len(body["captcha_id"]) >= 32 and stored.used_at is None
    assert len(stored.answer_hash) == 64


def _refusal_cases():
    # (name, how to build the captcha part of the body from a fresh challenge, expected code)
    return [
        ("missing", lambda testapp, clock: {}, "captcha_required"),
        ("no_id", lambda testapp, clock: {"captcha": CAPTCHA_TEST_ANSWER}, "captcha_required"),
        ("no_answer", lambda testapp, clock: {"captcha_id": api_captcha(testapp)["captcha_id"]}, "captcha_required"),
        ("unknown_id", lambda testapp, clock: {"captcha_id": "made-up", "captcha": CAPTCHA_TEST_ANSWER}, "captcha_wrong"),
        ("wrong", lambda testapp, clock: {**api_captcha(testapp), "captcha": "ZZZZ"}, "captcha_wrong"),
        ("expired", _expired, "captcha_expired"),
        ("reused", _reused, "captcha_used"),
    ]


def _expired(testapp, clock):
    answered = api_captcha(testapp)
    clock.advance(seconds=301)
    return answered


def _reused(testapp, clock):
    answered = api_captcha(testapp)
    # Spend it on a wrong guess first: one challenge never gets two guesses.
    testapp.post_json("/api/v1/regions/chaoyang/login", {"login": "x", "password": "y", **answered, "captcha": "ZZZZ"},
                      status=400)
    return answered


@pytest.mark.parametrize("name, build, code", _refusal_cases(), ids=[c[0] for c in _refusal_cases()])
def test_registration_refuses_a_bad_captcha_and_saves_nothing(testapp, clock, name, build, code):
    before = users()
    body = testapp.post_json("/api/v1/regions/chaoyang/register", register_body(**build(testapp, clock)),
                             status=400).json
    assert body["error"] == {"code": code, "message": MSG}
    assert users() == before


@pytest.mark.parametrize("name, build, code", _refusal_cases(), ids=[c[0] for c in _refusal_cases()])
def test_login_refuses_a_bad_captcha_without_a_token(testapp, clock, make_learner, name, build, code):
    make_learner("chaoyang", login=LEARNER_ID)
    body = testapp.post_json("/api/v1/regions/chaoyang/login",
                             {"login": LEARNER_ID, "password": "Passw0rd!", **build(testapp, clock)}, status=400).json
    assert body["error"] == {"code": code, "message": MSG}
    assert "token" not in body


@pytest.mark.parametrize("region", ["chaoyang", "guangdong", "cicpa"])
def test_every_seeded_region_asks_the_captcha_at_api_login_as_the_site_does(testapp, make_learner, region):
    assert testapp.get(f"/api/v1/regions/{region}/registration-form").json["captcha"] is True
    learner = make_learner(region)
    body = {"login": learner.login, "password": "Passw0rd!"}
    refused = testapp.post_json(f"/api/v1/regions/{region}/login", body, status=400).json
    assert refused["error"]["code"] == "captcha_required"
    assert "token" in testapp.post_json(f"/api/v1/regions/{region}/login", {**body, **api_captcha(testapp)}).json


def test_a_right_answer_works_once_then_the_challenge_is_used(testapp, make_learner):
    make_learner("chaoyang", login=LEARNER_ID)
    answered = api_captcha(testapp)
    body = {"login": LEARNER_ID, "password": "Passw0rd!", **answered}
    assert "token" in testapp.post_json("/api/v1/regions/chaoyang/login", {**body, "captcha": "7k3p"}).json
    again = testapp.post_json("/api/v1/regions/chaoyang/login", body, status=400).json
    assert again["error"]["code"] == "captcha_used"


def test_a_failed_registration_still_uses_up_its_captcha(testapp):
    answered = api_captcha(testapp)
    testapp.post_json("/api/v1/regions/chaoyang/register", register_body(employer="", **answered), status=422)
    again = testapp.post_json("/api/v1/regions/chaoyang/register", register_body(**answered), status=400).json
    assert again["error"]["code"] == "captcha_used"


def test_the_lifetime_is_configurable(app, testapp, clock, make_learner):
    make_learner("chaoyang", login=LEARNER_ID)
    app.config["CPE_CAPTCHA_TTL_SECONDS"] = 60
    assert testapp.post("/api/v1/captcha", status=201).json["expires_in"] == 60
    answered = api_captcha(testapp)
    clock.advance(seconds=59)
    testapp.post_json("/api/v1/regions/chaoyang/login", {"login": LEARNER_ID, "password": "Passw0rd!", **answered})
    answered = api_captcha(testapp)
    clock.advance(seconds=61)
    late = testapp.post_json("/api/v1/regions/chaoyang/login",
                             {"login": LEARNER_ID, "password": "Passw0rd!", **answered}, status=400).json
    assert late["error"]["code"] == "captcha_expired"


def test_a_real_random_answer_is_checked_against_the_stored_hash(app, testapp, make_learner, monkeypatch):
    from cpe_core.services import captcha

    app.config["CPE_CAPTCHA_TEST_ANSWER"] = None
    drawn: list[str] = []
    real_png = captcha.png
    monkeypatch.setattr(captcha, "png", lambda answer: drawn.append(answer) or real_png(answer))
    make_learner("chaoyang", login=LEARNER_ID)
    challenge = testapp.post("/api/v1/captcha", status=201).json
    assert drawn[-1] != CAPTCHA_TEST_ANSWER
    stored = db.session.get(CaptchaChallenge, challenge["captcha_id"]).answer_hash
    assert drawn[-1] not in stored
    body = {"login": LEARNER_ID, "password": "Passw0rd!", "captcha_id": challenge["captcha_id"]}
    testapp.post_json("/api/v1/regions/chaoyang/login", {**body, "captcha": CAPTCHA_TEST_ANSWER}, status=400)
    challenge = testapp.post("/api/v1/captcha", status=201).json
    body["captcha_id"] = challenge["captcha_id"]
    assert "token" in testapp.post_json("/api/v1/regions/chaoyang/login", {**body, "captcha": drawn[-1].lower()}).json


def test_openapi_documents_the_captcha(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert "post" in paths["/captcha"] and "get" in paths["/captcha"]
    for path in ("/regions/{code}/register", "/regions/{code}/login"):
        operation = paths[path]["post"]
        properties = openapi_body_properties(document, operation)
        assert {"captcha_id", "captcha"} <= set(properties)
        assert "400" in operation["responses"] and "captcha_used" in operation["summary"]


def test_one_address_fetching_too_many_challenges_is_refused_and_nothing_is_stored(app, testapp):
    app.config["CPE_CAPTCHA_LIMIT_ADDRESS"] = "3 per 10 minutes"
    for _ in range(3):
        testapp.post("/api/v1/captcha", status=201)
    refused = testapp.post("/api/v1/captcha", status=429)
    assert refused.json["error"] == {"code": "too_many_captchas", "message": "获取验证码过于频繁，请稍后再试。"}
    assert db.session.scalar(select(func.count()).select_from(CaptchaChallenge)) == 3
    # Another address still gets one.
    testapp.post("/api/v1/captcha", extra_environ={"REMOTE_ADDR": "10.0.0.2"}, status=201)
