"""The players' API heartbeat, answered in front of the Flask app.

Every learner watching a video sends a heartbeat every few seconds: it is the platform's
hottest request by far. Through the whole app it pays for what no heartbeat needs (URL
matching, the request context, Flask-Login loading the user, the limiter's and Babel's
per-request work, the ORM session), which cost several times the two statements the heartbeat
runs. This WSGI middleware answers the usual one itself:

``POST`` to the API's heartbeat URL, JSON body, signed in by the session cookie (no
``Authorization`` header), the cookie's Flask-Login session protection identifier matching
this client: it calls :func:`cpe_core.services.learning.quick_heartbeat`, the same rule the
API view's service runs, and answers exactly as the view would.

Everything else goes to the app unchanged, including every heartbeat the quick way declines
(a chapter's first or finishing heartbeat, a refusal, a token, an expired or foreign cookie):
nothing was written then, so the app answers it from scratch, its own way.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterable

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

from ..regions import RuleError
from ..services import learning

#: The endpoint whose URL the gateway answers.
ENDPOINT = "api.heartbeat"
#: A heartbeat's body is ``{"position": 12.5}``: anything much larger goes to the app.
MAX_BODY = 1024
#: Verified session cookies remembered per process (a verification is two HMACs and a JSON parse).
SESSION_CACHE_SIZE = 4096


def install(app: Flask) -> None:
    """Put the gateway in front of ``app`` (after every blueprint is registered)."""
    app.wsgi_app = HeartbeatGateway(app, app.wsgi_app)


def session_identifier(environ: dict) -> str:
    """The client identifier Flask-Login's session protection stores in the session (``_id``)
    and compares on every request: SHA-512 of the remote address (first ``X-Forwarded-For``
    entry if any) and the User-Agent, both as Flask-Login formats them (``flask_login.utils.
    _create_identifier``). tests/test_heartbeat_gateway.py holds the two to the same value."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return _identifier(address, agent)


@functools.lru_cache(maxsize=SESSION_CACHE_SIZE)
def _identifier(address: bytes | None, agent: bytes | None) -> str:
    return hashlib.sha512(f"{address}|{agent}".encode("utf8")).hexdigest()


@functools.lru_cache(maxsize=SESSION_CACHE_SIZE)
def _cookie(header: str, name: str) -> str | None:
    """The cookie ``name`` in a ``Cookie`` header, parsed as Werkzeug parses it for the app (a
    player sends the same header with every heartbeat)."""
    return parse_cookie(header).get(name)


class HeartbeatGateway:
    """WSGI middleware: the usual API heartbeat answered without the app (see the module)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._url: tuple[str, str] | None = None
        self._sessions: Callable[[str], tuple[dict, float] | None] | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            chapter_id = self._chapter_id(environ.get("PATH_INFO", ""))
            if chapter_id is not None:
                answer = self._answer(environ, chapter_id)
                if answer is not None:
                    return self._respond(answer, environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _respond(self, answer: dict, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """``answer`` as the API view's ``jsonify`` sends it (the app's JSON provider, its
        settings), marked as read from the session cookie as Flask marks it."""
        provider = self.app.json
        pretty = getattr(provider, "compact", None) is False or (
            getattr(provider, "compact", None) is None and self.app.debug
        )
        if pretty or not hasattr(provider, "compact"):  # the provider's own response object
            response = provider.response(answer)
            response.vary.add("Cookie")
            return response(environ, start_response)
        # What DefaultJSONProvider.response sends, without building a response object.
        body = f"{provider.dumps(answer, separators=(',', ':'))}\n".encode()
        start_response("200 OK", [
            ("Content-Type", provider.mimetype),
            ("Content-Length", str(len(body))),
            ("Vary", "Cookie"),
        ])
        return [body]

    def _chapter_id(self, path: str) -> int | None:
        if self._url is None:
            # The URL as the API declares it, e.g. /api/v1/chapters/<int:chapter_id>/heartbeat.
            (rule,) = [r.rule for r in self.app.url_map.iter_rules(ENDPOINT)]
            prefix, suffix = rule.split("<int:chapter_id>")
            self._url = (prefix, suffix)
        prefix, suffix = self._url
        if not (path.startswith(prefix) and path.endswith(suffix)):
            return None
        digits = path[len(prefix):len(path) - len(suffix)]
        return int(digits) if digits.isascii() and digits.isdigit() else None

    def _answer(self, environ: dict, chapter_id: int) -> dict | None:
        """The app's answer to this heartbeat, or None to let the app answer it."""
        if "HTTP_AUTHORIZATION" in environ:
            return None  # may be a token: Flask-Login's way (revocation and all)
        if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != "application/json":
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= MAX_BODY:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # the app reads it again if it answers
        user_id = self._session_user(environ)
        if user_id is None:
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        with self.app.app_context():
            try:
                result = learning.quick_heartbeat(user_id, chapter_id, data.get("position"))
            except RuleError:
                return None
        return None if result is None else result.as_dict()

    def _session_user(self, environ: dict) -> int | None:
        """The user id of a valid session cookie that passes session protection, else None."""
        cookie = _cookie(environ.get("HTTP_COOKIE", ""), self.app.config["SESSION_COOKIE_NAME"])
        if not cookie:
            return None
        verified = self._verified_sessions()(cookie)
        if verified is None:
            return None
        session, signed_at = verified
        if time.time() - signed_at > self.app.permanent_session_lifetime.total_seconds():
            return None  # expired: the app treats it as no session at all
        user_id = session.get("_user_id")
        if user_id is None or session.get("_id") != session_identifier(environ):
            return None  # signed out, or from another client: session protection's way
        try:
            return int(user_id)
        except (TypeError, ValueError):
            return None

    def _verified_sessions(self) -> Callable[[str], tuple[dict, float] | None]:
        if self._sessions is None:
            interface = self.app.session_interface
            # Another session interface (server-side sessions) keeps its own rules: no gateway.
            serializer = (
                interface.get_signing_serializer(self.app)
                if type(interface) is SecureCookieSessionInterface else None
            )

            @functools.lru_cache(maxsize=SESSION_CACHE_SIZE)
            def verify(cookie: str) -> tuple[dict, float] | None:
                # The same cookie verifies the same way every time; only its age changes, and
                # the caller checks that on every request.
                if serializer is None:
                    return None
                try:
                    session, signed_at = serializer.loads(cookie, return_timestamp=True)
                except BadSignature:
                    return None
                return session, signed_at.timestamp()

            self._sessions = verify
        return self._sessions
