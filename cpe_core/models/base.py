"""Column helpers shared by the model modules."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

Model = db.Model


def created_at() -> Mapped[dt.datetime]:
    """A naive-UTC creation time set by the database."""
    return mapped_column(DateTime, server_default=func.current_timestamp(), nullable=False)
