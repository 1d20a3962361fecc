"""Pushing learner-years to a provincial platform over HTTP.

Every record sent is a :class:`~cpe_core.models.CreditPush` row, written BEFORE the first try:
its ``idempotency_key`` travels as the ``Idempotency-Key`` header of every try, so a retry after
a timeout (or after a crash between sending and recording the answer) never makes a duplicate on
the receiver. State lives only in those rows, so a push that stopped half-way is resumed by
running it again. Each try's answer (HTTP status and body, or the network error) is kept in
``last_response`` for staff.

Receiver protocol (what the province's endpoint is expected to do):

* ``POST <url>`` with JSON ``{"idempotency_key", "region", "year", "record": {column: value}}``;
  2xx means accepted (a JSON body may carry ``"status"``, one of the region's status codes);
  409 means "already received under this key" and counts as accepted; anything else fails.
* ``GET <url>/<idempotency_key>`` answers ``{"status": code}``: how far the record has got on the
  receiver's side (e.g. reviewed, completed), see :func:`refresh_statuses`; 404 for a key it
  never received.

A key stands for one content. ``content_hash`` is the digest of the record sent under the
row's current key; when the learner's record changes after the receiver accepted it (credits
added or withdrawn), the next push run gives the row a new ``version`` and with it a new key
and sends the new content; the same content is never sent under two keys (a change undone
before it was sent sends nothing). Rows accepted before versions existed get the digest of
their current record as their baseline the first time a push run sees them.

``accepted_version`` and ``accepted_hash`` say what the receiver holds as the latest record
while a newer version waits. A change undone after tries of the newer version were refused
asks the receiver (``GET``) whether any of those versions arrived after all: if none did
(404 for each), the row goes back to the accepted version's key and nothing is sent, since the
receiver holds exactly this content as the latest under that key; if one did, its latest
record is the undone content, so the old content is sent again as a newer version under a key
of its own (under the accepted key it would only get a 409 and change nothing); if the
receiver cannot say, the row waits for a later run like any failed try.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests
import urllib3
from flask import current_app
from requests.adapters import HTTPAdapter
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from urllib3.util.retry import Retry

from hookspecs import CreditExport, LearnerYear

from .. import clock
from ..extensions import db
from ..labels import N_
from ..models import CreditPush
from ..regions import RuleError
from .exports import export_for, learner_year_pages

PENDING = "pending"
FAILED = "failed"
#: Our own states, before the receiver has accepted a record (the region's statuses follow).
OWN_STATUS_LABELS = {PENDING: N_("待回传"), FAILED: N_("回传失败，等待重试")}
KEY_NAMESPACE = uuid.UUID("8c0f5a3e-4d0b-4a59-9a57-2f5b1f0c6c11")
#: Records sent per round: their learner-years are summed by one query.
SEND_BATCH = 200
MAX_ANSWER = 2000


@dataclass
class PushSummary:
    planned: int = 0
    accepted: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"新登记{self.planned}条，回传成功{self.accepted}条，失败{self.failed}条"


def idempotency_key(region: str, year: int, user_id: int, version: int = 1) -> str:
    """The same key for the same learner-year and version, whoever computes it and however
    often; each new version (the record changed after it was accepted) has its own key."""
    name = f"{region}:{year}:{user_id}" if version <= 1 else f"{region}:{year}:{user_id}:v{version}"
    return uuid.uuid5(KEY_NAMESPACE, name).hex


def content_hash(export: CreditExport, record: LearnerYear) -> str:
    """The digest of what would be sent for ``record`` (the region's columns and values)."""
    values = dict(zip(export.columns, export.row(record), strict=True))
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _new_version(push: CreditPush) -> None:
    push.version = (push.version or 1) + 1
    push.idempotency_key = idempotency_key(push.region, push.year, push.user_id, push.version)
    push.status = PENDING
    push.attempts = 0
    push.next_try_at = None
    push.updated_at = clock.to_utc_naive(clock.now())


def _settings(export: CreditExport) -> tuple[str, str | None]:
    if "push" not in export.formats or not export.push_url_setting:
        raise RuleError("export_format_not_offered", "本地区不向省平台推送学分记录。")
    # The plugin names the settings; like the core's own, the environment may supply them.
    url = current_app.config.get(export.push_url_setting) or os.environ.get(export.push_url_setting)
    if not url:
        raise RuleError(
            "push_not_configured", f"未配置省平台接收地址（{export.push_url_setting}），无法推送。"
        )
    token = None
    if export.push_token_setting:
        token = current_app.config.get(export.push_token_setting) or os.environ.get(
            export.push_token_setting
        )
    return str(url).rstrip("/"), token


def http_session(token: str | None) -> requests.Session:
    """A session that retries connection errors, timeouts and 429/5xx with exponential backoff
    (urllib3's ``Retry``); POST is retried too, which is safe because of the idempotency key."""
    config = current_app.config
    tries = int(config.get("CPE_PUSH_RETRIES", 3))
    retry = Retry(
        total=tries,
        connect=tries,
        read=tries,
        status=tries,
        backoff_factor=float(config.get("CPE_PUSH_BACKOFF", 0.5)),
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def _timeout() -> tuple[float, float]:
    seconds = float(current_app.config.get("CPE_PUSH_TIMEOUT", 10))
    return (seconds, seconds)


def plan(export: CreditExport) -> int:
    """Register a CreditPush row for every record ready to be sent that has none yet, and give
    a new version to every accepted record whose content has changed since."""
    created = 0
    ready = export.push_ready or (lambda record: True)
    for page in learner_year_pages(export.region, export.year):
        wanted = {record.learner_id: record for record in page if ready(record)}
        if not wanted:
            continue
        known = {
            push.user_id: push
            for push in db.session.scalars(
                select(CreditPush).where(
                    CreditPush.region == export.region,
                    CreditPush.year == export.year,
                    CreditPush.user_id.in_(list(wanted)),
                )
            )
        }
        for user_id, push_row in known.items():
            if push_row.status in (PENDING, FAILED):
                continue  # what is sent is computed at send time
            digest = content_hash(export, wanted[user_id])
            if push_row.content_hash is None:
                push_row.content_hash = digest  # accepted before versions existed: baseline
            if push_row.accepted_hash is None:  # accepted before the receiver's latest was kept
                push_row.accepted_version, push_row.accepted_hash = push_row.version or 1, push_row.content_hash
            if push_row.content_hash != digest:
                _new_version(push_row)
        for user_id in sorted(set(wanted) - set(known)):
            db.session.add(
                CreditPush(
                    region=export.region,
                    user_id=user_id,
                    year=export.year,
                    idempotency_key=idempotency_key(export.region, export.year, user_id),
                    version=1,
                    status=PENDING,
                    attempts=0,
                )
            )
            created += 1
        try:
            db.session.commit()
        except IntegrityError:
            # Another planner got there first: its rows carry the same keys, nothing is lost.
            db.session.rollback()
    return created


def _due(export: CreditExport, after: int) -> list[CreditPush]:
    now = clock.to_utc_naive(clock.now())
    return list(
        db.session.scalars(
            select(CreditPush)
            .where(
                CreditPush.region == export.region,
                CreditPush.year == export.year,
                CreditPush.status.in_((PENDING, FAILED)),
                or_(CreditPush.next_try_at.is_(None), CreditPush.next_try_at <= now),
                CreditPush.id > after,
            )
            .order_by(CreditPush.id)
            .limit(SEND_BATCH)
        )
    )


def _backoff(attempts: int) -> dt.timedelta:
    """Wait before the next run retries a failed record: 1, 2, 4 ... minutes, at most a day."""
    base = float(current_app.config.get("CPE_PUSH_RETRY_MINUTES", 1))
    return dt.timedelta(minutes=min(base * 2 ** max(attempts - 1, 0), 24 * 60))


def _payload(export: CreditExport, record: LearnerYear, key: str) -> dict:
    values = dict(zip(export.columns, export.row(record), strict=True))
    return {"idempotency_key": key, "region": export.region, "year": export.year, "record": values}


def _network_error(error: requests.RequestException) -> str:
    # After the last retry requests wraps a read timeout in a ConnectionError: look inside.
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(error, requests.Timeout) or isinstance(reason, urllib3.exceptions.TimeoutError):
        return f"接收方超时未应答：{error}"
    return f"无法连接接收方：{error}"


def _answer(response: requests.Response) -> str:
    return f"HTTP {response.status_code} {response.text[:MAX_ANSWER]}".strip()


def _accepted_status(export: CreditExport, response: requests.Response) -> str:
    codes = [code for code, _label in export.push_statuses]
    try:
        status = response.json().get("status")
    except (ValueError, AttributeError):
        status = None
    if status in codes:
        return status
    return codes[0] if codes else "accepted"


def record_accepted(push: CreditPush, status: str, answer: str) -> None:
    """Store the receiver's acceptance (a separate step so a crash right before it is testable)."""
    push.status = status
    push.last_response = answer
    push.accepted_version, push.accepted_hash = push.version or 1, push.content_hash
    push.next_try_at = None
    push.updated_at = clock.to_utc_naive(clock.now())
    db.session.commit()


def _restore_previous_version(export: CreditExport, push: CreditPush) -> None:
    """Go back to the version the receiver accepted last (the previous one for rows from before
    ``accepted_version``): it holds this row's current content, as its latest, under that key."""
    if push.accepted_version is not None:
        push.version, push.content_hash = push.accepted_version, push.accepted_hash
    else:
        push.version -= 1
    push.idempotency_key = idempotency_key(push.region, push.year, push.user_id, push.version)
    codes = [code for code, _label in export.push_statuses]
    push.status = codes[0] if codes else "accepted"  # refresh_statuses brings the receiver's
    push.next_try_at = None
    push.updated_at = clock.to_utc_naive(clock.now())
    db.session.commit()


def _holds_newer(session: requests.Session, url: str, push: CreditPush) -> bool | str:
    """Whether the receiver holds any version tried after the accepted one (True / False), or
    its answer when it cannot say. The current version counts only if it was tried."""
    last = push.version if push.attempts else push.version - 1
    for version in range(push.accepted_version + 1, last + 1):
        key = idempotency_key(push.region, push.year, push.user_id, version)
        try:
            response = session.get(f"{url}/{key}", timeout=_timeout())
        except requests.RequestException as error:
            return _network_error(error)
        if response.ok:
            return True
        if response.status_code != 404:
            return _answer(response)
    return False


def _record_failure(push: CreditPush, answer: str) -> None:
    push.status = FAILED
    push.last_response = answer[:MAX_ANSWER]
    push.next_try_at = clock.to_utc_naive(clock.now() + _backoff(push.attempts))
    push.updated_at = clock.to_utc_naive(clock.now())
    db.session.commit()


def send_due(export: CreditExport, progress: Callable[[int], None] | None = None) -> PushSummary:
    """Send every pending record and every failed one whose retry time has come."""
    url, token = _settings(export)
    summary = PushSummary()
    session = http_session(token)
    after = 0
    try:
        while batch := _due(export, after):
            after = batch[-1].id
            pushes = {push.user_id: push for push in batch}
            records = {
                record.learner_id: record
                for page in learner_year_pages(export.region, export.year, user_ids=list(pushes))
                for record in page
            }
            for user_id, push in pushes.items():
                record = records.get(user_id)
                if record is None:
                    continue  # the learner no longer has anything to report this year
                digest = content_hash(export, record)
                if push.accepted_version is not None and push.version > push.accepted_version \
                        and digest == push.accepted_hash:
                    # Changed after acceptance, then changed back: back to the accepted key
                    # unless a try of a newer version did arrive (see the module's docstring).
                    held = _holds_newer(session, url, push)
                    if held is False:
                        _restore_previous_version(export, push)
                        continue
                    if held is not True:
                        _record_failure(push, f"无法确认接收方是否收到了更新的版本：{held}")
                        summary.failed += 1
                        if progress is not None:
                            progress(summary.accepted + summary.failed)
                        continue
                elif (push.version or 1) > 1 and not push.attempts and digest == push.content_hash:
                    # Changed after acceptance, then changed back before anything was sent:
                    # the receiver already holds this content under the previous key.
                    _restore_previous_version(export, push)
                    continue
                if push.attempts and push.content_hash not in (None, digest):
                    _new_version(push)  # the record changed between tries: a key per content
                push.content_hash = digest
                push.attempts = (push.attempts or 0) + 1
                key = push.idempotency_key
                payload = _payload(export, record, key)
                # Read before committing: reading after it would open a transaction that the
                # request then holds; on SQLite a receiver writing to the same database meanwhile
                # (a hub of this deployment) would leave it a stale snapshot that cannot write.
                db.session.commit()
                try:
                    response = session.post(
                        url,
                        json=payload,
                        headers={"Idempotency-Key": key},
                        timeout=_timeout(),
                    )
                except requests.RequestException as error:
                    _record_failure(push, _network_error(error))
                    summary.failed += 1
                else:
                    if response.ok or response.status_code == 409:
                        record_accepted(push, _accepted_status(export, response), _answer(response))
                        summary.accepted += 1
                    else:
                        _record_failure(push, _answer(response))
                        summary.failed += 1
                if progress is not None:
                    progress(summary.accepted + summary.failed)
    finally:
        session.close()
    return summary


def push(region: str, year: int, progress: Callable[[int], None] | None = None) -> PushSummary:
    """Register the ready records, then send what is due. Running it again resumes."""
    export = export_for(region, year, "push")
    _settings(export)  # refuse before registering anything if the receiver is not configured
    planned = plan(export)
    summary = send_due(export, progress)
    summary.planned = planned
    return summary


def prepare(region: str, year: int) -> tuple[int, int]:
    """Register the ready records and count what a push would try now: ``(registered, due)``
    (for a progress bar; :func:`push` then registers nothing new)."""
    export = export_for(region, year, "push")
    _settings(export)
    planned = plan(export)
    due = 0
    after = 0
    while batch := _due(export, after):
        due += len(batch)
        after = batch[-1].id
    return planned, due


def refresh_statuses(region: str, year: int) -> int:
    """Ask the receiver how far each accepted record has got; returns how many changed."""
    export = export_for(region, year, "push")
    url, token = _settings(export)
    codes = [code for code, _label in export.push_statuses]
    final = codes[-1] if codes else None
    changed = 0
    session = http_session(token)
    try:
        for push_row in _accepted(export, final):
            try:
                response = session.get(f"{url}/{push_row.idempotency_key}", timeout=_timeout())
                status = response.json().get("status") if response.ok else None
            except (requests.RequestException, ValueError):
                continue
            if status in codes and status != push_row.status:
                push_row.status = status
                push_row.last_response = _answer(response)
                push_row.updated_at = clock.to_utc_naive(clock.now())
                changed += 1
        db.session.commit()
    finally:
        session.close()
    return changed


def _accepted(export: CreditExport, final: str | None) -> Iterator[CreditPush]:
    query = select(CreditPush).where(
        CreditPush.region == export.region,
        CreditPush.year == export.year,
        CreditPush.status.not_in((PENDING, FAILED)),
    )
    if final is not None:
        query = query.where(CreditPush.status != final)
    yield from db.session.scalars(query.order_by(CreditPush.id)).all()


def status_label(export: CreditExport | None, status: str | None) -> str | None:
    """The Chinese label of a push status (the region's own labels, then ours)."""
    if status is None:
        return None
    labels = dict(export.push_statuses) if export is not None else {}
    return labels.get(status) or OWN_STATUS_LABELS.get(status, status)


def failures(region: str, limit: int = 50) -> list[CreditPush]:
    """The latest records the receiver refused or never answered, with its answer."""
    return list(
        db.session.scalars(
            select(CreditPush)
            .where(CreditPush.region == region, CreditPush.status == FAILED)
            .order_by(CreditPush.updated_at.desc(), CreditPush.id.desc())
            .limit(limit)
        )
    )


def push_for(user_id: int, region: str, year: int) -> CreditPush | None:
    return db.session.scalar(
        select(CreditPush).where(
            CreditPush.region == region, CreditPush.year == year, CreditPush.user_id == user_id
        )
    )

