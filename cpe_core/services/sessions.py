"""Sessions that end: one live session per account, and the one check every way in makes.

Each account has at most one live session, ``User.session_token``: a random token made at
sign-in, on the site or through the API, for every role alike. The session cookie carries it
(Flask-Login keeps ``User.get_id()``, ``"<id>:<token>"``) and so do API tokens. Then:

- a new sign-in replaces the token: the older browser or client is signed out at its next
  request and told that the account signed in elsewhere (:data:`MSG_REPLACED`, the seeds'
  "该用户已登录"; the API answers 401 ``session_replaced``);
- signing out, a password change or reset, and staff disabling the account clear it: every
  session and API token of the account ends (:func:`end`).

:func:`verdict` is the one check of a session. The app's user loader (session cookies) and
request loader (API tokens) call it (:mod:`cpe_core.auth`), and so does the heartbeat's access
query on the fast path in front of the app (:mod:`cpe_core.speed.heartbeat_gateway`), which reads
the account's token in the SELECT it makes anyway: no path keeps a copy of the rule, and the
fast path pays no extra query for it. :func:`client_identifier` is the other half of a
session's check, Flask-Login's session protection: the app installs it as Flask-Login's own
identifier (:func:`install_identifier`), so the gateway compares with the very same function.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from flask import request

from ..extensions import db
from ..models import User
from ..transactions import begin_write

LIVE = "live"
#: A newer sign-in took the account's session over.
REPLACED = "replaced"
#: Signed out, password changed or reset, account disabled (or never signed in).
ENDED = "ended"

MSG_REPLACED = "您的账号已在其他地方登录，请重新登录。"
MSG_ENDED = "请先登录。"
#: The API's stable code per verdict.
API_CODES = {REPLACED: "session_replaced", ENDED: "login_required"}
API_MESSAGES = {REPLACED: MSG_REPLACED, ENDED: MSG_ENDED}
#: Client identifiers remembered per process (a player sends the same headers every time).
IDENTIFIER_CACHE_SIZE = 4096


def verdict(claimed: str | None, current: str | None, active: bool) -> str:
    """Whether a session claiming token ``claimed`` is the account's live one.

    :param claimed: the token the cookie or API token carries.
    :param current: the account's ``session_token`` as read now (None: signed out).
    :param active: whether the account is active (staff may disable it).
    :returns: :data:`LIVE`, :data:`REPLACED` (a newer sign-in holds the account) or
        :data:`ENDED`.
    """
    if not active or not current or not claimed:
        return ENDED
    if not hmac.compare_digest(claimed.encode(), current.encode()):
        return REPLACED
    return LIVE


def begin(user: User) -> str:
    """Start ``user``'s one live session, ending any other (site or API); commit.

    :returns: the new token (``user.get_id()`` and API tokens carry it).
    """
    # Signing in read the account first: on SQLite that read cannot become a write once another
    # connection has written (a concurrent sign-in, a captcha used up), so take the lock anew.
    begin_write()
    token = user.session_token = secrets.token_urlsafe(16)
    db.session.commit()
    return token


def end(user: User) -> None:
    """End every session and API token of ``user``; the caller commits, with the change that
    ends them (a new password, the account disabled), so neither goes without the other."""
    user.session_token = None


def client_identifier(environ: dict) -> str:
    """The client identifier of Flask-Login's session protection, stored in the session
    (``_id``) at sign-in and compared on every request: SHA-512 of the remote address (first
    ``X-Forwarded-For`` entry if any) and the User-Agent, formatted as Flask-Login's own
    ``_create_identifier`` formats them (tests/test_heartbeat_gateway.py holds the two equal)."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return _identifier(address, agent)


@functools.lru_cache(maxsize=IDENTIFIER_CACHE_SIZE)
def _identifier(address: bytes | None, agent: bytes | None) -> str:
    return hashlib.sha512(f"{address}|{agent}".encode("utf8")).hexdigest()


def install_identifier(login_manager) -> None:
    """Make :func:`client_identifier` the identifier Flask-Login's session protection stores
    and compares (its ``_session_identifier_generator``), so the heartbeat gateway, which
    compares without a request, uses the same function as the app."""
    login_manager._session_identifier_generator = lambda: client_identifier(request.environ)
