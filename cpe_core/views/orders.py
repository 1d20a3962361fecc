"""A learner's purchases: offers, orders, payment, cancellation (thin views over
:mod:`cpe_core.services.orders`), and the providers' notify URL."""
from __future__ import annotations

import segno
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import CpeForm
from wtforms import HiddenField, IntegerField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..extensions import csrf, db
from ..regions import RuleError, rules_for
from ..services import cards, enrolments, entitlement, handover, invoices, ratings, refunds
from ..services.identity import InvalidInput
from ..services.capabilities import require
from ..services import orders as service
from .binding import bind_region
from .study import RatingForm
from ..services.years import current_year, open_years

bp = Blueprint("orders", __name__, url_prefix="/<region>/orders")
bind_region(bp)
#: The texted invoice link (``/<region>/i/<token>``): opens the PDF without signing in.
link_bp = Blueprint("invoice_links", __name__, url_prefix="/<region>/i")
bind_region(link_bp)
notify_bp = Blueprint("payments", __name__, url_prefix="/payments")
csrf.exempt(notify_bp)  # providers sign their notifications; they cannot send our CSRF token


class OrderForm(CpeForm):
    mode = HiddenField(validators=[DataRequired(message=_l("请选择购买方式。"))])
    year = IntegerField(validators=[DataRequired(message=_l("请选择年度。"))])


class CombinedOrderForm(CpeForm):
    """The ticked ``modes`` are read from the request: how many there are is the region's."""

    year = IntegerField(validators=[DataRequired(message=_l("请选择年度。"))])


class PayForm(CpeForm):
    provider = RadioField(_l("支付方式"), validators=[DataRequired(message=_l("请选择支付方式。"))], choices=[])


class ActionForm(CpeForm):
    """A button that posts (cancel): CSRF only."""


def _learner_only():
    if current_user.region != g.region.code:
        flash(_("请使用本地区的学员账号登录。"), "error")
        return redirect(url_for("region.home"))
    return None


@bp.get("/new")
@login_required
def new():
    if (refusal := _learner_only()) is not None:
        return refusal
    year = request.args.get("year", type=int) or current_year(g.region.code)
    require(g.region.code, year, "sales")
    offers = service.offers(current_user, year)
    # 确认购买 of several types at once, when the region lets two or more priced modes combine.
    combined = [offer for offer in offers if offer.quote is not None and offer.mode.combinable]
    return render_template("orders/new.html", offers=offers, year=year, form=OrderForm(year=year),
                           combined=combined if len(combined) > 1 else [], combined_form=CombinedOrderForm(year=year),
                           format_fen=service.format_fen, years=open_years(g.region.code))


@bp.post("/")
@login_required
def create():
    if (refusal := _learner_only()) is not None:
        return refusal
    form = OrderForm()
    if not form.validate():
        flash(_("；").join(str(m) for errors in form.errors.values() for m in errors), "error")
        return redirect(url_for("orders.new"))
    try:
        order = service.create_order(current_user, form.year.data, form.mode.data)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("orders.new", year=form.year.data))
    return redirect(url_for("orders.show", number=order.number))


@bp.post("/combined")
@login_required
def create_combined():
    """确认购买: the ticked modes (学习类型) of one year in one order."""
    if (refusal := _learner_only()) is not None:
        return refusal
    form = CombinedOrderForm()
    year = form.year.data
    if not form.validate():
        flash(_("；").join(str(m) for errors in form.errors.values() for m in errors), "error")
        return redirect(url_for("orders.new", year=year))
    modes = [code for code in request.form.getlist("modes") if code][:10]
    if not modes:
        flash(_("请选择要购买的学习类型。"), "error")
        return redirect(url_for("orders.new", year=year))
    try:
        order = service.create_order(current_user, year, service.MODE_JOIN.join(modes))
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("orders.new", year=year))
    return redirect(url_for("orders.show", number=order.number))


@bp.get("/")
@login_required
def index():
    """Orders, payments, refunds and invoices in one place."""
    require(g.region.code, current_year(g.region.code), "sales")
    service.expire_due()
    db.session.commit()
    orders = service.orders_of(current_user)
    return render_template("orders/index.html", orders=orders, labels=service.STATUS_LABELS,
                           format_fen=service.format_fen, payments_of=service.payments_of,
                           payment_labels=service.PAYMENT_LABELS, provider_name=service.provider_name,
                           refunds_of=refunds.refunds_of, refund_labels=refunds.STATUS_LABELS,
                           refund_kinds=refunds.KIND_LABELS, invoice_of=invoices.invoice_of, invoice_labels=invoices.STATUS_LABELS)


def _pay_form(order):
    form = PayForm()
    providers = service.providers_for(order.region)
    form.provider.choices = [SelectChoice(p.code, p.name) for p in providers]
    if providers and not form.is_submitted():
        # The first (often the only) provider is chosen already: a radio group with nothing
        # checked would make 去支付 fail the browser's "required" check without a word.
        form.provider.data = providers[0].code
    return form


@bp.get("/<number>")
@login_required
def show(number: str):
    try:
        order = service.order_for(current_user, number)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("orders.index"))
    invoice = invoices.invoice_of(order)
    return render_template(
        "orders/show.html", order=order, pay_form=_pay_form(order), action_form=ActionForm(),
        payments=service.payments_of(order), labels=service.STATUS_LABELS, format_fen=service.format_fen,
        opened=entitlement.opened_by(order), card_form=CardForm(), refund_form=RefundForm(), refunds=refunds.refunds_of(order),
        refund_labels=refunds.STATUS_LABELS, refund_kinds=refunds.KIND_LABELS, invoice=invoice,
        payment_labels=service.PAYMENT_LABELS, provider_name=service.provider_name, invoice_form=InvoiceForm(),
        invoice_labels=invoices.STATUS_LABELS, invoice_link_hours=invoices.link_hours(), paid_by_card=order.status == "paid" and invoices.paid_by_card(order),
        invoice_delivery=invoices.delivery(invoice, order) if invoice is not None else None,
        invoice_scan_url=url_for("invoice_scan.scan", token=invoices.scan_token(invoice), _external=True)
        if invoice is not None and invoice.status != "requested" else None,
        invoice_deadline=invoices.deadline(order) if order.status == "paid" and order.paid_at else None,
    )


@bp.post("/<number>/pay")
@login_required
def pay(number: str):
    order = service.order_for(current_user, number)
    form = _pay_form(order)
    if not form.validate():
        flash(_("请选择支付方式。"), "error")
        return redirect(url_for("orders.show", number=number))
    try:
        _payment, instruction = service.start_payment(
            current_user, number, form.provider.data, client=_client(), payer_ip=request.remote_addr or "",
        )
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("orders.show", number=number))
    if instruction.kind == "redirect":
        return redirect(instruction.url)
    qr_image = segno.make(instruction.qr_payload, error="m").svg_data_uri(scale=6) if instruction.qr_payload else ""
    return render_template("orders/scan.html", order=order, instruction=instruction, format_fen=service.format_fen,
                           qr_image=qr_image)


#: User-Agent words of a phone's browser: it is sent to the provider's phone page (WeChat Pay
#: H5, Alipay WAP) rather than shown a QR code it cannot scan itself.
PHONE_AGENTS = ("Mobile", "Android", "iPhone", "iPad")


def _client() -> str:
    agent = request.headers.get("User-Agent", "")
    return "mobile" if any(word in agent for word in PHONE_AGENTS) else "desktop"


@bp.get("/<number>/return")
@login_required
def payment_return(number: str):
    try:
        order = service.check_payment(current_user, number)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("orders.index"))
    if order.status == "paid":
        flash(_("支付成功，课程已开通。"), "success")
    else:
        flash(_("尚未收到支付结果，请稍后刷新；如已扣款，系统会在收到支付平台通知后自动开通。"), "info")
    return redirect(url_for("orders.show", number=number))


@bp.post("/<number>/cancel")
@login_required
def cancel(number: str):
    if not ActionForm().validate():
        flash(_("页面已过期，请重试。"), "error")
        return redirect(url_for("orders.show", number=number))
    try:
        service.cancel_order(current_user, number)
        flash(_("订单已取消。"), "success")
    except RuleError as error:
        flash(error.message, "error")
    return redirect(url_for("orders.show", number=number))


@notify_bp.post("/notify/<provider>")
def notify(provider: str):
    """The providers' asynchronous notifications (server to server)."""
    outcome = service.handle_notification(provider, request.headers, request.get_data())
    return outcome.body, (200 if outcome.accepted else 400), {"Content-Type": "text/plain; charset=utf-8"}


class CardForm(CpeForm):
    number = StringField(_l("学习卡卡号"), validators=[DataRequired(message=_l("请输入学习卡卡号。")), Length(max=32)])
    secret = PasswordField(_l("学习卡密码"), validators=[DataRequired(message=_l("请输入学习卡密码。")), Length(max=32)])


class RefundForm(CpeForm):
    reason = TextAreaField(_l("退款原因"), validators=[DataRequired(message=_l("请填写退款原因。"))])


def _form_errors(form) -> str:
    return _("；").join(str(m) for errors in form.errors.values() for m in errors)


@bp.post("/<number>/card")
@login_required
def pay_with_card(number: str):
    form = CardForm()
    if not form.validate():
        flash(_form_errors(form), "error")
        return redirect(url_for("orders.show", number=number))
    try:
        cards.activate(current_user, number, form.number.data, form.secret.data)
        flash(_("学习卡使用成功，课程已开通。"), "success")
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("orders.show", number=number))


@bp.post("/<number>/refund")
@login_required
def request_refund(number: str):
    form = RefundForm()
    try:
        refunds.request_refund(current_user, number, form.reason.data if form.validate() else "")
        flash(_("退款申请已提交，请等待审核。"), "success")
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("orders.show", number=number))


class InvoiceForm(CpeForm):
    kind = RadioField(_l("发票类型"), choices=[SelectChoice("personal", _l("个人")), SelectChoice("company", _l("单位"))], default="personal",
                      validators=[DataRequired(message=_l("请选择发票类型。"))])
    title = StringField(_l("发票抬头"), validators=[Length(max=200)])
    tax_id = StringField(_l("统一社会信用代码"), validators=[Length(max=30)])
    email = StringField(_l("电子邮箱"), validators=[Length(max=255)])
    delivery = RadioField(_l("发送方式"), choices=[SelectChoice(code, _l(label)) for code, label in invoices.DELIVERY_LABELS.items()],
                          default="email", validators=[DataRequired(message=_l("请选择发票的发送方式。"))])


@bp.post("/<number>/invoice")
@login_required
def request_invoice(number: str):
    form = InvoiceForm()
    try:
        if not form.validate():
            raise RuleError("invalid_form", _form_errors(form))
        invoice = invoices.request_invoice(current_user, number, kind=form.kind.data, title=form.title.data,
                                           tax_id=form.tax_id.data, email=form.email.data, delivery=form.delivery.data)
        if invoice.delivery == "email":
            flash(_("发票申请已提交，开具后将发送到您的邮箱。"), "success")
        elif invoice.delivery == "sms":
            flash(_("发票申请已提交，开具后将以短信发送下载链接到您的手机。"), "success")
        else:
            flash(_("发票申请已提交，开具后将发送到您的邮箱，并以短信发送下载链接到您的手机。"), "success")
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("orders.show", number=number))


@bp.get("/<number>/invoice.pdf")
@login_required
def invoice_pdf(number: str):
    order = service.order_for(current_user, number)
    invoice = invoices.invoice_of(order)
    if invoice is None or invoice.status == "requested":
        abort(404)
    return Response(invoices.pdf(invoice, order), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=invoice-{invoice.number}.pdf"})


@bp.get("/<number>/invoice-qr.png")
@login_required
def invoice_qr(number: str):
    """扫码获取电子发票: the QR code of the issued invoice's scan link."""
    order = service.order_for(current_user, number)
    invoice = invoices.invoice_of(order)
    if invoice is None or invoice.status == "requested":
        abort(404)
    url = url_for("invoice_scan.scan", token=invoices.scan_token(invoice), _external=True)
    response = Response(invoices.scan_qr_png(url), mimetype="image/png")
    response.cache_control.private = True
    return response


#: The scan link's page, opened by a phone that is not signed in: the token is the key.
scan_bp = Blueprint("invoice_scan", __name__, url_prefix="/<region>/invoices/scan")
bind_region(scan_bp)


@scan_bp.get("/<token>")
def scan(token: str):
    try:
        invoice, order = invoices.by_scan_token(g.region.code, token)
    except RuleError as error:
        return render_template("error.html", title=_("发票不存在"), message=error.message), 404
    response = Response(invoices.pdf(invoice, order), mimetype="application/pdf",
                        headers={"Content-Disposition": f"inline; filename=invoice-{invoice.number}.pdf"})
    response.cache_control.private = True
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@link_bp.get("/<token>")
def invoice_by_link(token: str):
    """The PDF the texted link names, for anyone holding the link while it lasts."""
    try:
        invoice, order = invoices.by_link(g.region.code, token)
    except RuleError as refused:
        if refused.code == "invoice_link_expired":
            return render_template("error.html", title=_("链接已过期"), message=refused.message), 410
        abort(404)
    return Response(invoices.pdf(invoice, order), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=invoice-{invoice.number}.pdf",
                             "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})


# --- enrol, then pay (报名后缴费) -------------------------------------------------------------

enrol_bp = Blueprint("enrolments", __name__, url_prefix="/<region>/enrolments")
bind_region(enrol_bp)


class EnrolForm(CpeForm):
    year = IntegerField(validators=[DataRequired(message=_l("请选择年度。"))])
    level = StringField(_l("报名等级"), validators=[Length(max=32)])
    institution_id = IntegerField(_l("培训机构"), validators=[DataRequired(message=_l("请选择培训机构。"))])


@enrol_bp.get("/")
@login_required
def enrolment_index():
    """Choose year, level and institution; the 报名记录 with pay, cancel and refund."""
    if (refusal := _learner_only()) is not None:
        return refusal
    year = request.args.get("year", type=int) or current_year(g.region.code)
    try:
        policy = enrolments.policy_for(current_user, year)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("orders.new", year=year))
    offers = {o.mode.code: o for o in service.offers(current_user, year)}
    records = enrolments.records(current_user)
    # 去评价: the institution of each live enrolment, where the region lets learners rate it.
    rateable = {r.enrolment.id: ratings.mine(current_user, "institution", r.enrolment.institution_id, r.enrolment.year)
                for r in records if r.enrolment.status != "cancelled" and r.enrolment.institution_id is not None
                and "institution" in rules_for(g.region.code).rating_policy(r.enrolment.year).targets}
    return render_template(
        "orders/enrolments.html", year=year, policy=policy, form=EnrolForm(year=year), action_form=ActionForm(),
        institutions=enrolments.institutions(current_user, year), records=records,
        modes=list(offers.values()), labels=service.STATUS_LABELS, format_fen=service.format_fen,
        rateable=rateable, rating_form=RatingForm(),
        rated={school.id: summary for school, summary in ratings.institutions_rated(g.region.code)},
    )


@enrol_bp.post("/<int:enrolment_id>/rating")
@login_required
def enrolment_rate(enrolment_id: int):
    """去评价: the learner's stars and comment on the institution of their enrolment."""
    if (refusal := _learner_only()) is not None:
        return refusal
    enrolment = enrolments.enrolment_of(current_user, enrolment_id)
    form = RatingForm()
    if not form.validate():
        flash(_("；").join(str(m) for errors in form.errors.values() for m in errors), "error")
    else:
        try:
            ratings.rate(current_user, "institution", enrolment.institution_id, form.stars.data,
                         form.comment.data or "", enrolment.year)
        except (RuleError, InvalidInput) as refused:
            db.session.rollback()
            flash(refused.message, "error")
        else:
            flash(_("评价已保存。"), "success")
    return redirect(url_for("enrolments.enrolment_index", year=enrolment.year))


@enrol_bp.post("/")
@login_required
def enrolment_create():
    if (refusal := _learner_only()) is not None:
        return refusal
    form = EnrolForm()
    year = form.year.data or current_year(g.region.code)
    if not form.validate():
        flash(_form_errors(form), "error")
        return redirect(url_for("enrolments.enrolment_index", year=year))
    try:
        enrolments.enrol(current_user, year, form.institution_id.data, form.level.data or None)
        flash(_("报名成功，请缴费后开始学习。"), "success")
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("enrolments.enrolment_index", year=year))


@enrol_bp.post("/<int:enrolment_id>/cancel")
@login_required
def enrolment_cancel(enrolment_id: int):
    if (refusal := _learner_only()) is not None:
        return refusal
    if not ActionForm().validate():
        flash(_("页面已过期，请重试。"), "error")
        return redirect(url_for("enrolments.enrolment_index"))
    try:
        enrolment = enrolments.cancel(current_user, enrolment_id)
        flash(_("已取消报名，可以重新选择培训机构。"), "success")
        return redirect(url_for("enrolments.enrolment_index", year=enrolment.year))
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("enrolments.enrolment_index"))


@enrol_bp.post("/<int:enrolment_id>/pay")
@login_required
def enrolment_pay(enrolment_id: int):
    """缴费: the enrolment's order, then its page, where every line is shown before paying."""
    if (refusal := _learner_only()) is not None:
        return refusal
    form = OrderForm()
    if not form.validate():
        flash(_form_errors(form), "error")
        return redirect(url_for("enrolments.enrolment_index"))
    try:
        order = enrolments.pay(current_user, enrolment_id, form.mode.data)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("enrolments.enrolment_index", year=form.year.data))
    return redirect(url_for("orders.show", number=order.number))


@enrol_bp.post("/<int:enrolment_id>/enter")
@login_required
def enrolment_enter(enrolment_id: int):
    """进入网校 for an institution this deployment serves: sign in there through a hand-over."""
    if (refusal := _learner_only()) is not None:
        return refusal
    if not ActionForm().validate():
        flash(_("页面已过期，请重试。"), "error")
        return redirect(url_for("enrolments.enrolment_index"))
    try:
        target, token = handover.issue(current_user, enrolment_id)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("enrolments.enrolment_index"))
    return redirect(url_for("region.handover", region=target, token=token))
