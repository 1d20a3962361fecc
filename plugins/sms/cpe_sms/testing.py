"""Fake Alibaba Cloud and Tencent Cloud SMS servers: real HTTP servers on 127.0.0.1 that check
each request's signature against the keys the test gave them, as the providers document it
(ACS3-HMAC-SHA256; TC3-HMAC-SHA256), and keep what they accepted::

    with running_aliyun(key_id, secret) as fake:
        app = create_app({..., "CPE_ALIYUN_SMS_ENDPOINT": fake.url, ...})
        ...
        assert fake.sent[0]["TemplateParam"] == {"code": ...}

A request whose signature does not match, whose body hash is wrong, or whose nonce was seen
before is refused with the provider's error code and counted in ``refused``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

_ACS3 = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$")
_TC3 = re.compile(r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
                  r"SignedHeaders=([^,]+), Signature=([0-9a-f]+)$")


@dataclass
class FakeProvider:
    key_id: str
    secret: str
    url: str = ""
    #: what was accepted: one dict per message
    sent: list[dict] = field(default_factory=list)
    #: the error codes of refused requests
    refused: list[str] = field(default_factory=list)
    #: a business refusal (``(code, message)``) the next sends get, e.g. a daily limit
    refuse_next: list[tuple[str, str]] = field(default_factory=list)
    seen_nonces: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:  # pragma: no cover (overridden)
        raise NotImplementedError


class FakeAliyun(FakeProvider):
    """Dysmsapi 2017-05-25 ``SendSms``, signed with ACS3-HMAC-SHA256."""

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        problem = self.check_signature(request, body)
        if problem:
            with self.lock:
                self.refused.append(problem)
            return _json({"Code": problem, "Message": "Specified signature does not match our calculation.",
                          "RequestId": "fake"}, 400)
        if request.headers.get("x-acs-action") != "SendSms":
            return _json({"Code": "InvalidAction.NotFound", "RequestId": "fake"}, 404)
        with self.lock:
            refusal = self.refuse_next.pop(0) if self.refuse_next else None
            if refusal:
                return _json({"Code": refusal[0], "Message": refusal[1], "RequestId": "fake"})
            args = request.args
            self.sent.append({"PhoneNumbers": args["PhoneNumbers"], "SignName": args["SignName"],
                              "TemplateCode": args["TemplateCode"],
                              "TemplateParam": json.loads(args.get("TemplateParam") or "{}")})
        return _json({"Code": "OK", "Message": "OK", "BizId": f"{len(self.sent)}^0", "RequestId": "fake"})

    def check_signature(self, request: Request, body: bytes) -> str:
        match = _ACS3.match(request.headers.get("Authorization", ""))
        if not match or match.group(1) != self.key_id:
            return "InvalidAccessKeyId.NotFound"
        payload_hash = hashlib.sha256(body).hexdigest()
        if request.headers.get("x-acs-content-sha256") != payload_hash:
            return "ContentSHA256NotMatched"
        signed = match.group(2).split(";")
        if not {"host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(signed):
            return "IncompleteSignature"
        query = "&".join(f"{key}={quote(request.args[key], safe='~')}" for key in sorted(request.args))
        headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join([request.method, request.path, query, headers, ";".join(signed), payload_hash])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match.group(3)):
            return "SignatureDoesNotMatch"
        stamp = dt.datetime.strptime(request.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        if abs((dt.datetime.now(dt.timezone.utc) - stamp).total_seconds()) > 900:
            return "InvalidTimeStamp.Expired"
        nonce = request.headers["x-acs-signature-nonce"]
        with self.lock:
            if nonce in self.seen_nonces:
                return "SignatureNonceUsed"
            self.seen_nonces.add(nonce)
        return ""


class FakeTencent(FakeProvider):
    """SMS 2021-01-11 ``SendSms``, signed with TC3-HMAC-SHA256."""

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        problem = self.check_signature(request, body)
        if problem:
            with self.lock:
                self.refused.append(problem)
            return _json({"Response": {"Error": {"Code": problem, "Message": "signature check failed"},
                                       "RequestId": "fake"}})
        payload = json.loads(body)
        with self.lock:
            refusal = self.refuse_next.pop(0) if self.refuse_next else None
            if not refusal:
                self.sent.append(payload)
        status = ({"Code": refusal[0], "Message": refusal[1]} if refusal else {"Code": "Ok", "Message": "send success"})
        return _json({"Response": {"SendStatusSet": [{
            "SerialNo": "fake", "PhoneNumber": payload["PhoneNumberSet"][0], "Fee": 1, "SessionContext": "",
            "IsoCode": "CN", **status}], "RequestId": "fake"}})

    def check_signature(self, request: Request, body: bytes) -> str:
        match = _TC3.match(request.headers.get("Authorization", ""))
        if not match or match.group(1) != self.key_id:
            return "AuthFailure.SecretIdNotFound"
        _, date, service, signed, signature = match.groups()
        if signed != "content-type;host" or service != "sms":
            return "AuthFailure.SignatureFailure"
        timestamp = request.headers.get("X-TC-Timestamp", "0")
        if abs(time.time() - int(timestamp)) > 300:
            return "AuthFailure.SignatureExpire"
        canonical = "\n".join([
            request.method, request.path, request.query_string.decode(),
            f"content-type:{request.headers.get('Content-Type', '')}\nhost:{request.headers.get('Host', '')}\n",
            signed, hashlib.sha256(body).hexdigest(),
        ])
        scope = f"{date}/{service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + self.secret).encode()
        for part in (date, service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "AuthFailure.SignatureFailure"
        with self.lock:
            if signature in self.seen_nonces:  # the same signed request again: a replay
                return "AuthFailure.SignatureFailure"
            self.seen_nonces.add(signature)
        return ""


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


class _Quiet(WSGIRequestHandler):
    """The provider's own access log is not the app's: keep it out of the logs tests capture."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def _serving(provider: FakeProvider) -> Iterator[FakeProvider]:
    server = make_server("127.0.0.1", 0, provider, threaded=True, request_handler=_Quiet)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def running_aliyun(key_id: str, secret: str) -> Iterator[FakeAliyun]:
    """A :class:`FakeAliyun` on 127.0.0.1 (a free port) for the block; its ``url`` is the
    endpoint to set as ``CPE_ALIYUN_SMS_ENDPOINT``."""
    with _serving(FakeAliyun(key_id, secret)) as fake:
        yield fake


@contextmanager
def running_tencent(secret_id: str, secret_key: str) -> Iterator[FakeTencent]:
    """A :class:`FakeTencent` on 127.0.0.1 for the block (``CPE_TENCENT_SMS_ENDPOINT``)."""
    with _serving(FakeTencent(secret_id, secret_key)) as fake:
        yield fake
