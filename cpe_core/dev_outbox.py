"""The development outbox: in development, e-mails and SMS codes are kept, not sent, and a tester
reads them at ``/dev/outbox`` (linked from the footer).

On when ``CPE_DEV_OUTBOX`` is (its default is on only under ``CPE_ENV=development``); a
production configuration that turns it on is refused at start-up
(:func:`cpe_core.settings.dev_outbox_on`), since the page shows every code and invoice to whoever opens it. Messages are files in
``CPE_OUTBOX_DIR`` (default ``<instance>/outbox/``; one JSON file each, attachments beside it),
so a web process and a worker see the same outbox.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

from hookspecs import hookimpl

#: How many messages the page lists (newest first).
PAGE_SIZE = 200
_ID = re.compile(r"\d{19,20}-[0-9a-f]{8}")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def folder(instance_path: str) -> Path:
    return Path(instance_path) / "outbox"


class Outbox:
    """The messages kept in one folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, kind: str, to: str, body: str, *, subject: str = "", region: str | None = None,
               at: str = "", attachments: Iterable[tuple[str, bytes]] = ()) -> str:
        """Keep one message (``kind`` ``"sms"`` or ``"email"``); returns its id."""
        self.path.mkdir(parents=True, exist_ok=True)
        message_id = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        names = []
        for name, content in attachments:
            safe = _SAFE_NAME.sub("_", name) or "attachment"
            (self.path / message_id).mkdir(exist_ok=True)
            (self.path / message_id / safe).write_bytes(content)
            names.append(safe)
        record = {"id": message_id, "kind": kind, "to": to, "subject": subject, "body": body,
                  "region": region, "at": at, "attachments": names}
        temporary = self.path / f".{message_id}.tmp"
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        temporary.rename(self.path / f"{message_id}.json")  # readers never see half a file
        return message_id

    def messages(self, limit: int = PAGE_SIZE) -> list[dict]:
        """The newest ``limit`` messages, newest first."""
        if not self.path.is_dir():
            return []
        files = sorted(self.path.glob("*.json"), reverse=True)[:limit]
        return [json.loads(f.read_text(encoding="utf-8")) for f in files]

    def attachment(self, message_id: str, name: str) -> Path | None:
        """The stored attachment, or None (only names the message lists are looked up)."""
        if not _ID.fullmatch(message_id):
            return None
        index = self.path / f"{message_id}.json"
        if not index.is_file() or name not in json.loads(index.read_text(encoding="utf-8"))["attachments"]:
            return None
        found = self.path / message_id / name
        return found if found.is_file() else None


def outbox() -> Outbox | None:
    """The current app's outbox, or None when it is off."""
    from flask import current_app

    return current_app.extensions.get("cpe_dev_outbox")


class OutboxGateway:
    """A region-agnostic SMS gateway, registered only in development, that keeps every SMS in the
    outbox (``tryfirst``: in development no real gateway is asked)."""

    def __init__(self, box: Outbox) -> None:
        self.box = box

    @hookimpl(tryfirst=True)
    def cpe_send_sms(self, region: str, phone: str, message: str) -> bool:
        from . import clock

        self.box.record("sms", phone, message, region=region, at=clock.shanghai_text(clock.now(), clock.SECONDS))
        return True
