"""E-mails sent through the job queue (inline without a broker, by a Celery worker with one).

An invoice e-mail is an ``invoice_mail`` job: a send the mail server refused or never answered
leaves the job ``failed`` with the reason, visible to the region's staff, and is retried with
a backoff by the periodic work (:func:`cpe_core.services.background.retry_due`).
"""
from __future__ import annotations

from ..extensions import db
from ..models import Invoice, Job, Order, User
from . import background

KIND = "invoice_mail"


def send_invoice_later(staff: User | None, invoice: Invoice, order: Order) -> Job:
    """Queue the invoice's e-mail; returns the job (already ended when no broker is set)."""
    job = background.create(KIND, region=order.region, params={"invoice_id": invoice.id}, actor=staff)
    db.session.commit()
    return background.submit(job)


def run_job(job_id: int) -> None:
    background.execute(job_id, _send_invoice)


def _send_invoice(job: Job, context: background.JobContext) -> str:
    from . import invoices

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
    return f"已发送至{invoice.email}。"
