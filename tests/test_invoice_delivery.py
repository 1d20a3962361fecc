"""Invoices delivered as the learner chose: by e-mail, by SMS (a link to the PDF that opens
without signing in for ``CPE_INVOICE_LINK_HOURS``), or both; on the site and through the API."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Invoice
from cpe_core.testing import api_captcha, login

from test_invoices import ask_invoice, guangdong_learner, paid_order, pdf_text, smtp_server  # noqa: F401
from test_invoices import cpe_test_config  # noqa: F401 (the SMTP server on loopback)
from test_orders import gateway  # noqa: F401

LINK = re.compile(r"https?://[^/\s]+(/guangdong/i/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def extra_plugins(outbox):
    return [("test-sms", outbox)]


def issue_all(testapp, make_staff):
    """Sign staff in and issue the one invoice; returns the page shown after issuing."""
    cookies = dict(testapp.cookies)
    testapp.reset()
    staff = make_staff("guangdong", "admin")
    login(testapp, "guangdong", staff.login)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    page = testapp.get("/guangdong/admin/invoices").forms[f"issue-{invoice_id}"].submit().follow()
    testapp.reset()
    return page, cookies


def texted_link(outbox) -> str:
    region, _phone, text = outbox.sent[-1]
    assert region == "guangdong"
    return LINK.search(text).group(1)


def test_a_learner_who_chose_sms_gets_a_link_that_opens_the_pdf_without_signing_in(
        testapp, paid_order, make_staff, outbox, smtp_server, guangdong_learner, tmp_path):
    page = ask_invoice(testapp, paid_order, delivery="sms", email="")
    assert "开具后将以短信发送下载链接到您的手机" in page.text
    page, _cookies = issue_all(testapp, make_staff)
    assert "下载链接已通过短信发送给学员" in page.text
    _region, phone, text = outbox.sent[-1]
    assert phone == guangdong_learner.phone and "72小时内可下载" in text and "广东省会计人员继续教育" in text
    assert smtp_server.messages == []  # no e-mail was asked for
    invoice = db.session.scalar(select(Invoice))
    assert invoice.status == "sent" and invoice.texted_at and invoice.emailed_at is None
    db.session.rollback()
    pdf = testapp.get(texted_link(outbox))  # nobody is signed in
    assert pdf.content_type == "application/pdf" and pdf.headers["Cache-Control"] == "private, no-store"
    assert "广州某会计服务有限公司" in pdf_text(pdf.body, tmp_path)


def test_both_sends_the_email_and_the_sms(testapp, paid_order, make_staff, outbox, smtp_server):
    ask_invoice(testapp, paid_order, delivery="both")
    page, _cookies = issue_all(testapp, make_staff)
    assert "发送到学员邮箱，下载链接已通过短信发送给学员" in page.text
    assert len(smtp_server.messages) == 1 and len(outbox.sent) == 1


def test_an_expired_link_is_refused_with_a_message(testapp, paid_order, make_staff, outbox, clock):
    ask_invoice(testapp, paid_order, delivery="sms", email="")
    issue_all(testapp, make_staff)
    link = texted_link(outbox)
    clock.advance(hours=71, minutes=59)
    assert testapp.get(link).content_type == "application/pdf"
    clock.advance(minutes=2)
    refused = testapp.get(link, status=410)
    assert "下载链接已过期，请登录后在订单页面下载发票。" in refused.text


def test_the_links_lifetime_is_the_setting(app, testapp, paid_order, make_staff, outbox, clock):
    app.config["CPE_INVOICE_LINK_HOURS"] = 1
    ask_invoice(testapp, paid_order, delivery="sms", email="")
    issue_all(testapp, make_staff)
    assert "1小时内可下载" in outbox.sent[-1][2]
    clock.advance(minutes=61)
    testapp.get(texted_link(outbox), status=410)


def test_a_changed_link_is_refused(app, testapp, paid_order, make_staff, outbox):
    from itsdangerous import URLSafeTimedSerializer

    ask_invoice(testapp, paid_order, delivery="sms", email="")
    issue_all(testapp, make_staff)
    link = texted_link(outbox)
    token = link.rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    testapp.get(link.replace(token, flipped), status=404)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    forged = URLSafeTimedSerializer("another key", salt="cpe.invoice-link").dumps({"i": invoice_id, "n": "x"})
    testapp.get(f"/guangdong/i/{forged}", status=404)
    testapp.get(link.replace("/guangdong/", "/chaoyang/"), status=404)  # another region's address


def test_a_failed_sms_is_retried_without_a_second_email(app, testapp, paid_order, make_staff, outbox, smtp_server,
                                                     clock):
    from cpe_core.models import Job

    outbox.refuse = 1
    ask_invoice(testapp, paid_order, delivery="both")
    page, _cookies = issue_all(testapp, make_staff)
    assert "发票已开具，但发送失败：短信发送失败" in page.text
    job = db.session.scalar(select(Job))
    assert job.status == "failed" and len(smtp_server.messages) == 1
    db.session.rollback()
    clock.advance(minutes=6)
    later = app.test_cli_runner().invoke(args=["jobs", "run-periodic"])
    assert "重新排队的任务：1个" in later.output, later.output
    db.session.rollback()
    assert db.session.scalar(select(Invoice.status)) == "sent"
    assert len(smtp_server.messages) == 1 and len(outbox.sent) == 1


def api_token(testapp, learner) -> dict:
    body = {"login": learner.login, "password": "Passw0rd!", **api_captcha(testapp)}
    token = testapp.post_json("/api/v1/regions/guangdong/login", body).json["token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_api_takes_the_delivery_choice(testapp, paid_order, guangdong_learner):
    headers = api_token(testapp, guangdong_learner)
    body = {"kind": "personal", "title": "张三", "delivery": "sms"}
    answer = testapp.post_json(f"/api/v1/orders/{paid_order.number}/invoice", body, headers=headers, status=201).json
    assert {key: answer["invoice"][key] for key in ("status", "title", "delivery")} == {
        "status": "requested", "title": "张三", "delivery": "sms"}


@pytest.mark.parametrize("body, code", [
    ({"kind": "personal", "title": "张三", "delivery": "fax"}, "field_bad_choice"),
    ({"kind": "personal", "title": "张三", "delivery": "email"}, "email_invalid"),
])
def test_the_api_refuses_a_bad_delivery(testapp, paid_order, guangdong_learner, body, code):
    headers = api_token(testapp, guangdong_learner)
    refused = testapp.post_json(f"/api/v1/orders/{paid_order.number}/invoice", body, headers=headers, status=422).json
    assert refused["error"]["code"] == code


def test_sms_delivery_needs_a_phone_on_file(testapp, paid_order, guangdong_learner):
    from cpe_core.models import User

    db.session.get(User, guangdong_learner.id).phone = None
    db.session.commit()
    headers = api_token(testapp, guangdong_learner)
    refused = testapp.post_json(f"/api/v1/orders/{paid_order.number}/invoice",
                                {"kind": "personal", "title": "张三", "delivery": "sms"}, headers=headers, status=422).json
    assert refused["error"] == {"code": "phone_missing", "message": "您的账号没有登记手机号码，不能通过短信接收发票。"}
