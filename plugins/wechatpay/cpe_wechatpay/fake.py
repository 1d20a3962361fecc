"""A WeChat Pay server for tests: a real HTTP server on 127.0.0.1 that speaks API v3 as the
merchant's SDK sees it, with keys the test generates.

It checks each request's ``Authorization`` signature with the merchant's public key, signs
each answer with its own platform key (certificate serial in ``Wechatpay-Serial``), and sends
notifications encrypted with the APIv3 key (AES-256-GCM) and signed like the real ones.
It keeps its trades in memory: ``pay`` stands for the learner's phone paying, ``notify`` for
WeChat Pay's server calling the merchant back. Never for real money.
"""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def certificate(key: rsa.RSAPrivateKey, serial: int, name: str = "Tenpay.com Root CA") -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(serial).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))


def sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class Merchant:
    """What the test generates for one merchant account, and the settings naming it."""

    mch_id: str = "1900000109"
    appid: str = "wxd678efh567hg6787"
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))
    key: rsa.RSAPrivateKey = field(default_factory=new_key, repr=False)
    cert_serial_no: str = field(default_factory=lambda: secrets.token_hex(20).upper())

    def settings(self, folder: Path, base_url: str, platform_cert_pem: str, platform_serial: str,
                 prefix: str = "CPE_WECHATPAY_") -> dict[str, str]:
        """Write the key and the platform certificate into ``folder``; the settings naming them."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "apiclient_key.pem").write_text(private_pem(self.key))
        (folder / "apiv3_key.txt").write_text(self.apiv3_key)
        certs = folder / "platform"
        certs.mkdir(exist_ok=True)
        (certs / f"{platform_serial}.pem").write_text(platform_cert_pem)
        return {
            f"{prefix}MCH_ID": self.mch_id,
            f"{prefix}APPID": self.appid,
            f"{prefix}CERT_SERIAL_NO": self.cert_serial_no,
            f"{prefix}PRIVATE_KEY_FILE": str(folder / "apiclient_key.pem"),
            f"{prefix}APIV3_KEY_FILE": str(folder / "apiv3_key.txt"),
            f"{prefix}PLATFORM_CERT_DIR": str(certs),
            f"{prefix}BASE_URL": base_url,
        }


@dataclass
class Trade:
    out_trade_no: str
    amount_fen: int
    notify_url: str
    kind: str
    state: str = "NOTPAY"  # NOTPAY, SUCCESS, CLOSED, REFUND
    transaction_id: str = ""
    paid_at: dt.datetime | None = None
    refunds: dict[str, int] = field(default_factory=dict)
    day: dt.date | None = None
    #: what the merchant asked: the expiry time and, for H5, the payer's scene
    time_expire: str = ""
    scene_info: dict = field(default_factory=dict)


class FakeWeChatPay:
    """The server. ``with FakeWeChatPay(merchant) as fake:`` serves on ``fake.url``."""

    def __init__(self, merchant: Merchant) -> None:
        self.merchant = merchant
        self.platform_key = new_key()
        self.platform_serial = secrets.token_hex(8).upper()
        self.platform_cert = certificate(self.platform_key, int(self.platform_serial, 16))
        #: set when the merchant verifies with WeChat Pay's public key (``settings(public_key=True)``)
        self.public_key_id = ""
        self.trades: dict[str, Trade] = {}
        #: (method, path) of every request the merchant made, in order
        self.calls: list[tuple[str, str]] = []
        #: extra bill lines (already formatted) and trades to leave out of the bill, by day
        self.extra_bill_lines: dict[dt.date, list[str]] = {}
        self.left_out_of_bill: set[str] = set()
        self._bills: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # --- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> FakeWeChatPay:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def rotate_platform_certificate(self) -> str:
        """WeChat Pay replaces its platform certificate: later answers and notifications are
        signed with the new key, and ``/v3/certificates`` offers the new certificate (encrypted
        with the APIv3 key, as the real one). Returns the new serial."""
        self.platform_key = new_key()
        self.platform_serial = secrets.token_hex(8).upper()
        self.platform_cert = certificate(self.platform_key, int(self.platform_serial, 16))
        return self.platform_serial

    @property
    def platform_cert_pem(self) -> str:
        return self.platform_cert.public_bytes(serialization.Encoding.PEM).decode()

    def settings(self, folder: Path, prefix: str = "CPE_WECHATPAY_", *, public_key: bool = False) -> dict[str, str]:
        """The merchant's settings; with ``public_key`` WeChat Pay's public key (微信支付公钥, what
        new merchants get) replaces the platform certificate, and answers name its id."""
        settings = self.merchant.settings(folder, self.url, self.platform_cert_pem, self.platform_serial, prefix)
        if public_key:
            self.public_key_id = f"PUB_KEY_ID_{secrets.token_hex(12).upper()}"
            (folder / "wechatpay_public_key.pem").write_text(public_pem(self.platform_key))
            del settings[f"{prefix}PLATFORM_CERT_DIR"]
            settings[f"{prefix}PUBLIC_KEY_FILE"] = str(folder / "wechatpay_public_key.pem")
            settings[f"{prefix}PUBLIC_KEY_ID"] = self.public_key_id
        return settings

    # --- what the learner's phone and WeChat Pay's servers do ------------------------------------

    def pay(self, out_trade_no: str, *, on: dt.date | None = None) -> Trade:
        """The learner paid (once); refused for a closed trade, as WeChat Pay does."""
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade.state == "CLOSED":
                raise ValueError("ORDER_CLOSED")
            if trade.state == "NOTPAY":
                trade.state = "SUCCESS"
                trade.transaction_id = "4200" + secrets.token_hex(12)
                trade.paid_at = dt.datetime.now(SHANGHAI)
                trade.day = on or trade.paid_at.date()
        return trade

    def notification(self, out_trade_no: str, *, amount_fen: int | None = None, signing_key=None,
                     timestamp: int | None = None, event: str = "TRANSACTION.SUCCESS",
                     apiv3_key: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The signed, encrypted notification WeChat Pay sends for ``out_trade_no``; the keyword
        arguments forge it (another amount, another signing key, an old timestamp...)."""
        trade = self.trades[out_trade_no]
        resource = {
            "mchid": self.merchant.mch_id, "appid": self.merchant.appid, "out_trade_no": out_trade_no,
            "transaction_id": trade.transaction_id, "trade_type": trade.kind,
            "trade_state": trade.state if event.startswith("TRANSACTION") else "REFUND",
            "success_time": (trade.paid_at or dt.datetime.now(SHANGHAI)).isoformat(timespec="seconds"),
            "amount": {"total": trade.amount_fen if amount_fen is None else amount_fen, "payer_total": trade.amount_fen,
                       "currency": "CNY", "payer_currency": "CNY"},
        }
        if event.startswith("REFUND"):
            resource.update(out_refund_no=next(iter(trade.refunds), ""), refund_status="SUCCESS")
        nonce = secrets.token_hex(6)
        associated = "transaction"
        cipher = AESGCM((apiv3_key or self.merchant.apiv3_key).encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), associated.encode())
        body = json.dumps({
            "id": secrets.token_hex(8), "create_time": dt.datetime.now(SHANGHAI).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource", "event_type": event, "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(cipher).decode(), "associated_data": associated, "nonce": nonce},
        })
        return body.encode(), self._signed_headers(body, signing_key=signing_key, timestamp=timestamp)

    def notify(self, out_trade_no: str, **forge) -> requests.Response:
        """POST the notification to the merchant's notify URL, as WeChat Pay's servers do."""
        body, headers = self.notification(out_trade_no, **forge)
        headers["Content-Type"] = "application/json"
        return requests.post(self.trades[out_trade_no].notify_url, data=body, headers=headers, timeout=10)

    def _signed_headers(self, body: str, *, signing_key=None, timestamp: int | None = None) -> dict[str, str]:
        stamp, nonce = str(int(time.time()) if timestamp is None else timestamp), secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.public_key_id or self.platform_serial,
            "Wechatpay-Signature": sign(signing_key or self.platform_key, f"{stamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    # --- the API ---------------------------------------------------------------------------------

    def _answer(self, status: int, payload: dict | None) -> Response:
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
        headers = self._signed_headers(body)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return Response(body, status=status, headers=headers)

    def _authentic(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
        if not header.startswith("WECHATPAY2-SHA256-RSA2048 ") or fields.get("mchid") != self.merchant.mch_id:
            return False
        path = request.full_path.rstrip("?") if request.query_string else request.path
        message = f"{request.method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{request.get_data(as_text=True)}\n"
        try:
            self.merchant.key.public_key().verify(base64.b64decode(fields.get("signature", "")), message.encode(),
                                                  padding.PKCS1v15(), hashes.SHA256())
        except Exception:  # noqa: BLE001
            return False
        return fields.get("serial_no") == self.merchant.cert_serial_no

    def _app(self, environ, start_response):
        request = Request(environ)
        self.calls.append((request.method, request.path))
        if request.path.startswith("/h5/"):
            return self._h5_page(request)(environ, start_response)
        if not self._authentic(request):
            return self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})(environ, start_response)
        return self._route(request)(environ, start_response)

    def _route(self, request: Request) -> Response:
        path = request.path
        if request.method == "POST" and (kind := re.fullmatch(r"/v3/pay/transactions/(native|h5|jsapi)", path)):
            return self._create(kind.group(1), request.get_json())
        if match := re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)", path):
            trade = self.trades.get(match.group(1))
            if trade is None:
                return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            return self._answer(200, {
                "mchid": self.merchant.mch_id, "appid": self.merchant.appid, "out_trade_no": trade.out_trade_no,
                "transaction_id": trade.transaction_id, "trade_state": trade.state,
                "amount": {"total": trade.amount_fen, "currency": "CNY"},
            })
        if request.method == "POST" and (match := re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)/close", path)):
            with self._lock:
                trade = self.trades.get(match.group(1))
                if trade is not None and trade.state == "SUCCESS":
                    return self._answer(400, {"code": "ORDERPAID", "message": "订单已支付"})
                if trade is not None:
                    trade.state = "CLOSED"
            return self._answer(204, None)
        if request.method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(request.get_json())
        if path == "/v3/certificates":
            nonce = secrets.token_hex(6)
            cipher = AESGCM(self.merchant.apiv3_key.encode()).encrypt(nonce.encode(), self.platform_cert_pem.encode(),
                                                                     b"certificate")
            now = dt.datetime.now(SHANGHAI)
            return self._answer(200, {"data": [{
                "serial_no": self.platform_serial, "effective_time": now.isoformat(timespec="seconds"),
                "expire_time": (now + dt.timedelta(days=365)).isoformat(timespec="seconds"),
                "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": "certificate",
                                        "ciphertext": base64.b64encode(cipher).decode()},
            }]})
        if path == "/v3/bill/tradebill":
            day = dt.date.fromisoformat(request.args["bill_date"])
            content = self.bill_text(day).encode("utf-8")
            token = secrets.token_hex(8)
            self._bills[token] = gzip.compress(content)
            return self._answer(200, {"hash_type": "SHA1", "hash_value": hashlib.sha1(content).hexdigest(),
                                      "download_url": f"{self.url}/v3/billdownload/file?token={token}"})
        if path == "/v3/billdownload/file":
            content = self._bills.get(request.args.get("token", ""))
            if content is None:
                return self._answer(404, {"code": "NOT_FOUND", "message": "账单不存在"})
            return Response(content, headers={"Content-Type": "application/octet-stream"})
        return self._answer(404, {"code": "NOT_FOUND", "message": path})

    def _create(self, kind: str, data: dict) -> Response:
        if data.get("mchid") != self.merchant.mch_id or data.get("appid") != self.merchant.appid:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "商户号或appid不符"})
        ref, total = data["out_trade_no"], int(data["amount"]["total"])
        with self._lock:
            trade = self.trades.get(ref)
            if trade is None:
                trade = self.trades[ref] = Trade(ref, total, data["notify_url"], kind.upper(),
                                                 time_expire=data.get("time_expire", ""),
                                                 scene_info=data.get("scene_info") or {})
            elif trade.amount_fen != total:
                return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单号重复"})
            elif trade.state == "CLOSED":
                return self._answer(400, {"code": "ORDER_CLOSED", "message": "订单已关闭"})
        if kind == "native":
            return self._answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={ref}"})
        if kind == "h5":
            return self._answer(200, {"h5_url": f"{self.url}/h5/{ref}?prepay_id=wx{ref}"})
        return self._answer(200, {"prepay_id": f"wx{ref}"})

    def _refund(self, data: dict) -> Response:
        ref, refund_ref = data.get("out_trade_no", ""), data["out_refund_no"]
        amount = int(data["amount"]["refund"])
        with self._lock:
            trade = self.trades.get(ref)
            if trade is None or trade.state not in ("SUCCESS", "REFUND"):
                return self._answer(400, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在或未支付"})
            if int(data["amount"]["total"]) != trade.amount_fen:
                return self._answer(400, {"code": "PARAM_ERROR", "message": "订单金额不符"})
            if refund_ref not in trade.refunds:  # the same out_refund_no again refunds nothing more
                if sum(trade.refunds.values()) + amount > trade.amount_fen:
                    return self._answer(403, {"code": "NOT_ENOUGH", "message": "退款金额超过订单金额"})
                trade.refunds[refund_ref] = amount
                trade.state = "REFUND"
        return self._answer(200, {"refund_id": "5030" + secrets.token_hex(10), "out_refund_no": refund_ref,
                                  "out_trade_no": ref, "status": "SUCCESS",
                                  "amount": {"refund": amount, "total": trade.amount_fen, "currency": "CNY"}})

    def _h5_page(self, request: Request) -> Response:
        """The phone's pay page of an H5 payment: confirming pays, notifies, and goes back."""
        ref = request.path.rsplit("/", 1)[1]
        if ref not in self.trades:
            return Response("订单不存在", status=404)
        if request.method == "POST":
            self.pay(ref)
            self.notify(ref)
            return Response(status=302, headers={"Location": request.form.get("redirect_url") or "/"})
        trade = self.trades[ref]
        redirect_url = request.args.get("redirect_url", "")
        html = (f'<!doctype html><meta charset="utf-8"><title>微信支付</title><h1>微信支付 ¥{trade.amount_fen / 100:.2f}</h1>'
                f'<form method="post"><input type="hidden" name="redirect_url" value="{redirect_url}">'
                f'<button id="confirm">确认支付</button></form>')
        return Response(html, content_type="text/html; charset=utf-8")

    # --- the bill ---------------------------------------------------------------------------------

    HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
              "应结订单总金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
              "手续费,费率,订单金额,申请退款金额,费率备注")

    def bill_line(self, out_trade_no: str, amount_fen: int, *, state: str = "SUCCESS", refund_ref: str = "",
                  refund_fen: int = 0, transaction_id: str = "") -> str:
        """One line of the trade bill, as WeChat Pay writes it (every value behind a backtick)."""
        values = ["2026-12-01 10:00:00", self.merchant.appid, self.merchant.mch_id, "0", "", transaction_id or "4200x",
                  out_trade_no, "oUser", "NATIVE", state, "OTHERS", "CNY", f"{amount_fen / 100:.2f}", "0.00",
                  "5030x" if refund_ref else "0", refund_ref or "0", f"{refund_fen / 100:.2f}", "0.00",
                  "ORIGINAL" if refund_ref else "", "SUCCESS" if refund_ref else "", "继续教育", "", "0.00", "0.60%",
                  f"{amount_fen / 100:.2f}", f"{refund_fen / 100:.2f}", ""]
        return ",".join(f"`{value}" for value in values)

    def bill_text(self, day: dt.date) -> str:
        lines = [self.HEADER]
        for trade in self.trades.values():
            if trade.day != day or trade.out_trade_no in self.left_out_of_bill or not trade.transaction_id:
                continue
            lines.append(self.bill_line(trade.out_trade_no, trade.amount_fen, transaction_id=trade.transaction_id))
            for refund_ref, amount in trade.refunds.items():
                lines.append(self.bill_line(trade.out_trade_no, trade.amount_fen, state="REFUND", refund_ref=refund_ref,
                                            refund_fen=amount, transaction_id=trade.transaction_id))
        lines += self.extra_bill_lines.get(day, [])
        lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        lines.append(f"`{len(lines) - 2},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00")
        return "\n".join(lines) + "\n"


__all__ = ["FakeWeChatPay", "Merchant", "Trade", "certificate", "new_key", "private_pem", "public_pem", "sign"]
