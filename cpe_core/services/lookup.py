"""Finding a region's learner by what staff type: a login (ID or member number) or an id."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import User


def find_learner(region: str, key: str) -> User | None:
    key = key.strip()
    user = db.session.scalar(
        select(User).where(User.region == region, User.login == key, User.role == "learner")
    )
    if user is None and key.isdigit() and len(key) < 12:
        user = db.session.get(User, int(key))
        if user is not None and (user.region != region or user.role != "learner"):
            user = None
    return user
