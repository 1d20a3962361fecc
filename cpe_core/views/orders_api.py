"""``/api/v1`` endpoints for buying: offers, orders (with payments, refunds and invoice) and
starting a payment. The same services as the site; writes take JSON bodies only."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from ..extensions import db
from ..regions import RuleError, rules_for
from ..services import enrolments, invoices, refunds
from ..services import orders as service
from ..services.input_rules import Body, Integer, Text, Year
from .api import bp, error, json_body
from ..services.years import current_year

ORDER_REFUSAL = {"code": "invalid_order", "message": "请提供年度（整数）和购买方式。"}
ENROLMENT_REFUSAL = {"code": "invalid_enrolment", "message": "请提供年度（整数）和培训机构编号（整数）。"}


class OrderBody(Body):
    year = Year(required=True, **ORDER_REFUSAL)
    mode = Text(required=True, max_length=32, label="购买方式", **ORDER_REFUSAL)


class PaymentBody(Body):
    provider = Text(required=True, max_length=32, label="支付方式", code="provider_required", message="请选择支付方式。")


class EnrolmentBody(Body):
    year = Year(required=True, **ENROLMENT_REFUSAL)
    institution_id = Integer(required=True, label="培训机构", **ENROLMENT_REFUSAL)
    level = Text(load_default=None, max_length=32, label="报名等级", code="invalid_enrolment",
                 message="报名等级应为文字。")


class ModeBody(Body):
    mode = Text(required=True, max_length=32, label="购买方式", code="invalid_order", message="请选择购买方式。")


def _learner():
    if current_user.role != "learner" or not current_user.region:
        return error("learners_only", "仅学员可以使用此功能。", 403)
    return None


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
        "invoice": {"status": invoice.status, "title": invoice.title} if invoice else None,
    }


@bp.get("/offers")
@login_required
def offers():
    if (refused := _learner()) is not None:
        return refused
    year = request.args.get("year", type=int) or current_year(current_user.region)
    return jsonify(year=year, offers=[
        {
            "mode": o.mode.code, "name": o.mode.name, "available": o.quote is not None,
            "reason": {"code": o.reason.code, "message": o.reason.message} if o.reason else None,
            "total_fen": o.quote.total_fen if o.quote else None,
            "lines": [{"description": l.description, "quantity": l.quantity, "unit_price_fen": l.unit_price_fen,
                       "amount_fen": l.amount_fen} for l in (o.quote.lines if o.quote else ())],
        }
        for o in service.offers(current_user, year)
    ])


@bp.get("/orders")
@login_required
def order_list():
    if (refused := _learner()) is not None:
        return refused
    service.expire_due()
    db.session.commit()
    return jsonify(orders=[_order(o) for o in service.orders_of(current_user)])


@bp.post("/orders")
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
@login_required
@json_body(PaymentBody)
def order_pay(number: str, body: dict):
    if (refused := _learner()) is not None:
        return refused
    try:
        _payment, instruction = service.start_payment(current_user, number, body["provider"])
    except RuleError:
        db.session.rollback()
        raise
    return jsonify(kind=instruction.kind, url=instruction.url, qr_payload=instruction.qr_payload), 201


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
@login_required
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
