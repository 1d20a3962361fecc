"""The issue's account bullets that had no test of their own: the password hash, the Secure
cookie outside development, CSRF on every form, the logging SMS backend, and the login-lockout
and reset paths of every region."""
from __future__ import annotations

import logging
import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter
from werkzeug.security import check_password_hash

from cpe_core import create_app
from cpe_core.testing import login, own_login_choice

REGIONS = ("chaoyang", "guangdong", "cicpa")


def bare_app(tmp_path, **config):
    return create_app({"CPE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "s" * 32,
                       "CPE_SMS_LOG_IN_PRODUCTION": True, **config},
                      instance_path=str(tmp_path))


def test_passwords_are_stored_with_a_slow_salted_hash_by_default(tmp_path):
    from cpe_core.services.accounts import hash_password

    app = bare_app(tmp_path, CPE_ENV="development")
    with app.app_context():
        first, second = hash_password("Passw0rd!"), hash_password("Passw0rd!")
    assert first.startswith("scrypt:") and first != second  # a fresh salt each time
    assert check_password_hash(first, "Passw0rd!") and not check_password_hash(first, "passw0rd!")


@pytest.mark.parametrize("env, secure", [("production", True), ("development", False)])
def test_session_cookies_are_secure_outside_development(tmp_path, env, secure):
    app = bare_app(tmp_path, CPE_ENV=env)
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


#: POST endpoints that are not forms of the site: the JSON API (token auth, no cookies needed),
#: the payment provider's signed server-to-server notification, and the sandbox provider's page,
#: which stands for the provider's own site.
NOT_FORMS = {"payments.notify", "sandbox_pay.confirm"}


def _sample_url(adapter, rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "chaoyang" if name == "region" else "x"
    return adapter.build(rule.endpoint, values, method="POST")


def test_every_form_post_of_the_site_is_refused_without_a_csrf_token(app, testapp, make_learner):
    learner = make_learner("chaoyang")
    login(testapp, "chaoyang", learner.login)
    adapter = app.url_map.bind("localhost")
    accepted = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith("/api/") or rule.endpoint in NOT_FORMS:
            continue
        url = _sample_url(adapter, rule)
        response = testapp.post(url, {"login": learner.login}, expect_errors=True)
        if response.status_int != 400 or "csrf" not in response.text.lower():
            accepted.append((url, response.status))
    assert accepted == []


def test_without_a_gateway_plugin_sms_codes_are_logged(app, testapp, make_learner, caplog):
    user = make_learner("chaoyang", phone="13904210777")
    with caplog.at_level(logging.INFO, logger="cpe.sms"):
        form = testapp.get("/chaoyang/password/reset").forms["reset_request"]
        form["login"], form["phone"] = user.login, "13904210777"
        assert form.submit().status_int == 302
    [record] = [r for r in caplog.records if r.name == "cpe.sms"]
    assert "13904210777" in record.getMessage() and re.search(r"\d{6}", record.getMessage())


@pytest.fixture
def extra_plugins(request):
    if "outbox" in request.fixturenames:
        return [("test-sms", request.getfixturevalue("outbox"))]
    return []


def try_login(testapp, region: str, login_name: str, password: str = "Passw0rd!"):
    form = testapp.get(f"/{region}/login").forms["login"]
    form["login"], form["password"] = login_name, password
    if "login_choice" in form.fields:  # CICPA: 选择用户类型, the account's own
        form["login_choice"] = own_login_choice(region, login_name)
    return form.submit(expect_errors=True)


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_locks_an_account_after_five_failures(testapp, make_learner, region):
    user = make_learner(region)
    for _ in range(5):
        assert try_login(testapp, region, user.login, "wrong-Passw0rd").status_int == 401
    locked = try_login(testapp, region, user.login)
    assert locked.status_int == 429 and "登录失败次数过多，请15分钟后再试。" in locked.text


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_resets_a_password_with_an_sms_code(testapp, make_learner, outbox, region):
    user = make_learner(region, phone="13904210888")
    form = testapp.get(f"/{region}/password/reset").forms["reset_request"]
    form["login"], form["phone"] = user.login, "13904210888"
    page = form.submit().follow()
    form = page.forms["reset_confirm"]
    form["code"], form["password"], form["password2"] = outbox.last_code(), "NewSecret9", "NewSecret9"
    assert form.submit().status_int == 302
    assert try_login(testapp, region, user.login, "Passw0rd!").status_int == 401
    assert try_login(testapp, region, user.login, "NewSecret9").status_int == 302


def test_the_site_admin_sees_the_learners_of_every_region(testapp, make_learner, make_staff):
    learners = {region: make_learner(region, name=f"{region}学员") for region in REGIONS}
    make_staff(None, "site_admin", login="root")
    assert login(testapp, None, "root").status_int == 302
    for region, learner in learners.items():
        page = testapp.get(f"/{region}/admin/learners/{learner.id}")
        assert f"{region}学员" in page.text
        # ...and only through the learner's own region: ids do not cross regions.
        other = next(r for r in REGIONS if r != region)
        testapp.get(f"/{other}/admin/learners/{learner.id}", status=404)
