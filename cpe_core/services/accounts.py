"""Accounts: creating users, checking and changing passwords, and staff disabling an account
(which, like a password change, ends every session of the account: :mod:`.sessions`)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LearnerProfile, User
from . import audit, sessions
from .identity import InvalidInput, check_password

MSG_WRONG_PASSWORD = "原密码错误。"
MSG_PASSWORD_MISMATCH = "两次输入的密码不一致。"


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


def change_password(user: User, current: str, password: str, password2: str) -> None:
    """Set ``user``'s new password after checking the current one; every session and API token
    of the account ends, this one too (the user signs in again with the new password). Commit.

    :raises InvalidInput: ``wrong_password``, ``weak_password``, ``password_mismatch``.
    """
    if not check_password_hash(user.password_hash, current or ""):
        raise InvalidInput("wrong_password", MSG_WRONG_PASSWORD)
    check_password(password)
    if password != password2:
        raise InvalidInput("password_mismatch", MSG_PASSWORD_MISMATCH)
    user.password_hash = hash_password(password)
    sessions.end(user)
    audit.record("account.password_changed", f"user:{user.id}", actor=user, region=user.region)
    db.session.commit()


def set_active(staff: User, user: User, active: bool) -> None:
    """Enable or disable ``user``'s account (staff, audited); disabling ends every session and
    API token of the account, and a disabled account cannot sign in. Commit."""
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        sessions.end(user)
    audit.record("account.enabled" if active else "account.disabled", f"user:{user.id}", actor=staff,
                 region=user.region, after={"active": active})
    db.session.commit()
