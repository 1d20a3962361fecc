"""Signing in from the WeChat mini-program through /api/v1: ``code2session`` against a fake
WeChat server on 127.0.0.1, binding once (password or SMS code), then the code alone; unbinding."""
from __future__ import annotations

import json
import secrets
import threading
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from cpe_core.testing import api_captcha, id_number

APP_ID = "wx0123456789abcdef"
LOGIN = id_number("211302", "19880516", 41)
PHONE = "13904210999"


class FakeWechat:
    """``GET /sns/jscode2session``: answers as WeChat does (JSON sent as text/plain), checking
    the app id and secret; each code issued with :meth:`code_for` works once."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def code_for(self, openid: str) -> str:
        code = secrets.token_hex(16)
        self.codes[code] = openid
        return code

    def __call__(self, environ, start_response):
        request = Request(environ)
        args = {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}
        with self.lock:
            self.requests.append(args)
            if request.path != "/sns/jscode2session" or args.get("grant_type") != "authorization_code":
                answer = {"errcode": 40002, "errmsg": "invalid grant_type"}
            elif args.get("appid") != APP_ID or args.get("secret") != self.secret:
                answer = {"errcode": 40125, "errmsg": "invalid appsecret"}
            elif args.get("js_code") in self.used:
                answer = {"errcode": 40163, "errmsg": "code been used"}
            elif args.get("js_code") not in self.codes:
                answer = {"errcode": 40029, "errmsg": "invalid code"}
            else:
                self.used.add(args["js_code"])
                answer = {"openid": self.codes[args["js_code"]], "session_key": secrets.token_hex(12)}
        return Response(json.dumps(answer), content_type="text/plain")(environ, start_response)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def running_wechat(secret: str):
    fake = FakeWechat(secret)
    server = make_server("127.0.0.1", 0, fake, threaded=True, request_handler=_Quiet)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def app_secret() -> str:
    return secrets.token_hex(16)


@pytest.fixture
def wechat(app_secret):
    with running_wechat(app_secret) as fake:
        yield fake


@pytest.fixture
def cpe_test_config(cpe_test_config, wechat, app_secret):
    return {**cpe_test_config, "CPE_WECHAT_APP_ID": APP_ID, "CPE_WECHAT_APP_SECRET": app_secret,
            "CPE_WECHAT_API_BASE": wechat.url}


@pytest.fixture
def extra_plugins(outbox, sms_login_on):
    return [("test-sms", outbox), ("sms-login", sms_login_on)]


@pytest.fixture
def member(make_learner):
    return make_learner("chaoyang", login=LOGIN, id_number=LOGIN, name="王会员", phone=PHONE)


def wechat_login(testapp, code, status=200):
    return testapp.post_json("/api/v1/regions/chaoyang/wechat/login", {"code": code}, status=status).json


def bind_with_password(testapp, code, password="Passw0rd!", status=200):
    body = {"code": code, "login": LOGIN, "password": password, **api_captcha(testapp)}
    return testapp.post_json("/api/v1/regions/chaoyang/wechat/bind", body, status=status).json


def bearer(answer) -> dict:
    return {"Authorization": f"Bearer {answer['token']}"}


def test_a_member_binds_once_with_the_password_then_signs_in_with_the_code_alone(testapp, wechat, member):
    refused = wechat_login(testapp, wechat.code_for("o-member"), status=404)
    assert refused["error"]["code"] == "wechat_not_bound"
    bound = bind_with_password(testapp, wechat.code_for("o-member"))
    assert bound["learner"]["login"] == LOGIN and bound["token"]
    answer = wechat_login(testapp, wechat.code_for("o-member"))
    assert answer["role"] == "learner" and answer["learner"]["name"] == "王会员"
    status = testapp.get("/api/v1/me/wechat", headers=bearer(answer)).json
    assert status["bound"] is True and status["bound_at"].startswith("2024-06-15")
    # WeChat was asked with the deployment's app id and secret, each code once.
    assert {(r["appid"], r["grant_type"]) for r in wechat.requests} == {(APP_ID, "authorization_code")}


def test_the_code_sign_in_ends_the_older_session(testapp, wechat, member):
    first = bind_with_password(testapp, wechat.code_for("o-member"))
    wechat_login(testapp, wechat.code_for("o-member"))
    replaced = testapp.get("/api/v1/me", headers=bearer(first), status=401).json
    assert replaced["error"]["code"] == "session_replaced"


def test_a_member_binds_with_an_sms_code(testapp, wechat, member, outbox):
    testapp.post_json("/api/v1/regions/chaoyang/login/sms-code", {"phone": PHONE, **api_captcha(testapp)})
    body = {"code": wechat.code_for("o-sms"), "phone": PHONE, "sms_code": outbox.last_code()}
    assert testapp.post_json("/api/v1/regions/chaoyang/wechat/bind", body).json["learner"]["login"] == LOGIN
    assert wechat_login(testapp, wechat.code_for("o-sms"))["learner"]["login"] == LOGIN


def test_a_wrong_password_binds_nothing(testapp, wechat, member):
    refused = bind_with_password(testapp, wechat.code_for("o-member"), password="wrong", status=401)
    assert refused["error"]["code"] == "bad_credentials"
    wechat_login(testapp, wechat.code_for("o-member"), status=404)


def test_unbinding_needs_the_binding_again(testapp, wechat, member):
    answer = bind_with_password(testapp, wechat.code_for("o-member"))
    assert testapp.delete("/api/v1/me/wechat", headers=bearer(answer)).json == {"unbound": True}
    assert wechat_login(testapp, wechat.code_for("o-member"), status=404)["error"]["code"] == "wechat_not_bound"
    again = testapp.delete("/api/v1/me/wechat", headers=bearer(answer), status=404).json
    assert again["error"]["code"] == "wechat_not_bound"


def test_one_wechat_identity_cannot_be_bound_to_two_accounts(testapp, wechat, member, make_learner):
    other = make_learner("chaoyang", phone="13904210888")
    bind_with_password(testapp, wechat.code_for("o-member"))
    body = {"code": wechat.code_for("o-member"), "login": other.login, "password": "Passw0rd!", **api_captcha(testapp)}
    refused = testapp.post_json("/api/v1/regions/chaoyang/wechat/bind", body, status=409).json
    assert refused["error"]["code"] == "wechat_bound_elsewhere"


def test_an_account_keeps_one_wechat_identity(testapp, wechat, member):
    bind_with_password(testapp, wechat.code_for("o-member"))
    refused = bind_with_password(testapp, wechat.code_for("o-someone-else"), status=409)
    assert refused["error"]["code"] == "wechat_account_bound"
    bind_with_password(testapp, wechat.code_for("o-member"))  # the same identity again: fine


def test_a_binding_serves_only_its_region(testapp, wechat, member):
    bind_with_password(testapp, wechat.code_for("o-member"))
    refused = testapp.post_json("/api/v1/regions/guangdong/wechat/login", {"code": wechat.code_for("o-member")},
                                status=404).json
    assert refused["error"]["code"] == "wechat_not_bound"


@pytest.mark.parametrize("code", ["never-issued", ""])
def test_a_bad_code_is_refused(testapp, wechat, member, code):
    assert wechat_login(testapp, code, status=401)["error"]["code"] == "wechat_code_invalid"


def test_a_used_code_is_refused(testapp, wechat, member):
    bind_with_password(testapp, wechat.code_for("o-member"))
    code = wechat.code_for("o-member")
    wechat_login(testapp, code)
    assert wechat_login(testapp, code, status=401)["error"]["code"] == "wechat_code_invalid"


def test_a_disabled_account_cannot_sign_in_by_code(testapp, wechat, member):
    from cpe_core.extensions import db
    from cpe_core.models import User

    bind_with_password(testapp, wechat.code_for("o-member"))
    db.session.get(User, member.id).is_active_account = False
    db.session.commit()
    wechat_login(testapp, wechat.code_for("o-member"), status=404)


def test_closing_the_account_removes_the_binding(testapp, wechat, member):
    from sqlalchemy import select

    from cpe_core.extensions import db
    from cpe_core.models import User, WechatBinding
    from cpe_core.services import personal_data

    bind_with_password(testapp, wechat.code_for("o-member"))
    personal_data.close_account(db.session.get(User, member.id), "Passw0rd!")
    assert db.session.scalars(select(WechatBinding)).all() == []


def test_a_wrong_app_secret_is_reported_as_unavailable_without_the_secret(testapp, wechat, member, app, caplog):
    app.config["CPE_WECHAT_APP_SECRET"] = "not-the-secret"
    caplog.set_level("DEBUG")
    refused = wechat_login(testapp, wechat.code_for("o-member"), status=401)
    assert refused["error"]["code"] == "wechat_code_invalid"  # WeChat's 40125, as it answers it
    assert "not-the-secret" not in caplog.text and "not-the-secret" not in json.dumps(refused)


def test_unreachable_wechat_is_a_503(testapp, member, app):
    app.config["CPE_WECHAT_API_BASE"] = "http://127.0.0.1:1"
    assert wechat_login(testapp, "any", status=503)["error"]["code"] == "wechat_unavailable"


def test_without_the_mini_programs_keys_the_sign_in_is_not_offered(testapp, member, app):
    app.config["CPE_WECHAT_APP_SECRET"] = ""
    assert wechat_login(testapp, "any", status=404)["error"]["code"] == "wechat_not_offered"
