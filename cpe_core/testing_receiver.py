"""A fake provincial platform: a real HTTP server on loopback that receives pushed credit records.

Tests (and anyone trying pushes locally) start it with :func:`running_receiver`; the server can
be told to fail, to time out, or to store a record and answer too late, and it keeps what it
received per idempotency key, like a well-behaved receiver::

    with running_receiver() as receiver:
        app.config[export.push_url_setting] = receiver.url
        receiver.fail_next(2, status=503)
        ...
        assert len(receiver.records) == 1
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Receiver:
    """What the fake platform received and how it is told to behave."""

    url: str = ""
    token: str | None = None
    #: idempotency key -> the record as received (one per key, however often it was sent)
    records: dict[str, dict] = field(default_factory=dict)
    #: every request: (method, path, idempotency key header)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    #: key -> status the GET endpoint reports (default: the first status, ``returned``)
    statuses: dict[str, str] = field(default_factory=dict)
    first_status: str = "returned"
    _failures: list[tuple[int, str]] = field(default_factory=list)
    _slow: list[float] = field(default_factory=list)
    _store_then_slow: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, times: int, status: int = 503, body: str = '{"error": "系统维护中"}') -> None:
        """Refuse the next ``times`` POSTs with ``status`` and ``body``."""
        with self.lock:
            self._failures.extend([(status, body)] * times)

    def hang_next(self, times: int, seconds: float) -> None:
        """Answer the next ``times`` POSTs only after ``seconds`` (and store nothing)."""
        with self.lock:
            self._slow.extend([seconds] * times)

    def store_then_hang_next(self, times: int, seconds: float) -> None:
        """Store the next ``times`` records, then answer too late: the client sees a timeout
        although the record arrived, and its retry must not make a duplicate."""
        with self.lock:
            self._store_then_slow.extend([seconds] * times)

    def set_status(self, key: str, status: str) -> None:
        self.statuses[key] = status

    # --- the WSGI app --------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        with self.lock:
            self.requests.append((request.method, request.path, key))
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"error": "unauthorized"}, 401)
        if request.method == "GET":
            wanted = request.path.rstrip("/").rsplit("/", 1)[-1]
            if wanted not in self.records:
                return _json({"error": "not found"}, 404)
            return _json({"status": self.statuses.get(wanted, self.first_status)})
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
            slow = self._slow.pop(0) if self._slow else None
            store_then_slow = self._store_then_slow.pop(0) if self._store_then_slow else None
        if failure is not None:
            return Response(failure[1], status=failure[0], content_type="application/json")
        if slow is not None:
            time.sleep(slow)
            return _json({"error": "too late"}, 504)
        payload = request.get_json(silent=True) or {}
        if not key or payload.get("idempotency_key") != key:
            return _json({"error": "missing idempotency key"}, 400)
        with self.lock:
            duplicate = key in self.records
            if not duplicate:
                self.records[key] = payload
        if store_then_slow is not None:
            time.sleep(store_then_slow)
        if duplicate:
            return _json({"status": self.statuses.get(key, self.first_status), "duplicate": True}, 409)
        return _json({"status": self.statuses.get(key, self.first_status), "received": key}, 201)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


@contextmanager
def running_receiver(token: str | None = None, path: str = "/api/cpe/records") -> Iterator[Receiver]:
    """Serve a :class:`Receiver` on 127.0.0.1 (a free port) in a thread for the block."""
    receiver = Receiver(token=token)
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    receiver.url = f"http://127.0.0.1:{server.server_port}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        thread.join(timeout=5)
