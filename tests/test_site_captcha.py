"""The site's image captcha is held on the server, as the API's is: the session cookie carries
only the challenge id, a challenge answers once (right or wrong) and expires, and neither a
replayed cookie nor concurrent requests get a second use out of it."""
from __future__ import annotations

import json
import threading

import pytest

from cpe_core.extensions import db
from cpe_core.models import CaptchaChallenge
from cpe_core.testing import id_number

LEARNER_ID = id_number("211302", "19880516", 41)
MSG = "验证码错误或已过期，请重新输入。"


@pytest.fixture
def drawn(app, monkeypatch) -> list[str]:
    """Real random answers from here on; the answers drawn on the images, newest last."""
    from cpe_core.services import captcha

    app.config["CPE_CAPTCHA_TEST_ANSWER"] = None
    answers: list[str] = []
    real_png = captcha.png
    monkeypatch.setattr(captcha, "png", lambda answer: answers.append(answer) or real_png(answer))
    return answers


@pytest.fixture
def learner(make_learner):
    return make_learner("chaoyang", login=LEARNER_ID)


def cookie_session(app, cookie: str) -> dict:
    """What the signed session cookie holds, decoded as anyone holding the cookie can."""
    return app.session_interface.get_signing_serializer(app).loads(cookie)


def login_form(testapp, answer: str):
    form = testapp.get("/chaoyang/login").forms["login"]
    form["login"], form["password"], form["captcha"] = LEARNER_ID, "Passw0rd!", answer
    return form


def test_the_session_cookie_holds_the_challenge_id_never_the_answer(app, testapp, drawn):
    testapp.get("/chaoyang/login")
    image = testapp.get("/chaoyang/captcha.png")
    assert image.content_type == "image/png"
    held = cookie_session(app, testapp.cookies["session"])
    answer = drawn[-1]
    assert answer.upper() not in json.dumps(held).upper()
    stored = db.session.get(CaptchaChallenge, held["captcha_id"])
    assert stored is not None and stored.used_at is None and answer not in stored.answer_hash


@pytest.mark.parametrize("first_answer", ["right", "wrong"])
def test_a_challenge_answers_once_even_when_its_cookie_is_replayed(app, testapp, drawn, learner, first_answer):
    testapp.get("/chaoyang/login")
    testapp.get("/chaoyang/captcha.png")
    answer, replayed = drawn[-1], testapp.cookies["session"]
    if first_answer == "right":
        assert login_form(testapp, answer.lower()).submit().status_int == 302
        testapp.reset()
    else:
        assert MSG in login_form(testapp, "ZZZZ").submit(status=400).text
    held = cookie_session(app, replayed)["captcha_id"]
    assert db.session.get(CaptchaChallenge, held).used_at is not None
    # The old cookie still names the challenge: the server knows it is spent.
    testapp.set_cookie("session", replayed)
    assert MSG in login_form(testapp, answer).submit(status=400).text


def test_a_new_image_spends_the_one_shown_before(testapp, drawn, learner):
    testapp.get("/chaoyang/login")
    testapp.get("/chaoyang/captcha.png")
    first, first_cookie = drawn[-1], testapp.cookies["session"]
    testapp.get("/chaoyang/captcha.png")
    testapp.set_cookie("session", first_cookie)
    assert MSG in login_form(testapp, first).submit(status=400).text


def test_a_challenge_expires(testapp, drawn, learner, clock):
    testapp.get("/chaoyang/login")
    testapp.get("/chaoyang/captcha.png")
    clock.advance(seconds=301)
    assert MSG in login_form(testapp, drawn[-1]).submit(status=400).text


def test_registration_checks_the_stored_challenge(testapp, drawn):
    form = testapp.get("/chaoyang/register").forms["register"]
    testapp.get("/chaoyang/captcha.png")
    values = {
        "login": LEARNER_ID, "password": "Secret123", "password2": "Secret123", "name": "王验证",
        "qualification_level": "初级", "qualified_year": "2019", "employer": "朝阳市某某有限公司",
        "phone": "13904210098", "collection_region": "chaoyang", "captcha": "ZZZZ",
        "privacy_accepted": True,
    }
    for key, value in values.items():
        form[key] = value
    assert MSG in form.submit(status=422).text
    form = testapp.get("/chaoyang/register").forms["register"]
    testapp.get("/chaoyang/captcha.png")
    for key, value in {**values, "captcha": drawn[-1]}.items():
        form[key] = value
    assert form.submit().status_int == 302


@pytest.mark.parametrize("path", ["/chaoyang/login", "/chaoyang/register"])
def test_every_page_with_a_captcha_offers_a_new_image(testapp, path):
    page = testapp.get(path)
    refresh = page.html.select("a[data-captcha-refresh]")
    assert [a.get_text(strip=True) for a in refresh] == ["换一张"]
    assert page.html.select_one("#captcha-image")["src"].endswith("/chaoyang/captcha.png")
    assert 'src="/static/captcha.js"' in page.text and "onclick" not in page.text


def test_the_site_image_counts_against_the_address_limit(app, testapp):
    app.config["CPE_CAPTCHA_LIMIT_ADDRESS"] = "2 per 10 minutes"
    testapp.get("/chaoyang/captcha.png")
    testapp.get("/chaoyang/captcha.png")
    refused = testapp.get("/chaoyang/captcha.png", status=429)
    assert "获取验证码过于频繁，请稍后再试。" in refused.text


def test_concurrent_requests_with_one_challenge_are_accepted_at_most_once(app, testapp, drawn, learner):
    """Twelve requests replay one cookie and the right answer at once, each on its own database
    connection (PostgreSQL in CI): the conditional UPDATE lets one through."""
    page = testapp.get("/chaoyang/login")
    testapp.get("/chaoyang/captcha.png")
    token, cookie, answer = page.forms["login"]["csrf_token"].value, testapp.cookies["session"], drawn[-1]
    db.session.remove()
    barrier = threading.Barrier(12)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def attempt():
        try:
            client = app.test_client()
            client.set_cookie("session", cookie)
            barrier.wait(timeout=10)
            response = client.post("/chaoyang/login", data={
                "csrf_token": token, "login": LEARNER_ID, "password": "Passw0rd!", "captcha": answer,
            })
            statuses.append(response.status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(statuses) == [302] + [400] * 11
