"""Electronic invoices (发票): the learner requests one within the region's window, staff issue
it, the learner downloads the PDF and receives it by e-mail (a real SMTP connection), by SMS (a
link to the PDF that opens without signing in, for ``CPE_INVOICE_LINK_HOURS``), or both, as the
learner chose.

The SMS link carries an itsdangerous token signed with the app's secret key: the invoice's id
and number and when it was made. A changed token is refused (404), an old one too (410), and a
token of an invoice whose number changed opens nothing."""
from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from stdnum.cn import uscc

from .. import clock
from ..extensions import db
from ..labels import N_
from hookspecs import InvoiceDelivery, SmsMessage

from ..models import Invoice, Job, Order, Payment, User
from ..regions import RuleError, rules_for
from .. import dev_outbox
from . import audit, background
from .money import format_fen
from .orders import order_for
from .paging import PAGE_SIZE, Page, cut
from .tokens import timed_serializer

STATUS_LABELS = {"requested": N_("待开具"), "issued": N_("已开具"), "sent": N_("已发送")}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
#: The kind of background job that delivers an issued invoice (run by :mod:`.mail_jobs`).
MAIL_JOB = "invoice_mail"
#: How the learner may receive the invoice.
DELIVERIES = ("email", "sms", "both")
DELIVERY_LABELS = {"email": N_("电子邮箱"), "sms": N_("短信"), "both": N_("短信和电子邮箱")}
#: How long a texted link opens the PDF unless ``CPE_INVOICE_LINK_HOURS`` says otherwise.
LINK_HOURS = 72
_LINK_SALT = "cpe.invoice-link"
MSG_SMS_FAILED = "短信发送失败"

#: The payment provider code of a study card (学习卡), as :mod:`.cards` records it.
CARD_PROVIDER = "study_card"
CARD_INVOICE_MESSAGE = "本订单使用学习卡支付，不在本平台开具发票：学习卡开发票请联系您的开发商。"


def invoice_of(order: Order) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))


def _paid_on(order: Order) -> dt.date:
    return clock.from_utc_naive(order.paid_at).astimezone(clock.SHANGHAI).date()


def deadline(order: Order) -> dt.date | None:
    return rules_for(order.region).invoice_deadline(_paid_on(order), order.year)


def paid_by_card(order: Order) -> bool:
    """Whether a study card (学习卡) paid ``order``: its invoice comes from whoever sold the card
    (the card's distributor, 开发商), never from this platform."""
    return db.session.scalar(
        select(Payment.id).where(Payment.order_id == order.id, Payment.provider == CARD_PROVIDER,
                                 Payment.status == "succeeded").limit(1)
    ) is not None


def delivery(invoice: Invoice, order: Order) -> InvoiceDelivery | None:
    """By when the requested ``invoice`` is e-mailed, as the region promises (None: no date)."""
    requested_on = clock.from_utc_naive(invoice.created_at).astimezone(clock.SHANGHAI).date()
    return rules_for(order.region).invoice_delivery(requested_on, order.year)


def request_invoice(user: User, number: str, *, kind: str, title: str, tax_id: str, email: str,
                    delivery: str = "email") -> Invoice:
    """Save the learner's request; a company needs a valid unified social credit code.
    ``delivery`` (:data:`DELIVERIES`): e-mail needs an address, SMS the phone on file."""
    order = order_for(user, number)
    if order.status != "paid" or order.paid_at is None:
        raise RuleError("not_invoiceable", "只有已支付的订单可以申请发票。")
    if order.total_fen == 0:
        raise RuleError("nothing_to_invoice", "免费订单无需开具发票。")
    if paid_by_card(order):
        raise RuleError("card_invoice", CARD_INVOICE_MESSAGE)
    if invoice_of(order) is not None:
        raise RuleError("invoice_exists", "该订单已申请过发票。")
    last_day = deadline(order)
    if last_day is not None and clock.today_in_shanghai() > last_day:
        raise RuleError("invoice_window_closed", f"已超过申请发票的期限（{last_day:%Y年%m月%d日}），逾期不可补开。")
    title, tax_id, email = (title or "").strip(), (tax_id or "").strip().upper(), (email or "").strip()
    if not title:
        raise RuleError("title_required", "请填写发票抬头。")
    if len(title) > 100:
        raise RuleError("title_too_long", "发票抬头不能超过100字。")
    if kind == "company":
        if not tax_id:
            raise RuleError("tax_id_required", "单位发票请填写统一社会信用代码。")
        if not uscc.is_valid(tax_id):
            raise RuleError("tax_id_invalid", "统一社会信用代码无效，请核对后重新填写（18位）。")
    elif kind == "personal":
        tax_id = ""
    else:
        raise RuleError("kind_invalid", "请选择发票类型。")
    if delivery not in DELIVERIES:
        raise RuleError("delivery_invalid", "请选择发票的发送方式。")
    if delivery != "sms" and (not EMAIL.match(email) or len(email) > 255):
        raise RuleError("email_invalid", "请填写有效的电子邮箱。")
    if delivery != "email" and not user.phone:
        raise RuleError("phone_missing", "您的账号没有登记手机号码，不能通过短信接收发票。")
    # Stamped by the app's clock, as the order's payment is: the promised delivery counts from it.
    invoice = Invoice(order_id=order.id, title=title, tax_id=tax_id or None,
                      email=email if delivery != "sms" else "", status="requested", delivery=delivery,
                      phone=user.phone if delivery != "email" else None, created_at=clock.to_utc_naive(clock.now()))
    db.session.add(invoice)
    db.session.commit()
    return invoice


# --- 扫码获取电子发票: a QR code on the paid order that a phone (WeChat) opens -------------------

#: Salt of the signed scan tokens, so no other signed value of the app can stand for one.
SCAN_SALT = "cpe-invoice-scan"


def _scan_signer():
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.secret_key, salt=SCAN_SALT)


def scan_token(invoice: Invoice) -> str:
    """The token of an issued invoice's scan link: signed with the app's secret key and bound
    to the invoice's number, so it cannot be guessed or moved to another invoice. The phone
    that scans it is not signed in: the link is the invoice, as the e-mailed PDF is."""
    if invoice.number is None:
        raise RuleError("invoice_not_issued", "发票尚未开具。")
    return _scan_signer().dumps([invoice.id, invoice.number])


def by_scan_token(region: str, token: str) -> tuple[Invoice, Order]:
    """The issued invoice of ``region`` a scan token names; a bad token names none."""
    from itsdangerous import BadSignature

    missing = RuleError("invoice_not_found", "发票不存在或二维码已失效。")
    try:
        invoice_id, number = _scan_signer().loads(token)
        invoice, order = _in_region(region, int(invoice_id))
    except (BadSignature, RuleError, TypeError, ValueError):
        raise missing from None
    if invoice.number != number or invoice.status == "requested":
        raise missing
    return invoice, order


def scan_qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG (segno), large enough for a phone to read off a screen."""
    import segno

    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def listing(region: str, *, before: int | None = None, limit: int = PAGE_SIZE) -> Page[tuple[Invoice, Order]]:
    """One page of the region's invoice requests, newest first, older than invoice ``before``."""
    query = select(Invoice, Order).join(Order, Order.id == Invoice.order_id).where(Order.region == region)
    if before:
        query = query.where(Invoice.id < before)
    rows = db.session.execute(query.order_by(Invoice.id.desc()).limit(limit + 1)).all()
    return cut(rows, limit, lambda row: row[0].id)


def _in_region(region: str, invoice_id: int) -> tuple[Invoice, Order]:
    row = db.session.execute(
        select(Invoice, Order).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.id == invoice_id, Order.region == region)
    ).first()
    if row is None:
        raise RuleError("invoice_not_found", "没有找到该发票申请。")
    return row[0], row[1]


def issue(staff: User, region: str, invoice_id: int) -> tuple[Invoice, str | None]:
    """Issue the invoice (number, PDF) and email it. Returns the invoice and, when the email
    could not be sent, the reason (the invoice stays issued and can be sent again)."""
    invoice, order = _in_region(region, invoice_id)
    now = clock.now()
    number = f"{now.astimezone(clock.SHANGHAI):%Y%m%d}{secrets.randbelow(10**8):08d}"
    issued = db.session.execute(
        update(Invoice).where(Invoice.id == invoice.id, Invoice.status == "requested")
        .values(status="issued", number=number, issued_at=clock.to_utc_naive(now))
    )
    if issued.rowcount != 1:
        db.session.rollback()
        raise RuleError("invoice_issued", "该发票已开具。")
    audit.record("invoice.issue", f"order:{order.number}", actor=staff, region=region,
                 before={"status": "requested"}, after={"status": "issued", "number": number})
    db.session.commit()
    # The e-mail goes through the job queue (sent at once without a broker; a failed send is
    # retried later, see mail_jobs).
    job = send_later(staff, invoice, order)
    db.session.refresh(invoice)
    return invoice, job.error if job.status == "failed" else None


def send_later(staff: User | None, invoice: Invoice, order: Order) -> Job:
    """Queue the invoice's e-mail, a :data:`MAIL_JOB` that :mod:`.mail_jobs` runs; returns the
    job (already ended when no broker is set)."""
    job = background.create(MAIL_JOB, region=order.region, params={"invoice_id": invoice.id}, actor=staff)
    db.session.commit()
    return background.submit(job)


def send(invoice: Invoice, order: Order) -> str | None:
    """Deliver the invoice each way the learner chose that has not gone out yet (a retry after
    the e-mail went but the SMS failed sends only the SMS); None when all went, else the reasons."""
    failures = []
    if invoice.delivery in ("email", "both") and invoice.emailed_at is None:
        try:
            deliver(invoice, order, pdf(invoice, order))
        except (OSError, smtplib.SMTPException) as error:
            failures.append(str(error) or error.__class__.__name__)
        else:
            _stamp(invoice, emailed_at=clock.to_utc_naive(clock.now()))
    if invoice.delivery in ("sms", "both") and invoice.texted_at is None:
        if text(invoice, order):
            _stamp(invoice, texted_at=clock.to_utc_naive(clock.now()))
        else:
            failures.append(MSG_SMS_FAILED)
    if failures:
        return "；".join(failures)
    _stamp(invoice, status="sent")
    return None


def _stamp(invoice: Invoice, **values) -> None:
    db.session.execute(update(Invoice).where(Invoice.id == invoice.id).values(**values))
    db.session.commit()
    db.session.refresh(invoice)


def link_hours() -> int:
    return int(current_app.config.get("CPE_INVOICE_LINK_HOURS") or LINK_HOURS)


def _serializer() -> URLSafeTimedSerializer:
    return timed_serializer(_LINK_SALT)


def link_token(invoice: Invoice) -> str:
    """A token that opens ``invoice``'s PDF without signing in, for :func:`link_hours`."""
    return _serializer().dumps({"i": invoice.id, "n": invoice.number})


def by_link(region: str, token: str) -> tuple[Invoice, Order]:
    """The issued invoice a texted link names; :class:`RuleError` ``invoice_link_expired``
    when it is older than :func:`link_hours`, ``invoice_not_found`` when it was changed, is of
    another region, or names an invoice that is not issued (or whose number changed)."""
    try:
        payload = _serializer().loads(token, max_age=link_hours() * 3600)
    except SignatureExpired:
        raise RuleError("invoice_link_expired", "下载链接已过期，请登录后在订单页面下载发票。") from None
    except BadSignature:
        raise RuleError("invoice_not_found", "没有找到该发票。") from None
    try:
        invoice, order = _in_region(region, int(payload["i"]))
    except (KeyError, TypeError, ValueError):
        raise RuleError("invoice_not_found", "没有找到该发票。") from None
    if invoice.status == "requested" or invoice.number != payload.get("n"):
        raise RuleError("invoice_not_found", "没有找到该发票。")
    return invoice, order


def link_url(invoice: Invoice, order: Order) -> str:
    """The texted link: the address staff used when issuing (``CPE_BASE_URL`` outside a request,
    as when a worker retries)."""
    base = request.host_url if has_request_context() else current_app.config.get("CPE_BASE_URL", "http://localhost/")
    return f"{base.rstrip('/')}/{order.region}/i/{link_token(invoice)}"


def text(invoice: Invoice, order: Order) -> bool:
    """Text the learner a link to the PDF (SMS purpose ``invoice``: variables ``number``,
    ``link``); True once the region's gateway accepted it."""
    rules = rules_for(order.region)
    link = link_url(invoice, order)
    body = (f"【{rules.info.name}】您的订单{order.number}的电子发票已开具，发票号码{invoice.number}，"
            f"{link_hours()}小时内可下载：{link}")
    return rules.send_sms(invoice.phone or "", SmsMessage("invoice", {"number": invoice.number or "", "link": link}, body))


def deliver(invoice: Invoice, order: Order, document: bytes) -> None:
    config = current_app.config
    info = rules_for(order.region).info
    message = EmailMessage()
    message["Subject"] = f"{info.name}电子发票（订单{order.number}）"
    message["From"] = config.get("CPE_MAIL_SENDER", "noreply@localhost")
    message["To"] = invoice.email
    body = (
        f"{invoice.title}：\n\n您在{info.name}的订单{order.number}（{format_fen(order.total_fen)}）"
        f"的电子发票已开具，发票号码{invoice.number}，请查收附件。\n"
    )
    message.set_content(body)
    filename = f"invoice-{invoice.number}.pdf"
    message.add_attachment(document, maintype="application", subtype="pdf", filename=filename)
    box = dev_outbox.outbox()
    if box is not None:  # development: kept for /dev/outbox, never sent
        box.record("email", invoice.email, body, subject=message["Subject"], region=order.region,
                   at=clock.shanghai_text(clock.now(), clock.SECONDS), attachments=[(filename, document)])
        return
    host = config.get("CPE_SMTP_HOST", "localhost")
    port = int(config.get("CPE_SMTP_PORT", 25))
    with smtplib.SMTP(host, port, timeout=float(config.get("CPE_SMTP_TIMEOUT", 10))) as smtp:
        if config.get("CPE_SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("CPE_SMTP_USER"):
            smtp.login(config["CPE_SMTP_USER"], config.get("CPE_SMTP_PASSWORD", ""))
        smtp.send_message(message)


def pdf(invoice: Invoice, order: Order) -> bytes:
    """The invoice as a one-page A4 PDF with the CJK font embedded."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from .certificates import cjk_font

    font = cjk_font()
    info = rules_for(order.region).info
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    page.setTitle(f"电子发票 {invoice.number}")
    page.setFont(font, 20)
    page.drawCentredString(width / 2, height - 30 * mm, "电子发票")
    page.setFont(font, 11)
    issued = clock.from_utc_naive(invoice.issued_at).astimezone(clock.SHANGHAI) if invoice.issued_at else clock.now()
    rows = [
        ("发票号码", invoice.number or ""),
        ("开票日期", f"{issued:%Y年%m月%d日}"),
        ("购买方名称", invoice.title),
        ("统一社会信用代码", invoice.tax_id or "（个人）"),
        ("销售方", info.authority),
        ("订单号", order.number),
    ]
    y = height - 50 * mm
    for label, value in rows:
        page.drawString(25 * mm, y, f"{label}：{value}")
        y -= 8 * mm
    y -= 4 * mm
    page.drawString(25 * mm, y, "项目")
    page.drawString(120 * mm, y, "数量")
    page.drawString(150 * mm, y, "金额")
    y -= 7 * mm
    for line in order.lines:
        page.drawString(25 * mm, y, line.description[:40])
        page.drawString(120 * mm, y, str(line.quantity))
        page.drawString(150 * mm, y, format_fen(line.amount_fen))
        y -= 7 * mm
    y -= 4 * mm
    page.drawString(25 * mm, y, f"价税合计：{format_fen(order.total_fen)}")
    page.showPage()
    page.save()
    return buffer.getvalue()
