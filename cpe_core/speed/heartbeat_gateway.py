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

The session is checked as the app checks it, by the same functions, not copies: the cookie is
verified with the app's own session serializer; the client identifier is
:func:`cpe_core.services.sessions.client_identifier`, which the app installs as Flask-Login's
own; and whether the session is still the account's live one (not signed out, replaced by a
newer sign-in, ended by a password change or reset or by staff disabling the account) is
:func:`cpe_core.services.sessions.verdict`, which the app's user loader calls and the quick
heartbeat calls on the account's token read in its access SELECT.

Everything else goes to the app unchanged, including every heartbeat the quick way declines
(a chapter's first or finishing heartbeat, a refusal, a token, an expired, foreign or ended
session): nothing was written then, so the app answers it from scratch, its own way.
"""
from __future__ import annotations

import functools
import io
import json
import time
from collections.abc import Callable, Iterable

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

from ..models import User
from ..regions import RuleError
from ..services import learning
from ..services.sessions import client_identifier

#: The endpoint whose URL the gateway answers.
ENDPOINT = "api.heartbeat"
#: A heartbeat's body is ``{"position": 12.5}``: anything much larger goes to the app.
MAX_BODY = 1024
#: Verified session cookies remembered per process (a verification is two HMACs and a JSON parse).
SESSION_CACHE_SIZE = 4096


def install(app: Flask) -> None:
    """Put the gateway in front of ``app`` (after every blueprint is registered)."""
    app.wsgi_app = HeartbeatGateway(app, app.wsgi_app)


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
        self._sessions: Callable[[str], tuple[tuple[int, str], str | None, float] | None] | None = None

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
        claim = self._session_claim(environ)
        if claim is None:
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        with self.app.app_context():
            try:
                result = learning.quick_heartbeat(claim[0], chapter_id, data.get("position"), session=claim[1])
            except RuleError:
                return None
        return None if result is None else result.as_dict()

    def _session_claim(self, environ: dict) -> tuple[int, str] | None:
        """``(user id, session token)`` a valid session cookie that passes session protection
        claims, else None. Whether that session is still the account's live one, the quick
        heartbeat's access SELECT checks (``learning.quick_heartbeat(..., session=token)``)."""
        cookie = _cookie(environ.get("HTTP_COOKIE", ""), self.app.config["SESSION_COOKIE_NAME"])
        if not cookie:
            return None
        verified = self._verified_sessions()(cookie)
        if verified is None:
            return None
        claim, identifier, signed_at = verified
        if time.time() - signed_at > self.app.permanent_session_lifetime.total_seconds():
            return None  # expired: the app treats it as no session at all
        if identifier != client_identifier(environ):
            return None  # from another client: session protection's way
        return claim

    def _verified_sessions(self) -> Callable[[str], tuple[tuple[int, str], str | None, float] | None]:
        if self._sessions is None:
            interface = self.app.session_interface
            # Another session interface (server-side sessions) keeps its own rules: no gateway.
            serializer = (
                interface.get_signing_serializer(self.app)
                if type(interface) is SecureCookieSessionInterface else None
            )

            @functools.lru_cache(maxsize=SESSION_CACHE_SIZE)
            def verify(cookie: str) -> tuple[tuple[int, str], str | None, float] | None:
                # The same cookie verifies the same way every time; only its age changes, and
                # the caller checks that on every request.
                if serializer is None:
                    return None
                try:
                    session, signed_at = serializer.loads(cookie, return_timestamp=True)
                except BadSignature:
                    return None
                # Flask-Login keeps User.get_id() there: the account and its session's token.
                claim = User.read_id(session.get("_user_id", ""))
                if claim is None:
                    return None  # signed out
                return claim, session.get("_id"), signed_at.timestamp()

            self._sessions = verify
        return self._sessions
