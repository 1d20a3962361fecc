"""Background jobs whose state lives in the ``job`` table.

A job is created (``queued``) and audited by the service that offers it, then handed to the
queue (:mod:`cpe_core.jobs`: inline without a broker, Celery with one). Whoever runs it first
*claims* it with one conditional UPDATE (``queued`` -> ``running``), so two workers that both
receive it (Celery redelivers a job whose worker died) never run it twice. The claim is a
lease: while the job runs, a thread of its worker renews it (``updated_at``) every
``CPE_JOB_RENEW_SECONDS`` (default 30), however slowly the job itself moves; a ``running`` job
whose lease is older than ``CPE_JOB_LEASE_SECONDS`` (default 120) was orphaned by a dead
worker (kill -9, a lost host) and may be claimed again. The claim counts the attempt, and a
worker writes to its job only while the attempt is still its own, so a worker thought dead
that wakes up cannot overwrite its successor's state. Progress, result and error are written to
the row as the job goes, so every web process and every worker, on any host, reads the same
state.

A job body may raise :class:`RetryLater` (e.g. the mail server is down): the job is then
``failed`` with the reason, and :func:`retry_due` (run by the periodic task, or ``cpe jobs
run-periodic`` from cron) queues it again after a backoff, up to ``CPE_JOB_MAX_ATTEMPTS``
(default 5) tries.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from flask import current_app
from sqlalchemy import and_, inspect, or_, select, update

from .. import clock
from ..extensions import db
from ..jobs import enqueue
from ..labels import N_
from ..models import Job, User
from ..regions import RuleError

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUS_LABELS = {QUEUED: N_("排队中"), RUNNING: N_("进行中"), DONE: N_("已完成"), FAILED: N_("失败")}
KIND_LABELS = {"export": N_("学分导出"), "certificates": N_("批量颁发证书"), "invoice_mail": N_("发票邮件")}
#: job kind -> the queue's task that runs it (see ``cpe_core.jobs.TASKS``)
TASK_OF = {"export": "cpe.export", "certificates": "cpe.certificates.batch", "invoice_mail": "cpe.mail.invoice"}


class RetryLater(Exception):
    """Raised by a job body for a failure worth trying again later (a server was down)."""


def _now() -> dt.datetime:
    return clock.to_utc_naive(clock.now())


def create(kind: str, *, region: str | None, params: dict, actor: User | None, total: int = 0) -> Job:
    """Add a queued job to the session (the caller audits, commits, then :func:`submit`\\ s)."""
    now = _now()
    job = Job(
        kind=kind, region=region, params=params, status=QUEUED, done=0, total=total, attempts=0,
        created_by=actor.id if actor is not None else None, created_at=now, updated_at=now,
    )
    db.session.add(job)
    db.session.flush()
    return job


def submit(job: Job) -> Job:
    """Queue the committed ``job`` (without a broker it runs now); returns it, reloaded."""
    job_id, kind = inspect(job).identity[0], job.kind
    # End this session's transaction first: an inline run uses a session of its own, and on
    # SQLite it could not commit while this one still holds a read lock.
    db.session.commit()
    enqueue(TASK_OF[kind], job_id=job_id)
    return db.session.get(Job, job_id, populate_existing=True)


def get(job_id: int, *, region: str | None = None, kind: str | None = None) -> Job | None:
    job = db.session.get(Job, job_id)
    if job is None or (region is not None and job.region != region) or (kind is not None and job.kind != kind):
        return None
    return job


def jobs_of(region: str, limit: int = 20) -> list[Job]:
    """The region's latest jobs, newest first."""
    return list(db.session.scalars(select(Job).where(Job.region == region).order_by(Job.id.desc()).limit(limit)))


def status_label(job: Job) -> str:
    return STATUS_LABELS.get(job.status, job.status)


def as_json(job: Job) -> dict:
    """What the API and the page's JSON answer say about a job."""
    return {
        "id": job.id,
        "kind": job.kind,
        "region": job.region,
        "params": job.params,
        "status": job.status,
        "status_label": status_label(job),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "error": job.error,
        "attempts": job.attempts,
        "created_by": job.creator.login if job.creator is not None else None,
        "created_at": clock.from_utc_naive(job.created_at).isoformat() if job.created_at else None,
        "finished_at": clock.from_utc_naive(job.finished_at).isoformat() if job.finished_at else None,
    }


# --- running --------------------------------------------------------------------------------


def lease_seconds() -> float:
    """How long a running job's lease lasts without renewal (``CPE_JOB_LEASE_SECONDS``)."""
    return float(current_app.config.get("CPE_JOB_LEASE_SECONDS", 120))


def _lease_expired_before() -> dt.datetime:
    return _now() - dt.timedelta(seconds=lease_seconds())


class _LeaseKeeper:
    """Renews a running job's lease from a thread of its own until stopped.

    Its own connection (the engine's, not the job body's session), so a renewal never waits for
    the body to commit; a renewal that fails (the database was away a moment) is tried again at
    the next tick, and the lease covers several ticks.
    """

    def __init__(self, job_id: int, attempt: int) -> None:
        self.job_id, self.attempt = job_id, attempt
        self._engine = db.engine
        self._clock = current_app.extensions["cpe_clock"]
        self._logger = current_app.logger
        self._every = float(current_app.config.get("CPE_JOB_RENEW_SECONDS", 30))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"cpe-job-{job_id}-lease", daemon=True)

    def __enter__(self) -> _LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def renew(self) -> bool:
        """Move the lease to now; False when the job is no longer this attempt's."""
        now = clock.to_utc_naive(self._clock.now())
        with self._engine.begin() as connection:
            renewed = connection.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.status == RUNNING, Job.attempts == self.attempt)
                .values(updated_at=now)
            )
        return renewed.rowcount == 1

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                if not self.renew():
                    return  # taken over, or ended: nothing left to keep
            except Exception:  # noqa: BLE001 - the next tick tries again
                self._logger.warning("job %s: renewing its lease failed", self.job_id, exc_info=True)


class JobContext:
    """Handed to a job body: set the total, report progress, name the result."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.id
        self.attempt = job.attempts
        self.total = job.total or 0
        self.done = 0
        self.result: str | None = None
        self._written = 0

    def _write(self, **values) -> None:
        # Only while the job is still this attempt's: a worker whose lease another one took
        # over must not overwrite that worker's progress or result.
        db.session.execute(
            update(Job).where(Job.id == self.job_id, Job.attempts == self.attempt)
            .values(updated_at=_now(), **values)
        )
        db.session.commit()

    def set_total(self, total: int) -> None:
        self.total = total
        self._write(total=total)

    def progress(self, done: int) -> None:
        """Record ``done`` items; written about every 1% so a big job does not write per row."""
        self.done = done
        step = max(1, self.total // 100)
        if done - self._written >= step or done >= self.total:
            self._written = done
            self._write(done=done)


def _claim(job_id: int) -> bool:
    now = _now()
    stale = _lease_expired_before()
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(Job.status == QUEUED, and_(Job.status == RUNNING, Job.updated_at < stale)),
        )
        .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now, updated_at=now,
                finished_at=None, error=None, next_try_at=None, done=0)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _backoff(attempts: int) -> dt.timedelta:
    base = float(current_app.config.get("CPE_JOB_RETRY_MINUTES", 5))
    return dt.timedelta(minutes=min(base * 2 ** max(attempts - 1, 0), 24 * 60))


def execute(job_id: int, body: Callable[[Job, JobContext], str | None]) -> None:
    """Claim job ``job_id`` and run ``body(job, context)``; record how it ended. ``body``
    returns the summary staff see; :class:`RuleError` fails the job with its message,
    :class:`RetryLater` fails it for a later retry, anything else fails it with the error."""
    if not _claim(job_id):
        return  # another worker has it, or it already ended
    job = db.session.get(Job, job_id)
    context = JobContext(job)
    with _LeaseKeeper(job_id, job.attempts):
        _run_body(job, context, body)


def _run_body(job: Job, context: JobContext, body: Callable[[Job, JobContext], str | None]) -> None:
    job_id = job.id
    retry = False
    try:
        message = body(job, context)
    except RuleError as error:
        failure = error.message
    except RetryLater as error:
        failure, retry = str(error), True
    except Exception as error:  # noqa: BLE001 - the job must end visibly, whatever happened
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        failure = f"任务出错：{error}"
    else:
        context._write(status=DONE, done=context.done, message=message, result=context.result,
                       finished_at=_now())
        return
    db.session.rollback()
    job = db.session.get(Job, job_id)
    attempts = job.attempts or 1
    max_attempts = int(current_app.config.get("CPE_JOB_MAX_ATTEMPTS", 5))
    next_try = _now() + _backoff(attempts) if retry and attempts < max_attempts else None
    context._write(status=FAILED, error=failure[:4000], next_try_at=next_try, finished_at=_now())


def retry_due() -> int:
    """Queue again every failed job whose retry time has come, and every running job whose
    worker seems dead; returns how many were queued."""
    now = _now()
    stale = _lease_expired_before()
    due = list(db.session.scalars(
        select(Job.id).where(Job.status == FAILED, Job.next_try_at.is_not(None), Job.next_try_at <= now)
        .order_by(Job.id)
    ))
    orphaned = list(db.session.scalars(
        select(Job.id).where(Job.status == RUNNING, Job.updated_at < stale).order_by(Job.id)
    ))
    queued = 0
    for job_id in due:
        moved = db.session.execute(
            update(Job).where(Job.id == job_id, Job.status == FAILED, Job.next_try_at <= now)
            .values(status=QUEUED, next_try_at=None, updated_at=now)
        )
        db.session.commit()
        if moved.rowcount == 1:
            submit(db.session.get(Job, job_id))
            queued += 1
    for job_id in orphaned:
        submit(db.session.get(Job, job_id))  # the claim takes it only if still stale
        queued += 1
    return queued
