"""Periodic work: what Celery beat runs on its schedule (``cpe_core.jobs.SCHEDULE``) and what
``cpe jobs run-periodic`` runs from cron in the embedded default.

Each function finds its own work in the database, so running one twice, or on two hosts at
once, does no harm: a record sent twice carries the same idempotency key, and a job is claimed
by one runner only.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import CreditPush
from ..regions import RuleError
from . import background, progress, pushes, retention


def _region_years(*, statuses_not_in: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    query = select(CreditPush.region, CreditPush.year).distinct().order_by(CreditPush.region, CreditPush.year)
    if statuses_not_in:
        query = query.where(CreditPush.status.not_in(statuses_not_in))
    rows = db.session.execute(query).all()
    db.session.rollback()
    return [(region, year) for region, year in rows]


def retry_pushes() -> dict[str, str]:
    """For every region-year already pushed: register newly ready records, mark records whose
    content changed since the receiver accepted them for re-sending, and send what is due
    (failed records once their backoff has passed). Returns a summary per region-year."""
    done: dict[str, str] = {}
    for region, year in _region_years():
        try:
            done[f"{region}:{year}"] = str(pushes.push(region, year))
        except RuleError as error:  # the receiver is no longer configured, the year closed...
            db.session.rollback()
            current_app.logger.warning("periodic push %s %s skipped: %s", region, year, error.message)
            done[f"{region}:{year}"] = error.message
    return done


def refresh_statuses() -> dict[str, int]:
    """Ask the receivers how far each accepted record has got; changed records per region-year."""
    changed: dict[str, int] = {}
    for region, year in _region_years(statuses_not_in=(pushes.PENDING, pushes.FAILED)):
        try:
            changed[f"{region}:{year}"] = pushes.refresh_statuses(region, year)
        except RuleError as error:
            db.session.rollback()
            current_app.logger.warning("status refresh %s %s skipped: %s", region, year, error.message)
    return changed


def retry_jobs() -> int:
    """Queue again the failed jobs due for a retry (e-mails whose server was down)."""
    return background.retry_due()


def reconcile() -> dict[str, str]:
    """Reconcile yesterday's payment bills, once per provider (:mod:`.reconciliation`)."""
    from . import reconciliation

    return reconciliation.reconcile_due()


def apply_retention() -> dict[str, int]:
    """Remove what is older than its retention period (:mod:`.retention`); how many per kind."""
    return retention.apply()


def refresh_progress() -> dict[str, object]:
    """Count the regions' progress dashboards again (:mod:`.progress`)."""
    return progress.refresh_all()


def run_all() -> dict:
    """Everything above, in order (the cron entry point)."""
    return {
        "jobs": retry_jobs(),
        "pushes": retry_pushes(),
        "statuses": refresh_statuses(),
        "reconciliation": reconcile(),
        "retention": apply_retention(),
        "progress": refresh_progress(),
    }
