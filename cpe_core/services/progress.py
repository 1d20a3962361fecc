"""The region's progress dashboard (complete / in progress / not started): counted by a
background job, read by the page with the counts' age.

Why a job rather than counters the ledger keeps: whether a learner-year is complete is the
region's rule (its hooks and the year settings its admin may change at any time), over credits,
study time and exam scores, so counters kept at each ledger write would be wrong after every
rule change until rebuilt, and every credit written in the province would update the same
three rows (a lock every learner's heartbeat waits on at the deadline). Counting is one
aggregate query the database answers (:func:`~.exports.count_region_progress`, under a second
for a million learners); the beat runs it every ``CPE_BEAT_REFRESH_PROGRESS_SECONDS`` (600)
for every region's current year and each year someone has looked at, an admin may ask for a
fresh count, and the page says when the counts were taken.
"""
from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import ProgressSnapshot
from ..regions import RuleError, regions
from . import exports
from .years import current_year

#: The job that counts a region-year (registered in :data:`cpe_core.jobs.TASKS`).
TASK = "cpe.progress.refresh"


def snapshot(region: str, year: int) -> ProgressSnapshot | None:
    """The counts last taken for ``region``'s ``year``, None if never."""
    return db.session.scalar(select(ProgressSnapshot).where(ProgressSnapshot.region == region,
                                                            ProgressSnapshot.year == year))


def as_progress(row: ProgressSnapshot) -> exports.RegionProgress:
    return exports.RegionProgress(row.year, row.complete, row.in_progress, row.not_started)


def age_minutes(row: ProgressSnapshot) -> int:
    """Whole minutes since the counts were taken."""
    return max(0, int((clock.to_utc_naive(clock.now()) - row.computed_at).total_seconds() // 60))


def refresh(region: str, year: int) -> ProgressSnapshot:
    """Count ``region``'s ``year`` now and keep the counts; commit. :class:`RuleError` when the
    region has no rules that year."""
    started = time.monotonic()
    counted = exports.count_region_progress(region, year)
    values = {"complete": counted.complete, "in_progress": counted.in_progress,
              "not_started": counted.not_started, "computed_at": clock.to_utc_naive(clock.now()),
              "duration_ms": int((time.monotonic() - started) * 1000)}
    row = snapshot(region, year)
    if row is None:
        row = ProgressSnapshot(region=region, year=year, **values)
        db.session.add(row)
        try:
            db.session.commit()
            return row
        except IntegrityError:  # another runner counted it at the same moment: update theirs
            db.session.rollback()
            row = snapshot(region, year)
    for key, value in values.items():
        setattr(row, key, value)
    db.session.commit()
    return row


def run_job(region: str, year: int) -> dict:
    """The task :data:`TASK`: count one region-year."""
    try:
        row = refresh(region, year)
    except RuleError as error:
        db.session.rollback()
        return {"region": region, "year": year, "error": error.message}
    return {"region": region, "year": year, "ms": row.duration_ms}


def request_refresh(region: str, year: int) -> None:
    """Queue a count of ``region``'s ``year`` (done at once when no broker is configured)."""
    from ..jobs import enqueue

    enqueue(TASK, region=region, year=year)


def first_count(region: str, year: int) -> ProgressSnapshot | None:
    """For a region-year never counted: queue its count and return it if it is already done
    (no broker: it ran at once), else None (a worker will)."""
    request_refresh(region, year)
    db.session.rollback()  # end this session's read: the job committed through a session of its own
    return snapshot(region, year)


def due() -> list[tuple[str, int]]:
    """What the periodic refresh counts: every region's current year, and every region-year
    already counted (someone looked at it)."""
    wanted = {(info.code, current_year(info.code)) for info in regions()}
    wanted |= set(db.session.execute(select(ProgressSnapshot.region, ProgressSnapshot.year)).tuples())
    db.session.rollback()
    return sorted(wanted)


def refresh_all() -> dict[str, object]:
    """Count every region-year :func:`due` lists (the periodic job)."""
    done: dict[str, object] = {}
    for region, year in due():
        try:
            done[f"{region}:{year}"] = refresh(region, year).duration_ms
        except RuleError as error:
            db.session.rollback()
            done[f"{region}:{year}"] = error.message
    return done
