"""Accounts: creating users and checking passwords."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LearnerProfile, User


def hash_password(password: str) -> str:
    """A slow salted hash (scrypt by default; tests configure a cheaper method)."""
    return generate_password_hash(password, method=current_app.config["CPE_PASSWORD_METHOD"])


def find_user(region: str | None, login: str) -> User | None:
    return db.session.scalar(select(User).where(User.region == region, User.login == login))


def authenticate(region: str | None, login: str, password: str) -> User | None:
    """The active user with this login and password in ``region``, or None."""
    user = find_user(region, login.strip())
    if user is None or not user.is_active:
        return None
    return user if check_password_hash(user.password_hash, password) else None


def create_user(
    *,
    region: str | None,
    login: str,
    name: str,
    password: str,
    role: str = "learner",
    phone: str | None = None,
    **profile: object,
) -> User:
    """Add a user (and, for learners, their profile) to the session; the caller commits."""
    user = User(
        region=region,
        login=login,
        name=name,
        role=role,
        phone=phone or None,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    if role == "learner":
        user.profile = LearnerProfile(**profile)
    return user
