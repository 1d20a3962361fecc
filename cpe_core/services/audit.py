"""The tamper-evident audit log (see :class:`cpe_core.models.AuditEntry`)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import AuditEntry, User

GENESIS = "0" * 64
#: Concurrent writers race for the same predecessor; the loser re-reads and tries again.
MAX_TRIES = 8


def entry_hash(
    *,
    at: str,
    actor_id: int | None,
    actor: str,
    region: str | None,
    action: str,
    target: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of an entry's content and its predecessor's hash."""
    payload = json.dumps(
        {
            "at": at,
            "actor_id": actor_id,
            "actor": actor,
            "region": region,
            "action": action,
            "target": target,
            "before": before,
            "after": after,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        at=entry.at.isoformat(),
        actor_id=entry.actor_id,
        actor=entry.actor,
        region=entry.region,
        action=entry.action,
        target=entry.target,
        before=entry.before,
        after=entry.after,
        prev_hash=entry.prev_hash,
    )


def _chain_head() -> str:
    """The newest entry's hash. Ids follow the chain: an insert that raced for the same
    predecessor fails on the unique ``prev_hash`` and retries with a later id."""
    head = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    return head or GENESIS


def record(
    action: str,
    target: str,
    *,
    actor: User | None = None,
    region: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append an entry inside the caller's transaction (so it commits or rolls back with the
    change it describes)."""
    actor_name = f"{actor.role}:{actor.login}" if actor is not None else "system"
    for _ in range(MAX_TRIES):
        entry = AuditEntry(
            at=clock.to_utc_naive(clock.now()),
            actor_id=actor.id if actor is not None else None,
            actor=actor_name,
            region=region,
            action=action,
            target=target,
            before=before,
            after=after,
            prev_hash=_chain_head(),
        )
        entry.hash = hash_of(entry)
        try:
            with db.session.begin_nested():
                db.session.add(entry)
            return entry
        except IntegrityError:
            continue
    raise RuntimeError("the audit log is too busy to append to; try again")


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""


#: The action of the entry the retention job appends after pruning the oldest entries
#: (:mod:`cpe_core.services.retention`); its ``after["chain_starts_at"]`` is where the walk begins.
PRUNED = "audit.pruned"


def _chain_start(entries: list[AuditEntry]) -> str:
    """Where the walk begins: the genesis, or after the retention job pruned the oldest
    entries, the link its newest ``audit.pruned`` entry names (an entry the walk then checks
    like any other, so editing it, or pruning more without one, breaks the chain)."""
    for entry in reversed(entries):
        if entry.action == PRUNED and isinstance(entry.after, dict):
            return str(entry.after.get("chain_starts_at") or GENESIS)
    return GENESIS


def verify() -> Verification:
    """Walk the chain from the first entry and report the first broken link."""
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    by_prev = {entry.prev_hash: entry for entry in entries}
    visited: set[int] = set()
    link = _chain_start(entries)
    while link in by_prev:
        entry = by_prev[link]
        if hash_of(entry) != entry.hash:
            return Verification(False, len(visited), entry.id, "内容被修改：哈希不符 (content altered)")
        visited.add(entry.id)
        link = entry.hash
    for entry in entries:
        if entry.id not in visited:
            return Verification(
                False, len(visited), entry.id, "前一条记录缺失或被修改 (predecessor missing or altered)"
            )
    return Verification(True, len(visited))
