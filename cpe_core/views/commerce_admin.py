"""Staff pages for money: study-card batches, refunds, invoices. Each is limited to the region
in the URL (``admin_required``) and each action is written to the audit log by its service."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import CpeForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..auth import admin_required
from ..extensions import db
from ..regions import RuleError
from ..services import cards, invoices, reconciliation, refunds
from ..services.money import format_fen
from .binding import bind_region
from ..services.years import current_year

bp = Blueprint("commerce_admin", __name__, url_prefix="/<region>/admin")
bind_region(bp)


class BatchForm(CpeForm):
    year = IntegerField(_l("年度"), validators=[DataRequired(message=_l("请填写年度。")), NumberRange(2000, 2100, message=_l("年度无效。"))])
    count = IntegerField(_l("张数"), validators=[InputRequired(message=_l("请填写张数。")),
                                           NumberRange(1, cards.MAX_BATCH, message=_l("每批可生成1至%(max)s张学习卡。", max=cards.MAX_BATCH))])


class VoidForm(CpeForm):
    number = StringField(_l("卡号"), validators=[DataRequired(message=_l("请输入卡号。")), Length(max=32)])


class ActionForm(CpeForm):
    pass


def _pager(endpoint: str, page) -> dict:
    """The links of ``_pager.html``: the next page after the last row shown, and back to the first."""
    return {"next_url": url_for(endpoint, before=page.next_key) if page.next_key is not None else None,
            "first_url": url_for(endpoint) if request.args.get("before") else None}


def _errors(form) -> str:
    return _("；").join(str(m) for errors in form.errors.values() for m in errors)


@bp.get("/cards")
@admin_required
def card_batches():
    page = cards.batches(g.region.code, before=request.args.get("before") or None)
    return render_template("commerce_admin/cards.html", batches=page.items, **_pager("commerce_admin.card_batches", page),
                           form=BatchForm(year=current_year(g.region.code)), void_form=VoidForm())


@bp.post("/cards")
@admin_required
def generate_cards():
    form = BatchForm()
    if not form.validate():
        flash(_errors(form), "error")
        return redirect(url_for("commerce_admin.card_batches"))
    try:
        batch, issued = cards.generate_batch(current_user, g.region.code, form.year.data, form.count.data)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("commerce_admin.card_batches"))
    # The only time the secrets are shown: the page is not cached and not stored.
    response = Response(render_template("commerce_admin/issued.html", batch=batch, issued=issued, year=form.year.data))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cards/<batch>.csv")
@admin_required
def export_cards(batch: str):
    try:
        text = cards.export_csv(g.region.code, batch)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("commerce_admin.card_batches"))
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=study-cards-{batch}.csv"})


@bp.post("/cards/void")
@admin_required
def void_card():
    form = VoidForm()
    if not form.validate():
        flash(_errors(form), "error")
    else:
        try:
            cards.void(current_user, g.region.code, form.number.data)
            flash(_("学习卡已作废。"), "success")
        except RuleError as error:
            flash(error.message, "error")
    return redirect(url_for("commerce_admin.card_batches"))


@bp.get("/refunds")
@admin_required
def refund_list():
    page = refunds.pending(g.region.code, before=request.args.get("before", type=int))
    return render_template("commerce_admin/refunds.html", rows=page.items, **_pager("commerce_admin.refund_list", page),
                           labels=refunds.STATUS_LABELS, format_fen=format_fen, form=ActionForm())


@bp.post("/refunds/<int:refund_id>/<any(approve, reject):decision>")
@admin_required
def decide_refund(refund_id: int, decision: str):
    if not ActionForm().validate():
        flash(_("页面已过期，请重试。"), "error")
        return redirect(url_for("commerce_admin.refund_list"))
    try:
        if decision == "approve":
            refunds.approve(current_user, g.region.code, refund_id)
            flash(_("已退款，学员的报名已解除。"), "success")
        else:
            refunds.reject(current_user, g.region.code, refund_id)
            flash(_("已驳回退款申请。"), "success")
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("commerce_admin.refund_list"))


@bp.get("/reconciliation")
@admin_required
def reconciliation_list():
    """对账: each provider's bill of the recent days against our payments, this region's part."""
    return render_template("commerce_admin/reconciliation.html", runs=reconciliation.for_region(g.region.code),
                           problems=reconciliation.PROBLEM_LABELS, statuses=reconciliation.RUN_LABELS,
                           format_fen=format_fen)


@bp.get("/invoices")
@admin_required
def invoice_list():
    page = invoices.listing(g.region.code, before=request.args.get("before", type=int))
    return render_template("commerce_admin/invoices.html", rows=page.items, **_pager("commerce_admin.invoice_list", page),
                           labels=invoices.STATUS_LABELS, format_fen=format_fen, form=ActionForm())


@bp.post("/invoices/<int:invoice_id>/issue")
@admin_required
def issue_invoice(invoice_id: int):
    if not ActionForm().validate():
        flash(_("页面已过期，请重试。"), "error")
        return redirect(url_for("commerce_admin.invoice_list"))
    try:
        invoice, failure = invoices.issue(current_user, g.region.code, invoice_id)
        by_email = invoice.delivery == "email"
        if failure:
            if by_email:
                flash(_("发票已开具，但邮件发送失败：%(failure)s", failure=failure), "error")
            else:
                flash(_("发票已开具，但发送失败：%(failure)s", failure=failure), "error")
        elif invoice.status != "sent":  # a worker sends it (CPE_CELERY_BROKER_URL is set)
            flash(_("发票已开具，邮件正在后台发送。") if by_email else _("发票已开具，正在后台发送。"), "success")
        elif by_email:
            flash(_("发票已开具并发送到学员邮箱。"), "success")
        elif invoice.delivery == "sms":
            flash(_("发票已开具，下载链接已通过短信发送给学员。"), "success")
        else:
            flash(_("发票已开具并发送到学员邮箱，下载链接已通过短信发送给学员。"), "success")
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("commerce_admin.invoice_list"))
