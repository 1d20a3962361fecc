"""Sessions that end: signing out, a password change or reset, and staff disabling an account
end every session and API token of the account, on the site, the JSON API and the heartbeat's
fast path alike; and an account has one live session, so a new sign-in ends the older one,
which is told why ("该用户已登录" in the seeds' FAQ).

The replays keep a signed-in browser's session cookie (or an API token), end the session, and
send the kept cookie again: the signature is still good, so only the session check can refuse it.
"""
from __future__ import annotations

import re

import pytest
from flask import request_started
from sqlalchemy import select
from webtest import TestApp

from cpe_core import create_app
from cpe_core.extensions import db
from cpe_core.models import AuditEntry, ChapterProgress, User
from cpe_core.services import learning, sessions
from cpe_core.testing import api_captcha, login
from study_support import api_heartbeat as beat
from study_support import sign_in, studying_one_chapter

MSG_REPLACED = "您的账号已在其他地方登录，请重新登录。"


@pytest.fixture
def extra_plugins(outbox):
    return [("test-sms", outbox)]


@pytest.fixture
def setup(testapp, make_learner, clock):
    """A signed-in learner who has heartbeated twice (so the next heartbeat is one the gateway
    answers): ``(user, chapter_id)``."""
    user, chapter_id = studying_one_chapter(testapp, make_learner)
    beat(testapp, chapter_id, 0)
    clock.advance(seconds=10)
    assert beat(testapp, chapter_id, 10).json["counted_seconds"] == 10
    return user, chapter_id


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def progress(user_id: int) -> tuple:
    """What the learner's heartbeats have counted: seconds watched and the study clock."""
    db.session.rollback()
    watched = db.session.scalar(select(ChapterProgress.watched_seconds).where(ChapterProgress.user_id == user_id))
    return watched, db.session.get(User, user_id).study_counted_until


class AppRequests:
    def __init__(self, app):
        self.count = 0
        request_started.connect(self.seen, app)

    def seen(self, _sender, **_extra):
        self.count += 1


# --- how a session ends ------------------------------------------------------------------------


def end_by_logout(testapp, user, staff_app):
    testapp.post("/chaoyang/logout", {"csrf_token": csrf_of(testapp.get("/chaoyang/me"))}, status=302)


def end_by_password_change(testapp, user, staff_app):
    form = testapp.get("/chaoyang/me/password").forms["change_password"]
    form["current_password"], form["password"], form["password2"] = "Passw0rd!", "NewSecret9", "NewSecret9"
    page = form.submit().follow()
    assert "密码已修改，请使用新密码重新登录。" in page.text


def end_by_password_reset(testapp, user, staff_app, outbox):
    # From another browser, as someone who forgot the password would.
    other = TestApp(testapp.app)
    form = other.get("/chaoyang/password/reset").forms["reset_request"]
    form["login"], form["phone"] = user.login, user.phone
    form = form.submit().follow().forms["reset_confirm"]
    form["code"], form["password"], form["password2"] = outbox.last_code(), "NewSecret9", "NewSecret9"
    assert form.submit().status_int == 302


def end_by_staff_reset(testapp, user, staff_app):
    page = staff_app.get(f"/chaoyang/admin/learners/{user.id}")
    form = page.forms["staff_reset"]
    form["name"], form["id_number"], form["phone"] = user.name, user.login, user.phone
    form["password"] = "NewSecret9"
    assert form.submit().status_int == 302


def end_by_staff_disabling(testapp, user, staff_app):
    page = staff_app.get(f"/chaoyang/admin/learners/{user.id}")
    assert page.forms["set_active"].submit().status_int == 302


ENDINGS = {
    "logout": end_by_logout,
    "password_change": end_by_password_change,
    "password_reset": end_by_password_reset,
    "staff_reset": end_by_staff_reset,
    "staff_disabling": end_by_staff_disabling,
}


@pytest.fixture
def staff_app(testapp, make_staff):
    make_staff("chaoyang", login="cy-admin")
    staff = TestApp(testapp.app)
    assert login(staff, "chaoyang", "cy-admin").status_int == 302
    return staff


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_kept_session_cookie_is_dead_everywhere_once_the_session_ended(
        app, cpe_test_config, testapp, setup, clock, staff_app, outbox, ending):
    user, chapter_id = setup
    kept = testapp.cookies["session"]
    player = testapp.get(f"/chaoyang/learn/{chapter_id}")
    site_csrf = player.html.find("video")["data-csrf"]
    end = ENDINGS[ending]
    end(testapp, user, staff_app, *([outbox] if ending == "password_reset" else []))
    counted = progress(user.id)

    testapp.reset()
    testapp.set_cookie("session", kept)
    clock.advance(seconds=10)
    # The site: back to the login page.
    for page in ("/chaoyang/me", "/chaoyang/plan"):
        testapp.reset()
        testapp.set_cookie("session", kept)
        assert "/chaoyang/login" in testapp.get(page, status=302).location
    testapp.reset()
    testapp.set_cookie("session", kept)
    # The API: 401.
    assert testapp.get("/api/v1/me", status=401).json["error"]["code"] == "login_required"
    testapp.reset()
    testapp.set_cookie("session", kept)
    # The heartbeat in front of the app, then through the app's API view and the site's view.
    requests = AppRequests(app)
    assert beat(testapp, chapter_id, 20, status=401).json["error"]["code"] == "login_required"
    assert requests.count == 1  # the gateway declined it: the app refused it
    plain = TestApp(create_app({**cpe_test_config, "CPE_HEARTBEAT_GATEWAY": False}))
    plain.set_cookie("session", kept)
    assert beat(plain, chapter_id, 20, status=401).json["error"]["code"] == "login_required"
    testapp.reset()
    testapp.set_cookie("session", kept)
    testapp.post_json(f"/chaoyang/learn/{chapter_id}/heartbeat", {"position": 20},
                      headers={"X-CSRFToken": site_csrf}, status=302)
    assert progress(user.id) == counted


def test_the_fast_paths_own_check_refuses_an_ended_session(testapp, setup, clock):
    """The gateway's call itself, without the app behind it to fall back on."""
    user, chapter_id = setup
    token = db.session.get(User, user.id).session_token
    clock.advance(seconds=10)
    assert learning.quick_heartbeat(user.id, chapter_id, 20, session=token).counted_seconds == 10
    end_by_logout(testapp, user, None)
    clock.advance(seconds=10)
    for claimed in (token, "a-token-never-issued"):
        with pytest.raises(learning.AccountRefused) as refused:
            learning.quick_heartbeat(user.id, chapter_id, 30, session=claimed)
        assert refused.value.code == "login_required"
    assert progress(user.id)[0] == 20


def test_the_gateway_and_the_app_ask_the_same_session_check(app, testapp, setup, clock, monkeypatch):
    """One function decides, for the app's loaders and the heartbeat in front of the app: a
    rule changed there reaches both (no copy of it lives in the gateway)."""
    user, chapter_id = setup
    requests = AppRequests(app)
    monkeypatch.setattr(sessions, "verdict", lambda claimed, current, active: sessions.ENDED)
    clock.advance(seconds=10)
    assert beat(testapp, chapter_id, 20, status=401).json["error"]["code"] == "login_required"
    assert requests.count == 1  # the gateway refused to answer it; the app's loader refused it
    assert testapp.get("/chaoyang/plan", status=302)
    assert progress(user.id)[0] == 10


def test_an_api_token_dies_with_logout_and_with_a_password_change_through_the_api(testapp, make_learner):
    user = make_learner("chaoyang")
    body = {"login": user.login, "password": "Passw0rd!"}
    token = testapp.post_json("/api/v1/regions/chaoyang/login", {**body, **api_captcha(testapp)}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert testapp.get("/api/v1/me", headers=bearer).json["id"] == user.id
    assert testapp.post("/api/v1/logout", headers=bearer).json == {"signed_out": True}
    assert testapp.get("/api/v1/me", headers=bearer, status=401).json["error"]["code"] == "login_required"

    token = testapp.post_json("/api/v1/regions/chaoyang/login", {**body, **api_captcha(testapp)}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    wrong = testapp.post_json("/api/v1/me/password", {"current_password": "nope", "password": "NewSecret9",
                                                      "password2": "NewSecret9"}, headers=bearer, status=422)
    assert wrong.json["error"] == {"code": "wrong_password", "message": "原密码错误。"}
    assert testapp.get("/api/v1/me", headers=bearer).json["id"] == user.id  # a refusal ends nothing
    changed = testapp.post_json("/api/v1/me/password", {"current_password": "Passw0rd!", "password": "NewSecret9",
                                                        "password2": "NewSecret9"}, headers=bearer)
    assert changed.json == {"changed": True}
    assert testapp.get("/api/v1/me", headers=bearer, status=401).json["error"]["code"] == "login_required"
    again = testapp.post_json("/api/v1/regions/chaoyang/login",
                              {**body, "password": "NewSecret9", **api_captcha(testapp)}).json["token"]
    assert testapp.get("/api/v1/me", headers={"Authorization": f"Bearer {again}"}).json["id"] == user.id


def test_a_disabled_account_cannot_sign_in_until_enabled_again_and_both_are_audited(testapp, make_learner, staff_app):
    user = make_learner("chaoyang")
    detail = staff_app.get(f"/chaoyang/admin/learners/{user.id}")
    assert detail.html.select_one(".account-status").text == "正常"
    detail = detail.forms["set_active"].submit().follow()
    assert detail.html.select_one(".account-status").text == "已停用"
    form = testapp.get("/chaoyang/login").forms["login"]
    form["login"], form["password"] = user.login, "Passw0rd!"
    assert "账号或密码错误。" in form.submit(status=401).text
    detail.forms["set_active"].submit().follow()
    assert login(testapp, "chaoyang", user.login).status_int == 302
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target == f"user:{user.id}")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["account.disabled", "account.enabled"]


def test_reviewers_cannot_disable_accounts(testapp, make_learner, make_staff):
    user = make_learner("chaoyang")
    make_staff("chaoyang", role="reviewer", login="cy-reviewer")
    login(testapp, "chaoyang", "cy-reviewer")
    page = testapp.get(f"/chaoyang/admin/learners/{user.id}")
    assert "set_active" not in page.forms
    testapp.post(f"/chaoyang/admin/learners/{user.id}/active", {"csrf_token": csrf_of(page), "active": "0"},
                 status=403)
    assert db.session.get(User, user.id).is_active_account


@pytest.mark.parametrize(("field", "value", "message"), [
    ("current_password", "wrong-one1", "原密码错误。"),
    ("password", "short", "密码至少8位，且须同时包含字母和数字。"),
    ("password2", "Different9", "两次输入的密码不一致。"),
])
def test_a_refused_password_change_says_why_and_ends_nothing(testapp, make_learner, field, value, message):
    user = make_learner("chaoyang")
    sign_in(testapp, user)
    form = testapp.get("/chaoyang/me/password").forms["change_password"]
    form["current_password"], form["password"], form["password2"] = "Passw0rd!", "NewSecret9", "NewSecret9"
    form[field] = value
    page = form.submit(status=422)
    assert message in page.text
    assert testapp.get("/chaoyang/me").status_int == 200


# --- one live session per account ----------------------------------------------------------------


def test_a_new_sign_in_ends_the_older_session_which_is_told_why_once(app, testapp, setup, clock):
    user, chapter_id = setup
    other = TestApp(testapp.app)  # another browser, another device
    sign_in(other, user)
    # The older browser's next page, whichever: a public one says why, and then shows it no more.
    home = testapp.get("/chaoyang/")
    assert home.html.select_one("#session-notice").text == MSG_REPLACED
    assert "退出" not in home.html.select_one(".mainnav").text
    assert testapp.get("/chaoyang/").html.select_one("#session-notice") is None
    # The newer one goes on.
    assert other.get("/chaoyang/me").status_int == 200
    clock.advance(seconds=10)
    assert beat(other, chapter_id, 20).json["counted_seconds"] == 10


def test_a_replaced_session_is_sent_to_sign_in_with_the_reason(testapp, setup):
    user, _chapter_id = setup
    sign_in(TestApp(testapp.app), user)
    res = testapp.get("/chaoyang/plan", status=302)
    assert "/chaoyang/login" in res.location
    assert res.follow().html.select_one("#session-notice").text == MSG_REPLACED


def test_a_replaced_session_gets_session_replaced_from_the_api_and_the_heartbeat(app, testapp, setup, clock):
    user, chapter_id = setup
    kept = testapp.cookies["session"]
    sign_in(TestApp(testapp.app), user)
    counted = progress(user.id)
    clock.advance(seconds=10)
    requests = AppRequests(app)
    res = beat(testapp, chapter_id, 20, status=401).json
    assert res["error"] == {"code": "session_replaced", "message": MSG_REPLACED}
    assert requests.count == 1
    testapp.reset()
    testapp.set_cookie("session", kept)
    assert testapp.get("/api/v1/me", status=401).json["error"]["code"] == "session_replaced"
    assert progress(user.id) == counted


def test_a_sign_in_on_the_site_ends_the_api_token_and_the_other_way_round(testapp, make_learner):
    user = make_learner("chaoyang")
    body = {"login": user.login, "password": "Passw0rd!"}
    token = testapp.post_json("/api/v1/regions/chaoyang/login", {**body, **api_captcha(testapp)}).json["token"]
    browser = TestApp(testapp.app)
    sign_in(browser, user)
    res = testapp.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}, status=401)
    assert res.json["error"] == {"code": "session_replaced", "message": MSG_REPLACED}
    testapp.post_json("/api/v1/regions/chaoyang/login", {**body, **api_captcha(testapp)})
    assert browser.get("/chaoyang/me", status=302).follow().html.select_one("#session-notice").text == MSG_REPLACED


def test_staff_have_one_live_session_too(testapp, make_staff):
    make_staff("chaoyang", login="cy-admin")
    login(testapp, "chaoyang", "cy-admin")
    assert testapp.get("/chaoyang/admin/learners").status_int == 200
    login(TestApp(testapp.app), "chaoyang", "cy-admin")
    assert "/chaoyang/login" in testapp.get("/chaoyang/admin/learners", status=302).location


def test_signing_out_a_replaced_browser_leaves_the_live_session_alone(testapp, make_learner):
    user = make_learner("chaoyang")
    sign_in(testapp, user)
    csrf = csrf_of(testapp.get("/chaoyang/me"))
    newer = TestApp(testapp.app)
    sign_in(newer, user)
    testapp.post("/chaoyang/logout", {"csrf_token": csrf}, status=302)
    assert newer.get("/chaoyang/me").status_int == 200


def test_a_session_from_before_sessions_ended_is_signed_out(testapp, make_learner):
    """A cookie that names the account without a session token (as Flask-Login wrote them before
    this revision) is no session at all."""
    user = make_learner("chaoyang")
    sign_in(testapp, user)
    from flask import current_app

    serializer = current_app.session_interface.get_signing_serializer(current_app)
    testapp.reset()
    testapp.set_cookie("session", serializer.dumps({"_user_id": str(user.id), "_fresh": True}))
    assert testapp.get("/api/v1/me", status=401).json["error"]["code"] == "login_required"
