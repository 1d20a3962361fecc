"""``/api/v1`` endpoints for buying: offers, orders (with payments, refunds and invoice) and
starting a payment. The same services as the site; writes take JSON bodies only."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required
from marshmallow import fields

from ..extensions import db
from ..regions import RuleError, rules_for
from ..services import enrolments, invoices, refunds
from ..services import orders as service
from ..services.input_rules import Body, Integer, Text, Year
from .api import Reply, bp, error, json_body, operation, query_args
from .api_accounts import Reason, YearQuery
from ..services.years import current_year

ORDER_REFUSAL = {"code": "invalid_order", "message": "请提供年度（整数）和购买方式。"}
ENROLMENT_REFUSAL = {"code": "invalid_enrolment", "message": "请提供年度（整数）和培训机构编号（整数）。"}


class OrderBody(Body):
    year = Year(required=True, **ORDER_REFUSAL)
    #: A mode code, or several combinable ones joined by ``+`` (``public+professional``): one
    #: order for them together.
    mode = Text(required=True, max_length=32, label="购买方式", **ORDER_REFUSAL)


class PaymentBody(Body):
    provider = Text(required=True, max_length=32, label="支付方式", code="provider_required", message="请选择支付方式。")
    #: Where the learner pays: an app or phone browser by default; the mini-program sends its openid.
    client = Text(load_default="mobile", max_length=16, label="支付终端")
    openid = Text(load_default="", max_length=64, label="openid")


class EnrolmentBody(Body):
    year = Year(required=True, **ENROLMENT_REFUSAL)
    institution_id = Integer(required=True, label="培训机构", **ENROLMENT_REFUSAL)
    level = Text(load_default=None, max_length=32, label="报名等级", code="invalid_enrolment",
                 message="报名等级应为文字。")


class ModeBody(Body):
    mode = Text(required=True, max_length=32, label="购买方式", code="invalid_order", message="请选择购买方式。")


class OrderLine(Reply):
    sku = fields.String(required=True)
    description = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price_fen = fields.Integer(required=True)
    amount_fen = fields.Integer(required=True)


class PaymentReply(Reply):
    provider = fields.String(required=True)
    amount_fen = fields.Integer(required=True)
    status = fields.String(required=True)


class RefundReply(Reply):
    kind = fields.String(required=True)
    amount_fen = fields.Integer(required=True)
    status = fields.String(required=True)


class InvoiceSummary(Reply):
    status = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    due = fields.Date(required=True, allow_none=True, metadata={
        "description": "by when the requested e-invoice is e-mailed, as the region promises (cpe_invoice_delivery)"})
    delivery = fields.String(required=True, metadata={"enum": list(invoices.DELIVERIES)})


class InvoiceBody(Body):
    kind = Text(required=True, choices=("personal", "company"), label="发票类型")
    title = Text(required=True, max_length=100, label="发票抬头")
    tax_id = Text(load_default="", max_length=30, label="统一社会信用代码")
    email = Text(load_default="", max_length=255, label="电子邮箱")
    delivery = Text(load_default="email", choices=invoices.DELIVERIES, label="发送方式")


class OrderReply(Reply):
    number = fields.String(required=True)
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    mode = fields.String(required=True)
    total_fen = fields.Integer(required=True)
    status = fields.String(required=True)
    locks_courses = fields.Boolean(required=True)
    lines = fields.List(fields.Nested(OrderLine), required=True)
    payments = fields.List(fields.Nested(PaymentReply), required=True)
    refunds = fields.List(fields.Nested(RefundReply), required=True)
    enrolment_id = fields.Integer(required=True, allow_none=True)
    invoice = fields.Nested(InvoiceSummary, required=True, allow_none=True)


class OrderList(Reply):
    orders = fields.List(fields.Nested(OrderReply), required=True)


class QuoteLine(Reply):
    description = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price_fen = fields.Integer(required=True)
    amount_fen = fields.Integer(required=True)


class Offer(Reply):
    mode = fields.String(required=True)
    name = fields.String(required=True)
    available = fields.Boolean(required=True)
    combinable = fields.Boolean(required=True, metadata={
        "description": "may be ordered with the other combinable modes in one order (mode a+b)"})
    closes_on = fields.Date(required=True, allow_none=True, metadata={"description": "关闭时间: the last day it may be studied"})
    reason = fields.Nested(Reason, required=True, allow_none=True)
    total_fen = fields.Integer(required=True, allow_none=True)
    lines = fields.List(fields.Nested(QuoteLine), required=True)


class Offers(Reply):
    year = fields.Integer(required=True)
    offers = fields.List(fields.Nested(Offer), required=True)


class PaymentInstruction(Reply):
    kind = fields.String(required=True)
    url = fields.String(required=True, allow_none=True)
    qr_payload = fields.String(required=True, allow_none=True)
    #: ``kind`` ``jsapi``: the signed arguments of the mini-program's ``wx.requestPayment``.
    params = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class InstitutionChoice(Reply):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(allow_none=True)


class EnrolmentReply(Reply):
    id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    institution = fields.String(required=True, allow_none=True)
    level = fields.String(required=True, allow_none=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    enrolled_at = fields.String(required=True, allow_none=True)
    credits = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    order = fields.Nested(OrderReply, required=True, allow_none=True)


class Enrolments(Reply):
    year = fields.Integer(required=True)
    levels = fields.List(fields.String(), required=True)
    institutions = fields.List(fields.Nested(InstitutionChoice), required=True)
    enrolments = fields.List(fields.Nested(EnrolmentReply), required=True)


LEARNERS_ONLY = {403: ("learners_only",)}
ORDER_ERRORS = {**LEARNERS_ONLY, 422: ("free_region", "unknown_purchase_mode", "invalid_order", "mode_unavailable",
                                       "cart_not_sellable", "year_not_started", "year_closed",
                                       "modes_not_combinable", "order_pending")}
ENROLMENT_ERRORS = {**LEARNERS_ONLY, 404: ("enrolment_not_found",),
                    422: ("already_enrolled", "enrolment_cancelled", "enrolment_paid", "no_enrolment",
                          "not_cancellable", "unknown_institution", "unknown_level", "invalid_enrolment")}


def _learner():
    if current_user.role != "learner" or not current_user.region:
        return error("learners_only", "仅学员可以使用此功能。", 403)
    return None


def _invoice(invoice, order) -> dict:
    promised = invoices.delivery(invoice, order) if invoice.status == "requested" else None
    return {"status": invoice.status, "title": invoice.title, "due": promised.due.isoformat() if promised else None,
            "delivery": invoice.delivery}


def _order(order) -> dict:
    invoice = invoices.invoice_of(order)
    return {
        "number": order.number, "region": order.region, "year": order.year, "mode": order.mode,
        "total_fen": order.total_fen, "status": order.status, "locks_courses": order.locks_courses,
        "lines": [
            {"sku": l.sku, "description": l.description, "quantity": l.quantity,
             "unit_price_fen": l.unit_price_fen, "amount_fen": l.amount_fen} for l in order.lines
        ],
        "payments": [{"provider": p.provider, "amount_fen": p.amount_fen, "status": p.status}
                     for p in service.payments_of(order)],
        "refunds": [{"kind": r.kind, "amount_fen": r.amount_fen, "status": r.status} for r in refunds.refunds_of(order)],
        "enrolment_id": order.enrolment_id,
        "invoice": _invoice(invoice, order) if invoice else None,
    }


@bp.get("/offers")
@operation("当前学员某年度可用的购买方式与报价（year 缺省为当前年度）", Offers, errors=LEARNERS_ONLY)
@login_required
@query_args(YearQuery)
def offers():
    if (refused := _learner()) is not None:
        return refused
    year = request.args.get("year", type=int) or current_year(current_user.region)
    return jsonify(year=year, offers=[
        {
            "mode": o.mode.code, "name": o.mode.name, "available": o.quote is not None,
            "combinable": o.mode.combinable,
            "closes_on": o.mode.closes_on.isoformat() if o.mode.closes_on else None,
            "reason": {"code": o.reason.code, "message": o.reason.message} if o.reason else None,
            "total_fen": o.quote.total_fen if o.quote else None,
            "lines": [{"description": l.description, "quantity": l.quantity, "unit_price_fen": l.unit_price_fen,
                       "amount_fen": l.amount_fen} for l in (o.quote.lines if o.quote else ())],
        }
        for o in service.offers(current_user, year)
    ])


@bp.get("/orders")
@operation("当前学员的订单（含付款、退款与发票）", OrderList, errors=LEARNERS_ONLY)
@login_required
def order_list():
    if (refused := _learner()) is not None:
        return refused
    service.expire_due()
    db.session.commit()
    return jsonify(orders=[_order(o) for o in service.orders_of(current_user)])


@bp.post("/orders")
@operation("按购买方式为某年度的学习计划下单", OrderReply, status=201, errors=ORDER_ERRORS)
@login_required
@json_body(OrderBody)
def order_create(body: dict):
    if (refused := _learner()) is not None:
        return refused
    try:
        order = service.create_order(current_user, body["year"], body["mode"])
    except RuleError:
        db.session.rollback()
        raise
    return jsonify(_order(order)), 201


@bp.post("/orders/<number>/payments")
@operation("为订单发起付款，返回支付指引（跳转地址或二维码内容）", PaymentInstruction, status=201,
           errors={**LEARNERS_ONLY, 404: ("order_not_found",),
                   422: ("not_payable", "already_paid", "payment_busy", "provider_failed", "unknown_provider",
                         "provider_required", "no_provider", "invalid_choice")})
@login_required
@json_body(PaymentBody)
def order_pay(number: str, body: dict):
    if (refused := _learner()) is not None:
        return refused
    try:
        _payment, instruction = service.start_payment(
            current_user, number, body["provider"], client=body["client"] or "mobile",
            payer_ip=request.remote_addr or "", payer_openid=body["openid"] or "",
        )
    except RuleError:
        db.session.rollback()
        raise
    return jsonify(kind=instruction.kind, url=instruction.url, qr_payload=instruction.qr_payload,
                   params=dict(instruction.params)), 201


@bp.post("/orders/<number>/invoice")
@operation("为已支付的订单申请电子发票；delivery：email（邮箱）、sms（短信发送限时下载链接到登记的手机）或 both",
           OrderReply, status=201,
           errors={**LEARNERS_ONLY, 404: ("order_not_found",),
                   422: ("not_invoiceable", "nothing_to_invoice", "invoice_exists", "invoice_window_closed",
                         "title_required", "title_too_long", "tax_id_required", "tax_id_invalid", "kind_invalid",
                         "email_invalid", "delivery_invalid", "phone_missing", "card_invoice")})
@login_required
@json_body(InvoiceBody)
def order_invoice(number: str, body: dict):
    if (refused := _learner()) is not None:
        return refused
    try:
        invoices.request_invoice(current_user, number, kind=body["kind"], title=body["title"],
                                 tax_id=body["tax_id"], email=body["email"], delivery=body["delivery"])
    except RuleError:
        db.session.rollback()
        raise
    return jsonify(_order(service.order_for(current_user, number))), 201


# --- enrol, then pay (报名后缴费) -------------------------------------------------------------


def _enrolment(record) -> dict:
    e = record.enrolment
    return {
        "id": e.id, "year": e.year, "institution": record.institution, "level": e.level, "status": e.status,
        "status_label": record.status_label, "enrolled_at": record.enrolled_at,
        "credits": {"total": record.total_credits, **record.credits},
        "order": _order(record.order) if record.order is not None else None,
    }


@bp.get("/enrolments")
@operation("报名记录，以及某年度可报名的培训机构与等级（报名后缴费的地区）", Enrolments, errors=LEARNERS_ONLY)
@login_required
@query_args(YearQuery)
def enrolment_list():
    """The 报名记录 and, for ``year``, the institutions and levels to enrol at."""
    if (refused := _learner()) is not None:
        return refused
    year = request.args.get("year", type=int) or current_year(current_user.region)
    policy = enrolments.policy_for(current_user, year)
    return jsonify(
        year=year, levels=list(policy.levels),
        institutions=[{"id": i.id, "name": i.name, "level": i.level} for i in enrolments.institutions(current_user, year)],
        enrolments=[_enrolment(r) for r in enrolments.records(current_user)],
    )


def _record_of(enrolment_id: int) -> dict:
    return next(_enrolment(r) for r in enrolments.records(current_user) if r.enrolment.id == enrolment_id)


@bp.post("/enrolments")
@operation("报名：年度、培训机构、等级", EnrolmentReply, status=201, errors=ENROLMENT_ERRORS)
@login_required
@json_body(EnrolmentBody)
def enrolment_create(body: dict):
    if (refused := _learner()) is not None:
        return refused
    try:
        enrolment = enrolments.enrol(current_user, body["year"], body["institution_id"], body["level"])
    except RuleError:
        db.session.rollback()
        raise
    return jsonify(_record_of(enrolment.id)), 201


@bp.post("/enrolments/<int:enrolment_id>/cancel")
@operation("取消报名（未缴费时）", EnrolmentReply, errors=ENROLMENT_ERRORS)
@login_required
def enrolment_cancel(enrolment_id: int):
    if (refused := _learner()) is not None:
        return refused
    try:
        enrolments.cancel(current_user, enrolment_id)
    except RuleError:
        db.session.rollback()
        raise
    return jsonify(_record_of(enrolment_id))


@bp.post("/enrolments/<int:enrolment_id>/orders")
@operation("为报名下单缴费（购买方式）", OrderReply, status=201, errors={**ENROLMENT_ERRORS, **ORDER_ERRORS,
           422: ENROLMENT_ERRORS[422] + ORDER_ERRORS[422]})
@login_required
@json_body(ModeBody)
def enrolment_pay(enrolment_id: int, body: dict):
    """The enrolment's order in ``mode``: every line and the total, before any payment."""
    if (refused := _learner()) is not None:
        return refused
    try:
        order = enrolments.pay(current_user, enrolment_id, body["mode"])
    except RuleError:
        db.session.rollback()
        raise
    return jsonify(_order(order)), 201
