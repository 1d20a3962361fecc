"""Retention (《个人信息保护法》第十九条: personal data is kept no longer than its purpose needs):
how long each kind of record is kept, as settings, and the periodic job that removes what is
older (Celery beat's ``apply-retention``, or ``cpe jobs run-periodic`` from cron).

=========================  ==================================  =======  ==========================
kind                       setting                             default  what goes when it is older
=========================  ==================================  =======  ==========================
``audit``                  ``CPE_RETAIN_AUDIT_DAYS``           1095     audit entries (the chain
                                                                        stays verifiable: see below)
``sms``                    ``CPE_RETAIN_SMS_DAYS``             30       SMS codes (hashed) and the
                                                                        per-phone daily counts
``captcha``                ``CPE_RETAIN_CAPTCHA_DAYS``         1        captcha challenges
``jobs``                   ``CPE_RETAIN_JOB_DAYS``             30       finished background jobs and
                                                                        their export files
``closed_accounts``        ``CPE_RETAIN_CLOSED_ACCOUNT_DAYS``  1825     what closing an account kept
                                                                        (name, ID or member number)
                                                                        is anonymised
=========================  ==================================  =======  ==========================

``0`` keeps a kind for ever. Sessions and failed-sign-in counts are not rows that pile up: an
account has one session token, ended at sign-out, and Flask-Limiter's counts expire with their
window. Each run is idempotent and cheap when there is nothing to do, so two hosts running it at
once do no harm.

The audit log is a hash chain. Pruning its oldest entries would break the walk from the first
link, so the job appends an ``audit.pruned`` entry naming the ``prev_hash`` the oldest kept
entry carries; :func:`cpe_core.services.audit.verify` starts from there. Removing more old
entries afterwards, or editing that entry, still breaks the chain. The newest entry is never
pruned, so the chain always continues from the entry before.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from .. import clock
from ..extensions import db
from ..models import AuditEntry, CaptchaChallenge, Certificate, Invoice, Job, Order, SmsCode, SmsQuota, User
from . import audit
from .privacy import mask_id_number

#: kind -> (setting, default days).
PERIODS: dict[str, tuple[str, int]] = {
    "audit": ("CPE_RETAIN_AUDIT_DAYS", 1095),
    "sms": ("CPE_RETAIN_SMS_DAYS", 30),
    "captcha": ("CPE_RETAIN_CAPTCHA_DAYS", 1),
    "jobs": ("CPE_RETAIN_JOB_DAYS", 30),
    "closed_accounts": ("CPE_RETAIN_CLOSED_ACCOUNT_DAYS", 1825),
}
#: What a closed account's name becomes once its retention has passed.
ANONYMOUS_NAME = "已注销学员"
#: The audit action that records a pruning (and where the chain now starts).
PRUNED = audit.PRUNED
#: Background jobs that are over (a failed job still waiting for a retry is not).
FINISHED = ("done", "failed")


def period_days(kind: str) -> int:
    """Days ``kind`` is kept (0: for ever); a bad setting stops the job with its name."""
    setting, default = PERIODS[kind]
    value = current_app.config.get(setting, default)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{setting} must be a whole number of days, not {value!r}") from None
    if days < 0:
        raise ValueError(f"{setting} must be 0 (keep for ever) or more days, not {days}")
    return days


def _cutoff(kind: str) -> dt.datetime | None:
    days = period_days(kind)
    if not days:
        return None
    return clock.to_utc_naive(clock.now()) - dt.timedelta(days=days)


def prune_audit() -> int:
    """Remove audit entries older than the period (never the newest); note where the chain
    now starts in an ``audit.pruned`` entry. Returns how many went."""
    cutoff = _cutoff("audit")
    if cutoff is None:
        return 0
    newest = db.session.scalar(select(func.max(AuditEntry.id)))
    if newest is None:
        return 0
    last_old = db.session.scalar(select(func.max(AuditEntry.id)).where(AuditEntry.at < cutoff, AuditEntry.id < newest))
    if last_old is None:
        return 0
    # Ids follow the chain (see audit._chain_head): everything up to the last old entry goes,
    # so what remains is one unbroken stretch of the chain.
    removed = db.session.execute(delete(AuditEntry).where(AuditEntry.id <= last_old)).rowcount
    start = db.session.scalar(select(AuditEntry.prev_hash).order_by(AuditEntry.id).limit(1))
    audit.record(PRUNED, "audit", after={"removed": removed, "before": clock.shanghai_text(clock.now()),
                                         "chain_starts_at": start})
    db.session.commit()
    return removed


def prune_sms() -> int:
    cutoff = _cutoff("sms")
    if cutoff is None:
        return 0
    codes = db.session.execute(delete(SmsCode).where(SmsCode.sent_at < cutoff)).rowcount
    # Quota rows are per Asia/Shanghai day; a day wholly before the cut-off goes.
    last_day = clock.from_utc_naive(cutoff).astimezone(clock.SHANGHAI).date() - dt.timedelta(days=1)
    quotas = db.session.execute(delete(SmsQuota).where(SmsQuota.day <= last_day)).rowcount
    db.session.commit()
    return codes + quotas


def prune_captcha() -> int:
    cutoff = _cutoff("captcha")
    if cutoff is None:
        return 0
    removed = db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < cutoff)).rowcount
    db.session.commit()
    return removed


def prune_jobs() -> int:
    """Finished jobs older than the period, and the export files they made."""
    cutoff = _cutoff("jobs")
    if cutoff is None:
        return 0
    from .export_jobs import export_dir

    finished_at = func.coalesce(Job.finished_at, Job.updated_at, Job.created_at)
    old = db.session.execute(
        select(Job.id, Job.result).where(Job.status.in_(FINISHED), Job.next_try_at.is_(None), finished_at < cutoff)
    ).all()
    if not old:
        return 0
    folder = export_dir().resolve()
    for _id, result in old:
        if result:
            path = (folder / result).resolve()
            if path.is_relative_to(folder):  # a result is a bare file name; never follow one out
                path.unlink(missing_ok=True)
    removed = db.session.execute(delete(Job).where(Job.id.in_([job_id for job_id, _ in old]))).rowcount
    db.session.commit()
    return removed


def _masked_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else name


def _replace(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_replace(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, replacements) for key, item in value.items()}
    return value


def anonymise_closed_accounts() -> int:
    """Closed accounts whose period has passed: the name and the ID or member number the
    closure kept are removed from the account, masked on its certificates (which keep their
    serial, code and digest, so a printed one can still be checked), and the invoice e-mail
    addresses erased. Credit records, orders and payments stay, no longer naming the person."""
    cutoff = _cutoff("closed_accounts")
    if cutoff is None:
        return 0
    users = db.session.scalars(
        select(User).where(User.closed_at.is_not(None), User.closed_at < cutoff, User.name != ANONYMOUS_NAME)
    ).all()
    for user in users:
        profile = user.profile
        replacements = {}
        for identity in {user.login, profile.id_number if profile else None, profile.member_number if profile else None}:
            if identity and len(identity) >= 4:
                replacements[identity] = mask_id_number(identity)
        if user.name:
            replacements[user.name] = _masked_name(user.name)
        for certificate in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
            # Longest first, so an ID number is masked before any shorter value inside it.
            ordered = dict(sorted(replacements.items(), key=lambda item: -len(item[0])))
            certificate.fields = json.loads(json.dumps(_replace(certificate.fields, ordered)))
        for invoice in db.session.scalars(select(Invoice).join(Order).where(Order.user_id == user.id)):
            invoice.email = ""
        user.name = ANONYMOUS_NAME
        user.login = f"closed-{user.id}"
        if profile is not None:
            profile.id_number = None
            profile.member_number = None
            profile.details = {}
        audit.record("account.anonymised", f"user:{user.id}", region=user.region)
    db.session.commit()
    return len(users)


def apply() -> dict[str, int]:
    """Every kind's retention, once; how many records of each went."""
    return {
        "closed_accounts": anonymise_closed_accounts(),
        "jobs": prune_jobs(),
        "sms": prune_sms(),
        "captcha": prune_captcha(),
        "audit": prune_audit(),
    }
