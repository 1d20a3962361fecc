"""Invoices delivered (e-mail, SMS) through the job queue (inline without a broker, by a Celery worker with one).

An invoice e-mail is an ``invoice_mail`` job, queued by :func:`.invoices.send_later`: a send the mail server refused or never answered
leaves the job ``failed`` with the reason, visible to the region's staff, and is retried with
a backoff by the periodic work (:func:`cpe_core.services.background.retry_due`).
"""
from __future__ import annotations

from ..extensions import db
from ..models import Invoice, Job, Order
from . import background, invoices
from .invoices import MAIL_JOB as KIND  # noqa: F401 (the kind this module runs)


def run_job(job_id: int) -> None:
    background.execute(job_id, _send_invoice)


def _send_invoice(job: Job, context: background.JobContext) -> str:
    invoice = db.session.get(Invoice, job.params["invoice_id"])
    order = db.session.get(Order, invoice.order_id) if invoice is not None else None
    if invoice is None or order is None:
        return "发票已不存在，无需发送。"
    context.set_total(1)
    if invoice.status != "sent":  # a retry after a send that did go through sends nothing
        failure = invoices.send(invoice, order)
        if failure is not None:
            raise background.RetryLater(failure)
    context.done = 1
    sent_to = [to for to, way in ((invoice.email, ("email", "both")), (f"手机尾号{(invoice.phone or '')[-4:]}", ("sms", "both")))
               if invoice.delivery in way]
    return f"已发送至{'、'.join(sent_to)}。"
