"""The job queue with a real Celery worker and the Redis on loopback (without a broker, jobs run
inline: see test_reporting_pages): every kind of job staff start runs to its end there.

``CPE_TEST_REDIS_URL`` chooses the Redis database (default db 15); each test has a queue of
its own, so parallel runs sharing it never take each other's jobs."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Certificate, Invoice, Job
from cpe_core.testing import login, require_or_skip

from credit_helpers import earn
from test_credit_push import REGION, YEAR, course, ready, receiver  # noqa: F401
from test_invoices import ask_invoice, gateway, guangdong_learner, paid_order, smtp_server  # noqa: F401

REDIS_URL = os.environ.get("CPE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_broker():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        require_or_skip("Redis on 127.0.0.1:6379 for the Celery worker test")
    return REDIS_URL


@pytest.fixture
def cpe_test_config(cpe_test_config, redis_broker, tmp_path):
    # A queue of our own, so parallel test runs sharing the Redis never take each other's jobs.
    return {
        **cpe_test_config,
        "CPE_CELERY_BROKER_URL": redis_broker,
        "CPE_CELERY_QUEUE": f"cpe-test-{uuid.uuid4().hex}",
        "CPE_EXPORT_DIR": str(tmp_path / "exports"),
    }


def job_state(job_id: int) -> Job:
    """The job's row as any process reads it (ending the read at once: SQLite locks)."""
    db.session.rollback()
    job = db.session.get(Job, job_id, populate_existing=True)
    db.session.rollback()
    return job


def run_a_worker_until_it_ended(celery, job_id: int, seconds: float = 30) -> Job:
    """Start a real worker (a thread, consuming from Redis) until job ``job_id`` has ended."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + seconds
        while job_state(job_id).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
    return job_state(job_id)


def job_id_of(response) -> int:
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def test_a_real_celery_worker_runs_the_export_started_from_the_admin_page(app, testapp, make_staff, make_learner):
    from celery.contrib.testing.worker import start_worker

    earn(make_learner("chaoyang", name="张丽华"), 2024, professional=60, public=30)
    staff = make_staff("chaoyang")
    login(testapp, "chaoyang", staff.login)
    celery = app.extensions["celery"]
    assert celery.conf.task_always_eager is False

    form = testapp.get("/chaoyang/admin/exports").forms["export"]
    form["year"], form["format"] = "2024", "csv"
    job_url = form.submit().location
    job_id = int(job_url.rstrip("/").rsplit("/", 1)[-1])
    queued = job_state(job_id)
    assert (queued.status, queued.attempts, queued.started_at) == ("queued", 0, None)  # nobody ran it yet
    assert testapp.get(job_url).html.select_one(".job-status").text == "排队中"

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 30
        while job_state(job_id).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)

    job = job_state(job_id)
    assert (job.status, job.done, job.total, job.attempts) == ("done", 1, 1, 1), job.error
    assert job.result == f"chaoyang-2024-{job_id}.csv" and job.created_by == staff.id
    assert job.started_at is not None and job.finished_at is not None
    download = testapp.get(job_url).click("下载文件")
    assert "张丽华" in download.body.decode("utf-8-sig")


def test_a_real_celery_worker_runs_the_certificate_batch(app, testapp, make_staff, make_learner):
    first = make_learner("chaoyang", name="王一")
    earn(first, 2024, professional=60, public=30, score=80)
    second = make_learner("chaoyang", name="王二")
    earn(second, 2024, professional=60, public=30, score=60)
    earn(make_learner("chaoyang", name="王三"), 2024, professional=60, public=30, score=40)  # failed the exam
    staff = make_staff("chaoyang")
    login(testapp, "chaoyang", staff.login)

    form = testapp.get("/chaoyang/admin/exports").forms["certificates"]
    form["batch-year"] = "2024"
    job_id = job_id_of(form.submit())
    queued = job_state(job_id)
    assert (queued.kind, queued.status, queued.attempts) == ("certificates", "queued", 0)
    assert db.session.scalar(select(Certificate.id)) is None  # nothing issued in the request
    db.session.rollback()

    job = run_a_worker_until_it_ended(app.extensions["celery"], job_id)

    assert (job.status, job.done, job.total, job.attempts) == ("done", 3, 3, 1), job.error
    assert job.message == "新颁发2份证书，已有证书0人，未达到条件1人。"
    assert job.created_by == staff.id and job.finished_at is not None
    holders = db.session.scalars(select(Certificate.user_id).order_by(Certificate.user_id)).all()
    assert holders == [first.id, second.id]
    page = testapp.get(f"/chaoyang/admin/exports/{job_id}")
    assert page.html.select_one(".job-status").text == "已完成"


def test_a_real_celery_worker_sends_the_invoice_email(app, testapp, paid_order, make_staff, smtp_server):
    app.config.update(CPE_SMTP_HOST="127.0.0.1", CPE_SMTP_PORT=smtp_server.port, CPE_MAIL_SENDER="invoices@example.org")
    ask_invoice(testapp, paid_order)
    testapp.reset()
    staff = make_staff("guangdong", "admin")
    login(testapp, "guangdong", staff.login)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()

    page = testapp.get("/guangdong/admin/invoices").forms[f"issue-{invoice_id}"].submit().follow()

    assert "发票已开具，邮件正在后台发送。" in page.text  # queued for the worker, not sent in the request
    job_id = db.session.scalar(select(Job.id).where(Job.kind == "invoice_mail"))
    queued = job_state(job_id)
    assert (queued.status, queued.attempts, queued.params) == ("queued", 0, {"invoice_id": invoice_id})
    assert smtp_server.messages == []

    job = run_a_worker_until_it_ended(app.extensions["celery"], job_id)

    assert (job.status, job.done, job.total, job.attempts) == ("done", 1, 1, 1), job.error
    assert job.message == "已发送至caiwu@example.org。" and job.created_by == staff.id
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["To"] == "caiwu@example.org"
    assert db.session.scalar(select(Invoice.status).where(Invoice.id == invoice_id)) == "sent"


def start_celery(command: list[str], settings: dict, env: dict, log: Path) -> subprocess.Popen:
    """``celery -A cpe_core.worker <command>`` in a process of its own, configured as a deployer
    would: ``cpe.cfg`` in its instance folder, and the environment."""
    instance = log.parent / "instance"
    instance.mkdir(exist_ok=True)
    (instance / "cpe.cfg").write_text("".join(f"{key} = {value!r}\n" for key, value in settings.items()))
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cpe_core.worker", *command],
        env={**os.environ, **env, "CPE_INSTANCE_PATH": str(instance)},
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()  # a warm shutdown: the worker finishes its task, beat saves its schedule
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def test_celery_beat_fires_the_push_retry_on_its_own_clock_and_a_worker_runs_it(
    app, cpe_test_config, receiver, ready, tmp_path
):
    from cpe_core.models import CreditPush
    from cpe_core.services import pushes

    ready()
    receiver.fail_next(3, status=503)
    pushes.push(REGION, YEAR)  # refused: failed, its retry due a minute later by the test's clock
    push = db.session.scalar(select(CreditPush))
    assert (push.status, len(receiver.records)) == ("failed", 0)
    db.session.rollback()
    settings = {
        "CPE_CELERY_QUEUE": cpe_test_config["CPE_CELERY_QUEUE"],
        "CPE_BEAT_RETRY_PUSHES_SECONDS": 1,  # beat's own clock: real seconds, not the test's
        "CPE_BEAT_REFRESH_STATUSES_SECONDS": 3600,
        "CPE_BEAT_RETRY_JOBS_SECONDS": 3600,
        "CPE_GUANGDONG_PUSH_URL": receiver.url,
        "CPE_GUANGDONG_PUSH_TOKEN": "s3cret",
        "CPE_PUSH_BACKOFF": 0,
        "SECRET_KEY": "test-secret",
    }
    env = {
        "CPE_DATABASE_URL": cpe_test_config["CPE_DATABASE_URL"],
        "CPE_CELERY_BROKER_URL": cpe_test_config["CPE_CELERY_BROKER_URL"],
        "CPE_PLUGINS": cpe_test_config["CPE_PLUGINS"],
        "CPE_ENV": "testing",
    }
    processes = [
        start_celery(["worker", "--pool", "solo", "--without-heartbeat", "--without-mingle", "--without-gossip",
                      "--loglevel", "INFO"], settings, env, tmp_path / "worker.log"),
        start_celery(["beat", "--max-interval", "1", "--schedule", str(tmp_path / "beat-schedule"),
                      "--loglevel", "INFO"], settings, env, tmp_path / "beat.log"),
    ]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not receiver.records:
            time.sleep(0.2)
        while time.monotonic() < deadline and push_status() != "returned":
            time.sleep(0.2)
    finally:
        for process in processes:
            stop(process)
    logs = "\n".join((tmp_path / name).read_text(errors="replace")[-3000:] for name in ("beat.log", "worker.log"))

    assert push_status() == "returned", logs
    assert list(receiver.records) == [pushes.idempotency_key(REGION, YEAR, push.user_id)]
    assert "Sending due task retry-due-pushes (cpe.periodic.retry_pushes)" in logs
    assert all(process.returncode is not None for process in processes)


def push_status() -> str | None:
    from cpe_core.models import CreditPush

    db.session.rollback()
    status = db.session.scalar(select(CreditPush.status))
    db.session.rollback()
    return status
