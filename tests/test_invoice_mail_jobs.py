"""Invoice e-mails go through the job queue: a send the mail server refuses is a visible failed
job, retried after a backoff by the periodic work, and a job run twice sends one e-mail. Real
SMTP (aiosmtpd) on loopback."""
from __future__ import annotations

from aiosmtpd.controller import Controller
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Invoice, Job
from cpe_core.services import mail_jobs
from cpe_core.testing import login

from test_invoices import (  # noqa: F401
    Mailbox, ask_invoice, cpe_test_config, free_port, gateway, guangdong_learner, paid_order, smtp_server,
)


def issue_as_staff(testapp, make_staff):
    testapp.reset()
    staff = make_staff("guangdong", "admin")
    login(testapp, "guangdong", staff.login)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    return testapp.get("/guangdong/admin/invoices").forms[f"issue-{invoice_id}"].submit().follow()


def the_job() -> Job:
    db.session.rollback()
    return db.session.scalar(select(Job).where(Job.kind == "invoice_mail"))


def test_the_invoice_email_is_a_job(app, testapp, paid_order, make_staff, smtp_server):
    ask_invoice(testapp, paid_order)

    page = issue_as_staff(testapp, make_staff)

    assert "发票已开具并发送到学员邮箱" in page.text
    job = the_job()
    assert (job.status, job.region, job.done, job.total, job.attempts) == ("done", "guangdong", 1, 1, 1)
    assert job.message == "已发送至caiwu@example.org。"
    assert len(smtp_server.messages) == 1


def test_a_failed_send_is_visible_and_retried_after_a_backoff(app, testapp, paid_order, make_staff, clock):
    ask_invoice(testapp, paid_order)
    port = free_port()
    app.config["CPE_SMTP_PORT"] = port  # nobody listens there yet

    page = issue_as_staff(testapp, make_staff)

    assert "发票已开具，但邮件发送失败" in page.text
    job = the_job()
    assert (job.status, job.attempts) == ("failed", 1) and job.next_try_at is not None
    listing = testapp.get("/guangdong/admin/exports")
    row = listing.html.select_one(".export-jobs tr.job-invoice_mail")
    assert "失败" in row.text and "将于" in row.text and job.error in row.select_one(".job-error code").text

    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        runner = app.test_cli_runner()
        early = runner.invoke(args=["jobs", "run-periodic"])
        assert "重新排队的任务：0个" in early.output and mailbox.messages == []
        clock.advance(minutes=6)
        later = runner.invoke(args=["jobs", "run-periodic"])
    finally:
        server.stop()

    assert "重新排队的任务：1个" in later.output, later.output
    assert len(mailbox.messages) == 1
    job = the_job()
    assert (job.status, job.attempts, job.error) == ("done", 2, None)
    assert db.session.scalar(select(Invoice.status)) == "sent"


def test_retries_stop_after_the_last_attempt(app, testapp, paid_order, make_staff, clock):
    ask_invoice(testapp, paid_order)
    app.config.update(CPE_SMTP_PORT=free_port(), CPE_JOB_MAX_ATTEMPTS=2)
    issue_as_staff(testapp, make_staff)

    clock.advance(minutes=6)
    app.test_cli_runner().invoke(args=["jobs", "run-periodic"])

    job = the_job()
    assert (job.status, job.attempts, job.next_try_at) == ("failed", 2, None)  # given up: staff see it


def test_a_mail_job_delivered_twice_sends_one_email(app, testapp, paid_order, make_staff, smtp_server):
    ask_invoice(testapp, paid_order)
    issue_as_staff(testapp, make_staff)
    job_id = the_job().id

    mail_jobs.run_job(job_id)  # the queue delivers the same task again

    assert len(smtp_server.messages) == 1
