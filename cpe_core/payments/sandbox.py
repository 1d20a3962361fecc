"""A sandbox payment provider that behaves like WeChat Pay or Alipay, so the whole purchase runs
on one machine.

It holds no region rule. Like the real gateways it

- opens a payment and sends the learner to a pay page (standing in for the phone that scans the
  QR code): ``/sandbox-pay/<merchant_ref>``, served by :data:`bp`;
- when the learner confirms there, POSTs a signed server-to-server notification (JSON body,
  ``X-Sandbox-Signature`` = HMAC-SHA256 of the body with ``CPE_SANDBOX_SECRET``) to the
  project's notify URL, then sends the learner back to the return URL;
- answers queries (for a notification that is late or lost) and refunds.

Its ledger is kept in memory, per app: good for tests and demos, never for real money. It is on
when ``CPE_PAYMENT_SANDBOX`` is true (the default outside production).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, redirect, render_template, request

from hookspecs import (
    InvalidNotification,
    PaymentInstruction,
    PaymentNotification,
    PaymentProviderError,
    PaymentRequest,
    PaymentStatus,
    RefundResult,
)

from ..extensions import csrf, db
from ..settings import sandbox_enabled

log = logging.getLogger("cpe.payments.sandbox")
CODE = "sandbox"
SIGNATURE_HEADER = "X-Sandbox-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature the sandbox puts on a notification body."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class SandboxPayment:
    request: PaymentRequest
    paid: bool = False
    transaction_id: str = ""
    refunded_fen: int = 0
    refunds: list[str] = field(default_factory=list)


class SandboxProvider:
    """The sandbox gateway and its merchant-side client in one object."""

    code = CODE
    name = "模拟支付（沙箱）"

    def __init__(self, secret: str, *, deliver: bool = True, timeout: float = 5.0) -> None:
        self.secret = secret
        self.deliver = deliver
        self.timeout = timeout
        self.payments: dict[str, SandboxPayment] = {}
        #: merchant refs whose notification the merchant acknowledged (for tests and demos)
        self.delivered: list[str] = []
        self._lock = threading.Lock()

    # --- the merchant-side interface (hookspecs.PaymentProvider) -----------------------------

    def create(self, request: PaymentRequest) -> PaymentInstruction:
        with self._lock:
            existing = self.payments.get(request.merchant_ref)
            if existing is None:
                self.payments[request.merchant_ref] = SandboxPayment(request)
            elif existing.request.amount_fen != request.amount_fen:
                raise PaymentProviderError("支付金额与原支付单不一致。")
        return PaymentInstruction(kind="redirect", url=f"/sandbox-pay/{request.merchant_ref}")

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentNotification:
        given = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, sign(self.secret, body)):
            raise InvalidNotification("bad signature")
        try:
            data = json.loads(body)
            return PaymentNotification(
                merchant_ref=str(data["merchant_ref"]),
                amount_fen=int(data["amount_fen"]),
                paid=data["status"] == "paid",
                transaction_id=str(data.get("transaction_id", "")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidNotification(f"unreadable body: {error}") from error

    def query(self, merchant_ref: str) -> PaymentStatus:
        payment = self.payments.get(merchant_ref)
        if payment is None:
            return PaymentStatus(merchant_ref, paid=False)
        return PaymentStatus(
            merchant_ref, paid=payment.paid, amount_fen=payment.request.amount_fen,
            transaction_id=payment.transaction_id,
        )

    def refund(self, merchant_ref: str, refund_ref: str, amount_fen: int) -> RefundResult:
        with self._lock:
            payment = self.payments.get(merchant_ref)
            if payment is None or not payment.paid:
                raise PaymentProviderError("该支付单未付款，无法退款。")
            if refund_ref in payment.refunds:  # a retried refund is answered, not repeated
                return RefundResult(refund_ref, amount_fen)
            if payment.refunded_fen + amount_fen > payment.request.amount_fen:
                raise PaymentProviderError("退款金额超过实付金额。")
            payment.refunded_fen += amount_fen
            payment.refunds.append(refund_ref)
        return RefundResult(refund_ref, amount_fen)

    # --- the gateway side: what the learner's phone and the provider's servers do -------------

    def notification(self, merchant_ref: str, *, amount_fen: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The signed notification the gateway sends for ``merchant_ref`` (body, headers)."""
        payment = self.payments[merchant_ref]
        body = json.dumps(
            {
                "merchant_ref": merchant_ref,
                "amount_fen": payment.request.amount_fen if amount_fen is None else amount_fen,
                "status": "paid" if payment.paid else "unpaid",
                "transaction_id": payment.transaction_id,
                "nonce": secrets.token_hex(8),
            },
            sort_keys=True,
        ).encode("utf-8")
        return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}

    def pay(self, merchant_ref: str) -> SandboxPayment:
        """The learner confirmed on the pay page: money taken (once)."""
        with self._lock:
            payment = self.payments[merchant_ref]
            if not payment.paid:
                payment.paid = True
                payment.transaction_id = "SBX" + secrets.token_hex(10).upper()
        return payment

    def notify(self, merchant_ref: str) -> bool:
        """POST the signed notification to the merchant's notify URL; True when acknowledged."""
        body, headers = self.notification(merchant_ref)
        url = self.payments[merchant_ref].request.notify_url
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                if response.status == 200:
                    self.delivered.append(merchant_ref)
                return response.status == 200
        except (urllib.error.URLError, OSError) as error:
            # Like a real gateway: the merchant will have to query (the return page does).
            log.warning("sandbox notification for %s to %s failed: %s", merchant_ref, url, error)
            return False


def providers(settings: Mapping[str, object]) -> list[SandboxProvider]:
    """The sandbox provider when ``CPE_PAYMENT_SANDBOX`` is on."""
    if not sandbox_enabled(settings):
        return []
    secret = str(settings.get("CPE_SANDBOX_SECRET") or settings.get("SECRET_KEY") or "sandbox")
    return [SandboxProvider(secret, deliver=bool(settings.get("CPE_SANDBOX_DELIVER", True)))]


# --- the pay page ----------------------------------------------------------------------------

bp = Blueprint("sandbox_pay", __name__, url_prefix="/sandbox-pay")
csrf.exempt(bp)  # it stands for the provider's own site, not ours


def _provider() -> SandboxProvider:
    provider = current_app.extensions["cpe"].payment_providers().get(CODE)
    if not isinstance(provider, SandboxProvider):
        abort(404)
    return provider


@bp.get("/<merchant_ref>")
def pay_page(merchant_ref: str):
    payment = _provider().payments.get(merchant_ref)
    if payment is None:
        abort(404)
    return render_template("sandbox/pay.html", payment=payment, merchant_ref=merchant_ref)


@bp.post("/<merchant_ref>")
def confirm(merchant_ref: str):
    provider = _provider()
    if merchant_ref not in provider.payments:
        abort(404)
    payment = provider.pay(merchant_ref)
    # This request stands for the provider, not our app: hold no database transaction while the
    # notification is handled (on SQLite an open read would block its write).
    db.session.close()
    if provider.deliver and request.form.get("notify", "1") == "1":
        provider.notify(merchant_ref)
    return redirect(payment.request.return_url)
