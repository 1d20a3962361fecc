"""A running job holds a lease its worker renews; a job whose worker died (kill -9 during an
admin export) is taken over once the lease ran out, ``CPE_JOB_LEASE_SECONDS`` (120 s), not
after half an hour."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from cpe_core import create_app
from cpe_core.clock import SystemClock
from cpe_core.extensions import db
from cpe_core.models import Job
from cpe_core.services import background, export_jobs

from credit_helpers import admin, earn, export_dir  # noqa: F401  (fixtures)


def fresh_job(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    db.session.rollback()  # hold no read lock (SQLite) while others write
    return job


def orphaned_export(admin) -> int:
    """An export claimed by a worker that then died: ``running``, its lease taken now."""
    job = background.create("export", region="chaoyang", params={"year": 2024, "format": "csv"}, actor=admin)
    job.status, job.attempts = "running", 1
    db.session.commit()
    return job.id


def test_a_job_whose_worker_died_is_taken_over_when_its_two_minute_lease_ran_out(app, admin, make_learner, clock):
    earn(make_learner("chaoyang"), 2024, professional=10)
    job_id = orphaned_export(admin)

    clock.advance(seconds=119)
    assert background.retry_due() == 0
    export_jobs.run_job(job_id)  # a redelivery finds the lease still held
    assert fresh_job(job_id).status == "running"

    clock.advance(seconds=2)
    assert background.retry_due() == 1
    job = fresh_job(job_id)
    assert (job.status, job.attempts, job.done) == ("done", 2, 1)


def test_the_lease_lasts_what_the_setting_says(app, admin, make_learner, clock):
    app.config["CPE_JOB_LEASE_SECONDS"] = 30
    earn(make_learner("chaoyang"), 2024, professional=10)
    job_id = orphaned_export(admin)
    clock.advance(seconds=31)
    assert background.retry_due() == 1
    assert fresh_job(job_id).status == "done"


def test_a_slow_job_keeps_its_lease_while_its_worker_lives(app, admin, clock):
    """The worker renews the lease however long the body goes without progress, and only the
    attempt that holds the job writes to it."""
    app.config["CPE_JOB_RENEW_SECONDS"] = 0.02
    job = background.create("export", region="chaoyang", params={}, actor=admin)
    db.session.commit()
    job_id = job.id
    seen: dict[str, object] = {}

    def slow_body(job, context):
        clock.advance(minutes=10)  # ten minutes without a word of progress
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if fresh_job(job_id).updated_at == background._now():
                break
            time.sleep(0.02)
        seen["renewed"] = fresh_job(job_id).updated_at == background._now()
        # Another worker, handed the same job meanwhile, finds the lease held.
        background.execute(job_id, lambda *_: seen.setdefault("second_ran", True))
        return "完成"

    background.execute(job_id, slow_body)
    job = fresh_job(job_id)
    assert seen == {"renewed": True}
    assert (job.status, job.attempts, job.message) == ("done", 1, "完成")


def test_a_worker_whose_job_was_taken_over_writes_nothing_more(app, admin, clock):
    job = background.create("export", region="chaoyang", params={}, actor=admin, total=10)
    db.session.commit()
    job_id = job.id

    def overtaken(job, context):
        # This worker stalls past its lease (it did not die); another takes the job over.
        db.session.execute(sqlalchemy_update_attempts(job_id))
        db.session.commit()
        context.progress(10)
        return "迟到的结果"

    background.execute(job_id, overtaken)
    job = fresh_job(job_id)
    assert (job.status, job.attempts, job.done, job.message) == ("running", 2, 0, None)


def sqlalchemy_update_attempts(job_id: int):
    from sqlalchemy import update

    return update(Job).where(Job.id == job_id).values(attempts=Job.attempts + 1, done=0)


WORKER = textwrap.dedent("""
    import sys, time
    from cpe_core import create_app
    from cpe_core.services import background

    url, job_id = sys.argv[1], int(sys.argv[2])
    app = create_app({"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": url,
                      "CPE_PLUGINS": "chaoyang,guangdong,cicpa", "SECRET_KEY": "x",
                      "CPE_JOB_RENEW_SECONDS": 0.2})

    def body(job, context):
        context.set_total(1000)
        print("started", flush=True)
        while True:  # an export far from its end when the server is killed
            time.sleep(0.05)

    with app.app_context():
        background.execute(job_id, body)
""")


def test_a_job_whose_worker_was_killed_mid_run_is_taken_over_after_the_lease(
    app, cpe_test_config, admin, make_learner
):
    """A real worker process renews its lease, is killed with SIGKILL mid-job, and another
    process takes the job over as soon as the lease (here 2 s) ran out, and finishes it."""
    earn(make_learner("chaoyang"), 2024, professional=10)
    job = background.create("export", region="chaoyang", params={"year": 2024, "format": "csv"}, actor=admin)
    db.session.commit()
    job_id, url = job.id, cpe_test_config["CPE_DATABASE_URL"]
    db.session.remove()
    # The surviving process: the real clock and a 2-second lease.
    survivor = create_app({**cpe_test_config, "CPE_CLOCK": SystemClock(), "CPE_JOB_LEASE_SECONDS": 2,
                           "CPE_EXPORT_DIR": app.config["CPE_EXPORT_DIR"]})
    reader = create_engine(url, poolclass=NullPool)

    def row():
        with reader.connect() as connection:
            return connection.execute(select(Job.status, Job.attempts, Job.updated_at).where(Job.id == job_id)).one()

    worker = subprocess.Popen([sys.executable, "-c", WORKER, url, str(job_id)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        assert worker.stdout.readline().strip() == "started", worker.stderr.read()
        leased = row().updated_at
        deadline = time.monotonic() + 20
        while row().updated_at == leased and time.monotonic() < deadline:
            time.sleep(0.05)
        assert row().updated_at > leased  # renewed while it lives
        time.sleep(2.5)  # longer than the lease: a live worker's is still fresh
        with survivor.app_context():
            assert background.retry_due() == 0
        assert row().status == "running"

        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = time.monotonic()
        with survivor.app_context():
            while background.retry_due() == 0 and time.monotonic() - killed_at < 20:
                time.sleep(0.1)
            taken_after = time.monotonic() - killed_at
            db.session.remove()
        status, attempts, _ = row()
        assert (status, attempts) == ("done", 2)
        assert taken_after < 2 + 0.2 * 2 + 3  # the lease, a renewal's slack, and the machine's
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        reader.dispose()
        with survivor.app_context():
            db.engine.dispose()
