"""Exports and pushes started from the admin pages, run as background jobs.

A job's state (status, rows done out of total, file, error) is a small JSON file beside the
export it produces, under ``CPE_EXPORT_DIR`` (default ``<instance>/exports``): the web process
and the workers share it, whichever queue runs the job (see :mod:`cpe_core.jobs`).
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from .. import clock
from ..extensions import db
from ..jobs import enqueue
from ..models import User
from ..regions import RuleError
from . import audit
from .exports import count_learner_years, export_file, export_for
from .pushes import prepare, push


@dataclass
class ExportJob:
    id: str
    region: str
    year: int
    format: str
    actor: str
    created_at: str
    status: str = "queued"  # queued, running, done, failed
    done: int = 0
    total: int = 0
    file: str | None = None
    message: str = ""

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    @property
    def status_label(self) -> str:
        return {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}[self.status]


def export_dir() -> Path:
    path = Path(current_app.config.get("CPE_EXPORT_DIR") or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _state_path(job_id: str) -> Path:
    if not job_id.isalnum():
        raise FileNotFoundError(job_id)
    return export_dir() / f"{job_id}.json"


def save(job: ExportJob) -> None:
    target = _state_path(job.id)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, target)  # readers never see half a state file


def load(job_id: str) -> ExportJob | None:
    try:
        return ExportJob(**json.loads(_state_path(job_id).read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return None


def jobs_of(region: str, limit: int = 20) -> list[ExportJob]:
    found = []
    for path in export_dir().glob("*.json"):
        job = load(path.stem)
        if job is not None and job.region == region:
            found.append(job)
    found.sort(key=lambda job: job.created_at, reverse=True)
    return found[:limit]


def start(region: str, year: int, fmt: str, actor: User) -> ExportJob:
    """Check the request, audit it, and queue the job (run at once without a broker)."""
    export_for(region, year, fmt)  # RuleError for a year or format the region does not offer
    job = ExportJob(
        id=uuid.uuid4().hex,
        region=region,
        year=year,
        format=fmt,
        actor=actor.login,
        created_at=clock.now().isoformat(),
    )
    save(job)
    audit.record(
        "credit_export.start",
        f"export:{job.id}",
        actor=actor,
        region=region,
        after={"year": year, "format": fmt},
    )
    db.session.commit()
    enqueue("cpe.export", job_id=job.id)
    return load(job.id) or job


def file_path(job: ExportJob) -> Path | None:
    if job.status != "done" or not job.file:
        return None
    return export_dir() / job.file


def run_job(job_id: str) -> None:
    """The task body: run the export or push, updating the job's progress as rows go."""
    job = load(job_id)
    if job is None:
        return
    job.status = "running"
    save(job)

    def progress(done: int) -> None:
        job.done = done
        save(job)

    try:
        if job.format == "push":
            planned, job.total = prepare(job.region, job.year)
            save(job)
            summary = push(job.region, job.year, progress)
            summary.planned += planned
            job.message = str(summary)
            job.status = "done"  # failed records stay listed for staff and are retried later
        else:
            job.total = count_learner_years(job.region, job.year)
            save(job)
            name = f"{job.region}-{job.year}-{job.id[:8]}.{job.format}"
            result = export_file(job.region, job.year, job.format, export_dir() / name, progress)
            job.file = name
            job.done = result.rows
            job.message = f"共导出{result.rows}条记录。"
            job.status = "done"
    except RuleError as error:
        job.status = "failed"
        job.message = error.message
    except Exception as error:  # noqa: BLE001 - the job must end visibly, whatever happened
        db.session.rollback()
        current_app.logger.exception("export job %s failed", job.id)
        job.status = "failed"
        job.message = f"导出出错：{error}"
    save(job)
