"""Invoices (发票): requested within the region's window, issued by staff, PDF with Chinese text,
emailed through a real SMTP connection (aiosmtpd on loopback)."""
from __future__ import annotations

import email
import shutil
import socket
import subprocess

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Invoice
from cpe_core.testing import login, require_or_skip

from test_orders import buy_through_sandbox, gateway  # noqa: F401

VALID_USCC = "91110000600037341L"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def cpe_test_config(cpe_test_config, smtp_server):
    return {**cpe_test_config, "CPE_SMTP_HOST": "127.0.0.1", "CPE_SMTP_PORT": smtp_server.port,
            "CPE_MAIL_SENDER": "invoices@example.org"}


@pytest.fixture
def guangdong_learner(make_learner):
    return make_learner(
        "guangdong", collection_region="guangdong", collection_area="广州市", qualification_level="初级",
        qualified_year=2020, employer="广州某公司", collection_status="approved",
    )


@pytest.fixture
def paid_order(app, testapp, gateway, guangdong_learner):
    """A Guangdong professional year (¥90) paid through the sandbox; the learner is signed in."""
    return buy_through_sandbox(app, testapp, gateway, guangdong_learner, "guangdong", "professional")


def ask_invoice(testapp, order, **fields):
    page = testapp.get(f"/guangdong/orders/{order.number}")
    form = page.forms["invoice-form"]
    values = {"kind": "company", "title": "广州某会计服务有限公司", "tax_id": VALID_USCC, "email": "caiwu@example.org"}
    values.update(fields)
    for name, value in values.items():
        form[name] = value
    return form.submit().follow()


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        require_or_skip("pdftotext not found (apt-get install poppler-utils)")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_company_invoice_is_requested_issued_emailed_and_downloaded(app, testapp, paid_order, make_staff, smtp_server, tmp_path):
    page = ask_invoice(testapp, paid_order)
    assert "发票申请已提交" in page.text and "待开具" in page.text
    assert "请在2024年07月15日前申请发票" not in page.text  # the form is gone once requested
    learner_cookies = dict(testapp.cookies)
    testapp.reset()
    staff = make_staff("guangdong", "admin")
    login(testapp, "guangdong", staff.login)
    listing = testapp.get("/guangdong/admin/invoices")
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    page = listing.forms[f"issue-{invoice_id}"].submit().follow()
    assert "发票已开具并发送到学员邮箱" in page.text
    invoice = db.session.scalar(select(Invoice))
    assert invoice.status == "sent" and invoice.number and invoice.tax_id == VALID_USCC
    assert db.session.scalars(select(AuditEntry.action)).all() == ["invoice.issue"]
    db.session.rollback()

    (message,) = smtp_server.messages
    assert message["To"] == "caiwu@example.org" and "电子发票" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    (attachment,) = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    text = pdf_text(attachment.get_payload(decode=True), tmp_path)
    assert "电子发票" in text and "广州某会计服务有限公司" in text and VALID_USCC in text and "¥90.00" in text

    testapp.reset()
    for name, value in learner_cookies.items():
        testapp.set_cookie(name, value)
    overview = testapp.get("/guangdong/orders/")
    assert "已发送" in overview.html.select_one("#orders td.invoice").text
    download = testapp.get(f"/guangdong/orders/{paid_order.number}/invoice.pdf")
    assert download.content_type == "application/pdf"
    assert "广州某会计服务有限公司" in pdf_text(download.body, tmp_path)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"tax_id": ""}, "单位发票请填写统一社会信用代码。"),
        ({"tax_id": "91110000600037341X"}, "统一社会信用代码无效，请核对后重新填写（18位）。"),
        ({"tax_id": "1234"}, "统一社会信用代码无效，请核对后重新填写（18位）。"),
        ({"title": "  "}, "请填写发票抬头。"),
        ({"email": "not-an-email"}, "请填写有效的电子邮箱。"),
        ({"kind": "personal", "title": "张三", "tax_id": "", "email": ""}, "请填写有效的电子邮箱。"),
    ],
)
def test_bad_invoice_requests_are_refused_in_chinese(app, testapp, paid_order, fields, message):
    page = ask_invoice(testapp, paid_order, **fields)
    assert message in page.text
    assert db.session.scalar(select(Invoice.id)) is None


def test_a_personal_invoice_needs_no_credit_code(app, testapp, paid_order):
    ask_invoice(testapp, paid_order, kind="personal", title="张三", tax_id="whatever")
    invoice = db.session.scalar(select(Invoice))
    assert (invoice.title, invoice.tax_id) == ("张三", None)


def test_guangdong_invoices_close_one_month_after_purchase(app, testapp, clock, paid_order, guangdong_learner):
    page = testapp.get(f"/guangdong/orders/{paid_order.number}")
    assert "请在2024年07月15日前申请发票" in page.text
    clock.advance(days=31)
    testapp.reset()
    login(testapp, "guangdong", guangdong_learner.login)  # the idle session ended meanwhile
    page = ask_invoice(testapp, paid_order)
    assert "已超过申请发票的期限（2024年07月15日），逾期不可补开。" in page.text
    assert db.session.scalar(select(Invoice.id)) is None


def test_staff_of_another_region_cannot_issue(app, testapp, paid_order, make_staff):
    ask_invoice(testapp, paid_order)
    testapp.reset()
    other = make_staff("chaoyang", "admin")
    login(testapp, "chaoyang", other.login)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    listing = testapp.get("/chaoyang/admin/invoices")
    assert "暂无发票申请" in listing.text
    token = testapp.get("/chaoyang/admin/cards").forms["void"]["csrf_token"].value
    res = testapp.post(f"/chaoyang/admin/invoices/{invoice_id}/issue", {"csrf_token": token}).follow()
    assert "没有找到该发票申请。" in res.text
    assert db.session.scalar(select(Invoice.status)) == "requested"
    testapp.get("/guangdong/admin/invoices", status=403)


def test_an_unreachable_mail_server_leaves_the_invoice_issued_with_a_message(app, testapp, paid_order, make_staff):
    ask_invoice(testapp, paid_order)
    testapp.reset()
    app.config["CPE_SMTP_PORT"] = free_port()  # nobody listens there
    staff = make_staff("guangdong", "admin")
    login(testapp, "guangdong", staff.login)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    page = testapp.get("/guangdong/admin/invoices").forms[f"issue-{invoice_id}"].submit().follow()
    assert "发票已开具，但邮件发送失败" in page.text
    assert db.session.scalar(select(Invoice.status)) == "issued"


def test_the_invoice_pdf_embeds_its_chinese_font(app, testapp, paid_order, make_staff, tmp_path):
    """Chinese text is drawn with an embedded font, so it shows as text, not boxes, on a
    machine without Chinese fonts (pdftotext alone would pass with a non-embedded CID font)."""
    if shutil.which("pdffonts") is None:
        require_or_skip("pdffonts not found (apt-get install poppler-utils)")
    ask_invoice(testapp, paid_order, kind="personal", title="张三")
    staff = make_staff("guangdong", "admin")
    from webtest import TestApp

    office = TestApp(app)
    login(office, "guangdong", staff.login)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    office.get("/guangdong/admin/invoices").forms[f"issue-{invoice_id}"].submit()
    path = tmp_path / "invoice.pdf"
    path.write_bytes(testapp.get(f"/guangdong/orders/{paid_order.number}/invoice.pdf").body)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    # Only the standard Latin fonts every viewer has may stay unembedded; the Chinese one is in.
    standard = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")
    others = [line for line in fonts if not line.startswith(standard)]
    assert others, fonts
    assert all(line.split()[-5] == "yes" for line in others), fonts  # the "emb" column
    assert "张三" in pdf_text(path.read_bytes(), tmp_path)
