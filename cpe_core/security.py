"""Login throttling (Flask-Limiter), signing out, and the 30-minute idle sign-out, per app.

Each app gets its own :class:`flask_limiter.Limiter` in ``app.extensions["cpe_limiter"]``;
storage is in memory unless ``CPE_RATELIMIT_STORAGE_URI`` names a shared one (e.g. Redis) for a
deployment with several workers.
"""
from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from . import clock
from .extensions import db
from .services import sessions
from .transactions import begin_write

#: "如30分钟内不操作，系统会自动退出提示重新登录" (the seeds); configurable.
IDLE_MINUTES = 30
MSG_IDLE = "您已超过{minutes}分钟未操作，系统已自动退出，请重新登录。"
#: Endpoints Flask-Limiter skips outright (they have no limit).
UNLIMITED_ENDPOINTS = frozenset({"api.heartbeat", "study.heartbeat"})


def init_app(app: Flask) -> None:
    app.config.setdefault("CPE_RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("CPE_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes")
    app.config.setdefault("CPE_LOGIN_LIMIT_ADDRESS", "30 per 15 minutes")
    app.config.setdefault("CPE_IDLE_MINUTES", IDLE_MINUTES)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["CPE_RATELIMIT_STORAGE_URI"],
        key_prefix="cpe",
        default_limits=[],
    )
    app.extensions["cpe_limiter"] = limiter
    # No rate limit applies to the players' heartbeats (every learner watching sends one every
    # few seconds): spare them the limiter's per-request bookkeeping.
    limiter.request_filter(lambda: request.endpoint in UNLIMITED_ENDPOINTS)
    # First of all before-request functions: per-request state must not leak between requests.
    app.before_request_funcs.setdefault(None, []).insert(0, forget_previous_request)
    app.before_request(sign_out_when_idle)


def limiter() -> Limiter:
    return current_app.extensions["cpe_limiter"]


def idle_message() -> str:
    return MSG_IDLE.format(minutes=current_app.config["CPE_IDLE_MINUTES"])


def forget_previous_request() -> None:
    """Flask-Login and Flask-WTF cache the user and the CSRF token on ``g``, which belongs to the
    app context: a request pushed inside an existing app context (tests, embedding) would see the
    previous request's user. Each request starts afresh."""
    g.pop("_login_user", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def sign_out() -> None:
    """Sign this browser out and end every session and API token of its account (there is one
    live session per account: :mod:`cpe_core.services.sessions`). A browser whose session had
    already ended touches nothing of the account's."""
    if current_user.is_authenticated:
        begin_write()  # the request read before (see cpe_core.transactions)
        sessions.end(current_user)
        db.session.commit()
    logout_user()


def sign_out_when_idle():
    """Sign out a session left alone longer than ``CPE_IDLE_MINUTES`` (by the app's clock)."""
    if request.path.startswith(("/api/", "/static/")) or not current_user.is_authenticated:
        return None
    now = clock.now().timestamp()
    seen = session.get("seen")
    if seen is not None and now - seen > current_app.config["CPE_IDLE_MINUTES"] * 60:
        sign_out()
        session.clear()
        session["idle_notice"] = True
        region = getattr(g, "region", None)
        target = url_for("region.login", region=region.code) if region else url_for("site.login")
        return redirect(target)
    session["seen"] = now
    return None
