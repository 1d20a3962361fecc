"""Uploaded files kept on disk: offset evidence, chapter handouts.

Files live in ``CPE_UPLOAD_DIR`` (default ``<instance>/uploads``), never under ``static``: only a
view that checked who asks sends one. Each is stored under a random key (its name on disk), so a
name the browser sent is shown to people but never used as a path. The database row that owns
a file keeps its key; the caller writes the file before committing that row and removes it again
if the commit fails, so no row points at a missing file.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: its name is shown, never trusted."""

    filename: str
    data: bytes


def upload_dir() -> Path:
    """Where uploads live: ``CPE_UPLOAD_DIR`` or ``<instance>/uploads``, never under static."""
    configured = current_app.config.get("CPE_UPLOAD_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(key: str) -> Path:
    return upload_dir() / key


def store(data: bytes, extension: str) -> str:
    """Write ``data`` under a new random key ending in ``.extension``; the key."""
    key = f"{secrets.token_hex(16)}.{extension}"
    path_of(key).write_bytes(data)
    return key


def remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
