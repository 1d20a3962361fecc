"""In development, e-mails and SMS codes are kept in an outbox a tester reads at /dev/outbox;
in production there is no outbox at all, and a configuration asking for one does not start."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cpe_core import PluginError, create_app
from cpe_core.extensions import db
from cpe_core.models import Invoice
from cpe_core.testing import id_number, login
from test_invoices import ask_invoice
from test_orders import buy_through_sandbox

PHONE = "13904210777"


@pytest.fixture
def cpe_test_config(cpe_test_config, tmp_path):
    return {**cpe_test_config, "CPE_ENV": "development", "CPE_OUTBOX_DIR": str(tmp_path / "outbox"),
            # An SMTP server that is not there: nothing may try it.
            "CPE_SMTP_HOST": "127.0.0.1", "CPE_SMTP_PORT": 9}


def outbox_messages(testapp) -> list:
    return testapp.get("/dev/outbox/").html.select("#outbox li.message")


def test_the_password_reset_sms_lands_in_the_outbox_newest_first(testapp, make_learner):
    learner_id = id_number("211302", "19880516", 77)
    make_learner("chaoyang", login=learner_id, id_number=learner_id, phone=PHONE)
    home = testapp.get("/chaoyang/")
    assert home.html.select_one("#outbox-link")["href"] == "/dev/outbox/"
    for _ in range(2):
        form = testapp.get("/chaoyang/password/reset").forms["reset_request"]
        form["login"], form["phone"] = learner_id, PHONE
        page = form.submit().follow()
    messages = outbox_messages(testapp)
    assert len(messages) == 2 and all(m.select_one(".to").text == PHONE for m in messages)
    kept = [m["data-id"] for m in messages]
    assert kept == sorted(kept, reverse=True), "newest first"
    codes = [re.search(r"验证码(\d{6})", m.select_one("pre.body").text).group(1) for m in messages]
    # The newest code is the one that works, and it is listed first.
    form = page.forms["reset_confirm"]
    form["code"], form["password"], form["password2"] = codes[0], "NewSecret9", "NewSecret9"
    assert form.submit().status_int == 302
    assert login(testapp, "chaoyang", learner_id, "NewSecret9").status_int == 302


def test_the_invoice_email_lands_in_the_outbox_with_its_pdf(app, testapp, make_learner, make_staff):
    from webtest import TestApp

    learner = make_learner("guangdong", collection_region="guangdong", collection_area="广州市",
                           qualification_level="初级", qualified_year=2020, collection_status="approved")
    order = buy_through_sandbox(app, testapp, TestApp(app), learner, "guangdong", "professional")
    ask_invoice(testapp, order, email="caiwu@example.org")
    testapp.reset()
    make_staff("guangdong", "admin")
    login(testapp, "guangdong", "guangdong-admin")
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    page = testapp.get("/guangdong/admin/invoices").forms[f"issue-{invoice_id}"].submit().follow()
    assert "发票已开具并发送到学员邮箱" in page.text, "no Connection refused"
    mail = outbox_messages(testapp)[0]
    assert mail.select_one(".to").text == "caiwu@example.org" and "电子发票" in mail.select_one(".subject").text
    attachment = testapp.get(mail.select_one("a")["href"])
    assert attachment.body.startswith(b"%PDF")


def production_app(tmp_path, database_url, **settings):
    return create_app({"CPE_ENV": "production", "CPE_SECRET_KEY": "s", "CPE_DATABASE_URL": database_url,
                       "CPE_PLUGINS": "chaoyang", "CPE_SMS_LOG_IN_PRODUCTION": True, "CPE_OUTBOX_DIR": str(tmp_path / "outbox"), **settings},
                      instance_path=str(tmp_path / "instance"))


def test_production_registers_no_outbox(tmp_path, cpe_database_url):
    from webtest import TestApp

    app = production_app(tmp_path, cpe_database_url)
    assert "dev-outbox" not in dict(app.extensions["cpe"].plugins.manager.list_name_plugin())
    client = TestApp(app)
    client.get("/dev/outbox/", status=404)
    assert "outbox-link" not in client.get("/chaoyang/").text
    with app.app_context():
        from cpe_core.regions import rules_for

        from hookspecs import SmsMessage

        sms = SmsMessage("password_reset", {"code": "123456"}, "验证码123456")
        assert rules_for("chaoyang").send_sms(PHONE, sms) is True  # the log, not the outbox
    assert not (tmp_path / "outbox").exists()


@pytest.mark.parametrize("value", [True, "1", "yes"])
def test_production_asking_for_the_outbox_does_not_start(tmp_path, cpe_database_url, value):
    with pytest.raises(PluginError, match="CPE_DEV_OUTBOX is on in production"):
        production_app(tmp_path, cpe_database_url, CPE_DEV_OUTBOX=value)


def test_development_lists_the_outbox_among_its_plugins(app):
    assert "dev-outbox" in dict(app.extensions["cpe"].plugins.manager.list_name_plugin())
