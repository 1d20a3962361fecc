"""Exports and pushes started from the admin pages or the API, run as background jobs.

The job's state is a :class:`~cpe_core.models.Job` row (see :mod:`.background`), so every web
process and worker agrees on it; the file an export produces is written under
``CPE_EXPORT_DIR`` (default ``<instance>/exports``), which must therefore be storage shared by
the web processes and the workers when they run on several hosts.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from ..extensions import db
from ..models import Job, User
from . import audit, background
from .exports import count_learner_years, export_file, export_for
from .pushes import prepare, push

KIND = "export"


def export_dir() -> Path:
    path = Path(current_app.config.get("CPE_EXPORT_DIR") or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(region: str, year: int, fmt: str, actor: User) -> Job:
    """Check the request, audit it, and queue the job (run at once without a broker)."""
    export_for(region, year, fmt)  # RuleError for a year or format the region does not offer
    job = background.create(KIND, region=region, params={"year": year, "format": fmt}, actor=actor)
    audit.record(
        "credit_export.start",
        f"export:{job.id}",
        actor=actor,
        region=region,
        after={"year": year, "format": fmt},
    )
    db.session.commit()
    return background.submit(job)


def load(job_id: int, region: str | None = None) -> Job | None:
    return background.get(job_id, region=region, kind=KIND)


def file_path(job: Job) -> Path | None:
    """The finished export's file (None while it runs, for a push, or after a failure)."""
    if job.kind != KIND or job.status != background.DONE or not job.result:
        return None
    return export_dir() / job.result


def run_job(job_id: int) -> None:
    """The task body: run the export or push, updating the job's progress as rows go."""
    background.execute(job_id, _run)


def _run(job: Job, context: background.JobContext) -> str:
    region, year, fmt = job.region, int(job.params["year"]), job.params["format"]
    if fmt == "push":
        planned, due = prepare(region, year)
        context.set_total(due)
        summary = push(region, year, context.progress)
        summary.planned += planned
        return str(summary)  # failed records stay listed for staff and are retried later
    context.set_total(count_learner_years(region, year))
    name = f"{region}-{year}-{job.id}.{fmt}"
    # Progress is committed through the session while the export reads on a connection of its
    # own. On SQLite that is fine in WAL mode (see ``cpe_core._sqlite_pragmas``): a reader never
    # blocks the writer, and the write is one small UPDATE about every 1% of the rows.
    result = export_file(region, year, fmt, export_dir() / name, context.progress)
    context.result = name
    context.done = result.rows
    return f"共导出{result.rows}条记录。"
