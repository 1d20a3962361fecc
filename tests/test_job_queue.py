"""The job queue with a real Celery worker and the Redis on loopback (without a broker, jobs run
inline: see test_reporting_pages)."""
from __future__ import annotations

import time
import uuid

import pytest

from cpe_core.extensions import db
from cpe_core.models import Job
from cpe_core.testing import login, require_or_skip

from credit_helpers import earn

REDIS_URL = "redis://127.0.0.1:6379/15"


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
