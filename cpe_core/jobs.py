"""The job queue: background work (exports, pushes, emails, certificate batches) runs as Celery
tasks.

Each app builds its own Celery app from its config (the pattern of Flask's "Background Tasks
with Celery" page), stored in ``app.extensions["celery"]``; nothing is global. Without
``CPE_CELERY_BROKER_URL`` (the embedded default, and most tests) tasks run inline, at once, in
the caller's process (``task_always_eager``). Where deployed at scale, set it (e.g.
``redis://127.0.0.1:6379/0``) and run a worker::

    celery -A cpe_core.worker worker --loglevel=info

Register a task by adding ``name: "module:function"`` to :data:`TASKS`; the function runs
inside an app context and takes JSON-safe keyword arguments. Queue it with :func:`enqueue`.
Jobs staff start (exports, certificate batches, e-mails) keep their state in the ``job`` table
(:mod:`cpe_core.services.background`), not in the queue.

Periodic work (retrying due pushes, refreshing push statuses, retrying failed jobs, reconciling
yesterday's payment bills, applying the retention periods, counting the regions' progress
dashboards) is Celery
beat's :data:`SCHEDULE`, with intervals from the settings named there::

    celery -A cpe_core.worker beat --loglevel=info

Without a broker, run ``cpe jobs run-periodic`` from cron instead: it does the same work.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app

#: Task name -> "module:function" (imported lazily so this module stays light).
TASKS: dict[str, str] = {
    "cpe.export": "cpe_core.services.export_jobs:run_job",
    "cpe.certificates.batch": "cpe_core.services.certificate_jobs:run_job",
    "cpe.mail.invoice": "cpe_core.services.mail_jobs:run_job",
    "cpe.periodic.retry_pushes": "cpe_core.services.periodic:retry_pushes",
    "cpe.periodic.refresh_statuses": "cpe_core.services.periodic:refresh_statuses",
    "cpe.periodic.retry_jobs": "cpe_core.services.periodic:retry_jobs",
    "cpe.periodic.reconcile": "cpe_core.services.periodic:reconcile",
    "cpe.periodic.retention": "cpe_core.services.periodic:apply_retention",
    "cpe.periodic.refresh_progress": "cpe_core.services.periodic:refresh_progress",
    "cpe.progress.refresh": "cpe_core.services.progress:run_job",
}

#: Beat entry -> (task, setting giving its interval in seconds, default seconds).
SCHEDULE: dict[str, tuple[str, str, float]] = {
    "retry-due-pushes": ("cpe.periodic.retry_pushes", "CPE_BEAT_RETRY_PUSHES_SECONDS", 300.0),
    "refresh-push-statuses": ("cpe.periodic.refresh_statuses", "CPE_BEAT_REFRESH_STATUSES_SECONDS", 3600.0),
    "retry-failed-jobs": ("cpe.periodic.retry_jobs", "CPE_BEAT_RETRY_JOBS_SECONDS", 300.0),
    # Yesterday's bills, once each is read (a bill not ready yet is tried again next time).
    "reconcile-payments": ("cpe.periodic.reconcile", "CPE_BEAT_RECONCILE_SECONDS", 3600.0),
    "apply-retention": ("cpe.periodic.retention", "CPE_BEAT_RETENTION_SECONDS", 86400.0),
    "refresh-progress": ("cpe.periodic.refresh_progress", "CPE_BEAT_REFRESH_PROGRESS_SECONDS", 600.0),
}


def _resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def make_celery(app: Flask) -> Celery:
    """A Celery app whose tasks run inside ``app``'s context."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("CPE_CELERY_BROKER_URL")
    celery = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    celery.conf.update(
        broker_url=broker or "memory://",
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_ignore_result=True,
        task_default_queue=app.config.get("CPE_CELERY_QUEUE", "cpe"),
        broker_connection_retry_on_startup=True,
        # A job (a 100k-row export) is long: take one at a time, acknowledge when done, so a
        # worker that dies mid-job leaves it for another worker.
        worker_prefetch_multiplier=1,
        task_acks_late=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            entry: {"task": task, "schedule": float(app.config.get(setting, default))}
            for entry, (task, setting, default) in SCHEDULE.items()
        },
    )
    for name, target in TASKS.items():

        def run(*args: Any, _target: str = target, **kwargs: Any) -> Any:
            return _resolve(_target)(*args, **kwargs)

        celery.task(name=name, shared=False, _force_evaluate=True)(run)
    return celery


def init_app(app: Flask) -> None:
    app.extensions["celery"] = make_celery(app)


def enqueue(name: str, **kwargs: Any) -> None:
    """Queue task ``name`` (run it at once when no broker is configured)."""
    celery: Celery = current_app.extensions["celery"]
    celery.tasks[name].apply_async(kwargs=kwargs)
