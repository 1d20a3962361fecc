"""Merchant accounts and their secrets: a region with its own account is paid into it and
the deployment's account serves the others; an account without its keys is not offered and
``cpe check --deploy`` names what it lacks; no key reaches a log, ``cpe plugins`` or a page."""
from __future__ import annotations

import logging
import secrets

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Payment
from cpe_core.regions import rules_for
from cpe_core.testing import login
from cpe_wechatpay.fake import FakeWeChatPay, Merchant


@pytest.fixture
def deployment_fake():
    with FakeWeChatPay(Merchant(mch_id="1900000001")) as server:
        yield server


@pytest.fixture
def guangdong_fake():
    with FakeWeChatPay(Merchant(mch_id="1900000002", appid="wxguangdong000001")) as server:
        yield server


@pytest.fixture
def cpe_test_config(cpe_test_config, deployment_fake, guangdong_fake, tmp_path):
    return {
        **cpe_test_config,
        **deployment_fake.settings(tmp_path / "deployment"),
        **guangdong_fake.settings(tmp_path / "guangdong", prefix="CPE_WECHATPAY_GUANGDONG_"),
        "CPE_PAYMENT_SANDBOX": False,
    }


def codes(region: str) -> list[str]:
    return [provider.code for provider in rules_for(region).payment_providers()]


def test_a_region_with_its_own_account_is_paid_into_it_and_the_others_into_the_deployments(
        app, testapp, make_learner, deployment_fake, guangdong_fake):
    assert codes("guangdong") == ["wechatpay_guangdong"]
    assert codes("chaoyang") == codes("cicpa") == ["wechatpay"]
    assert {p.name for p in rules_for("guangdong").payment_providers()} == {"微信支付"}

    learner = make_learner("guangdong", collection_region="guangdong", collection_area="广州市", qualification_level="初级",
                           qualified_year=2020, employer="广州某公司", collection_status="approved")
    login(testapp, "guangdong", learner.login)
    page = testapp.get("/guangdong/orders/new?year=2024").forms["order-professional"].submit().follow()
    page.forms["pay"].submit()
    ref = db.session.scalar(select(Payment.provider_ref))
    db.session.rollback()
    assert ref in guangdong_fake.trades and ref not in deployment_fake.trades


def test_an_account_without_its_keys_is_not_offered_and_the_deploy_check_names_what_it_lacks(
        tmp_path, monkeypatch, cpe_database_url):
    from cpe_core.services.deploy_checks import check
    from cpe_core.settings import ENV_SETTINGS

    for key in ENV_SETTINGS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CPE_WECHATPAY_GUANGDONG_MCH_ID", "1900000003")  # begun in the environment
    monkeypatch.setenv("CPE_WECHATPAY_GUANGDONG_APIV3_KEY", "k" * 32)
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "cpe.cfg").write_text(
        f"CPE_SECRET_KEY = {secrets.token_hex(32)!r}\nCPE_DATABASE_URL = {cpe_database_url!r}\n"
        "CPE_PLUGINS = 'guangdong,wechatpay'\nCPE_WECHATPAY_GUANGDONG_APPID = 'wx1'\n", encoding="utf-8")
    found = [f for f in check(str(folder)) if f.code == "cpe.E043"]
    lacking = " ".join(f.message for f in found)
    assert found and all(f.level == "error" for f in found)
    assert "wechatpay_guangdong: CPE_WECHATPAY_GUANGDONG_CERT_SERIAL_NO" in lacking
    assert "CPE_WECHATPAY_GUANGDONG_PRIVATE_KEY（或 CPE_WECHATPAY_GUANGDONG_PRIVATE_KEY_FILE）" in lacking
    assert "CPE_WECHATPAY_GUANGDONG_PLATFORM_CERT_DIR" in lacking
    assert "APIV3_KEY" not in lacking and "k" * 32 not in lacking  # set; and values are never shown

    from cpe_wechatpay import hooks

    settings = {"CPE_WECHATPAY_GUANGDONG_APPID": "wx1"}
    assert hooks.cpe_payment_providers(settings) == []  # not offered
    assert hooks.cpe_payment_missing_settings({}) != []  # the environment's begun account


def test_no_key_reaches_a_log_cpe_plugins_or_a_page(app, testapp, make_learner, deployment_fake, tmp_path, caplog):
    private_key = (tmp_path / "deployment" / "apiclient_key.pem").read_text()
    key_body = private_key.splitlines()[1]
    apiv3_key = deployment_fake.merchant.apiv3_key
    with caplog.at_level(logging.DEBUG):
        learner = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)
        login(testapp, "chaoyang", learner.login)
        page = testapp.get("/chaoyang/orders/new?year=2024").forms["order-annual"].submit().follow()
        scan = page.forms["pay"].submit()
        ref = db.session.scalar(select(Payment.provider_ref))
        db.session.rollback()
        deployment_fake.pay(ref)
        body, headers = deployment_fake.notification(ref)
        testapp.post("/payments/notify/wechatpay", body, headers={**headers, "Content-Type": "application/json"})
        # a refused notification is logged: without the key either
        testapp.post("/payments/notify/wechatpay", body, headers={**headers, "Wechatpay-Signature": "AAAA"}, status=400)
    listing = app.test_cli_runner().invoke(args=["plugins"]).output
    as_json = app.test_cli_runner().invoke(args=["plugins", "--json"]).output
    provider = app.extensions["cpe"].payment_providers()["wechatpay"]
    for text in (caplog.text, listing, as_json, scan.text, repr(provider), repr(provider.account)):
        assert key_body not in text and apiv3_key not in text
    assert "payment providers:\n" in listing and "  chaoyang: wechatpay (微信支付)\n" in listing
    assert "  guangdong: wechatpay_guangdong (微信支付)\n" in listing


def test_at_start_up_a_regions_incomplete_account_is_named_and_the_region_gets_no_wechat_pay(cpe_test_config, caplog):
    from cpe_core import create_app
    from cpe_core.extensions import db as database

    with caplog.at_level(logging.WARNING):
        app = create_app({**cpe_test_config, "CPE_WECHATPAY_CICPA_MCH_ID": "1900000009"})
    assert "payment provider not offered, a setting is missing: wechatpay_cicpa: CPE_WECHATPAY_CICPA_APPID" in caplog.text
    with app.app_context():
        # cicpa began its own account: the deployment's does not take its money meanwhile
        assert codes("cicpa") == [] and codes("chaoyang") == ["wechatpay"]
        database.engine.dispose()

