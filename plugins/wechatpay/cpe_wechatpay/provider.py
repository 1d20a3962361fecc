"""The WeChat Pay provider: one object per merchant account, speaking API v3 through the
``wechatpayv3`` SDK (which signs each request, verifies each answer's and notification's
signature with the platform certificate or public key, and decrypts with the APIv3 key).

- ``create``: Native (a ``code_url`` the desktop page shows as a QR code), H5 (a phone
  browser is sent to ``h5_url``) or JSAPI (the mini-program's ``wx.requestPayment`` arguments,
  signed here);
- ``verify_notification``: the signature, a timestamp no older than five minutes (a replay of an
  old capture is refused), the account's ``mchid`` and ``appid``; payment and refund events;
- ``query``, ``refund`` (its total is read by a query first: API v3 asks for it), ``close`` and
  ``bill`` (the day's trade bill, gzip, its SHA-1 checked).
"""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

from hookspecs import (
    BillEntry,
    InvalidNotification,
    PaymentInstruction,
    PaymentNotification,
    PaymentProviderError,
    PaymentRequest,
    PaymentStatus,
    RefundResult,
)

from .accounts import Account

log = logging.getLogger("cpe.payments.wechatpay")
#: A notification signed longer ago than this is refused (WeChat Pay signs each retry afresh).
MAX_NOTIFICATION_AGE_SECONDS = 300
ACK = json.dumps({"code": "SUCCESS", "message": "成功"}, ensure_ascii=False)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def yuan_to_fen(text: str) -> int:
    try:
        return int((Decimal(text.strip().lstrip("`") or "0") * 100).to_integral_value())
    except InvalidOperation as error:
        raise PaymentProviderError(f"账单金额无法识别：{text!r}。") from error


class WeChatPayProvider:
    """WeChat Pay for one merchant account (the deployment's, or one region's)."""

    name = "微信支付"
    kind = "wechatpay"

    def __init__(self, account: Account, *, own_regions: frozenset[str] = frozenset(), timeout: float = 10.0) -> None:
        self.account = account
        self.code = account.code
        #: Regions holding an account of their own: the deployment's account does not serve them.
        self.own_regions = own_regions
        self.timeout = timeout
        self._client: WeChatPay | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the keys
        return f"<WeChatPayProvider {self.code} mchid={self.account.mch_id}>"

    def serves(self, region: str) -> bool:
        if self.account.region:
            return region == self.account.region
        return region not in self.own_regions

    # --- the SDK client, built on first use (no network at start-up) --------------------------

    def client(self) -> WeChatPay:
        with self._lock:
            if self._client is None:
                account = self.account
                try:
                    client = WeChatPay(
                        wechatpay_type=WeChatPayType.NATIVE,
                        mchid=account.mch_id,
                        private_key=account.private_key,
                        cert_serial_no=account.cert_serial_no,
                        appid=account.appid,
                        apiv3_key=account.apiv3_key,
                        cert_dir=account.platform_cert_dir or None,
                        public_key=account.public_key or None,
                        public_key_id=account.public_key_id or None,
                        timeout=(5, self.timeout),
                    )
                except Exception as error:  # the SDK raises bare Exception for a bad key or certificate
                    log.error("WeChat Pay account %s cannot be used: %s", self.code, type(error).__name__)
                    raise PaymentProviderError("微信支付商户配置有误。") from None
                # The SDK's endpoint is fixed at construction; the deployment's (or a test's
                # fake server's) base URL replaces it. The SDK keeps it in this one attribute.
                client._core._gate_way = account.base_url
                self._client = client
            return self._client

    def _call(self, what: str, function, *args, **kwargs) -> tuple[int, object]:
        try:
            code, message = function(*args, **kwargs)
        except requests.RequestException as error:
            log.warning("WeChat Pay %s failed: %s", what, type(error).__name__)
            raise PaymentProviderError("无法连接微信支付。") from None
        except Exception as error:  # a signature the SDK could not verify
            log.warning("WeChat Pay %s answer refused: %s", what, error)
            raise PaymentProviderError("微信支付的应答未通过验签。") from None
        if isinstance(message, (bytes, bytearray)):
            return code, bytes(message)
        try:
            return code, json.loads(message) if message else {}
        except ValueError:
            return code, {"message": str(message)[:200]}

    @staticmethod
    def _refusal(data: object) -> str:
        if isinstance(data, dict):
            return str(data.get("message") or data.get("code") or "")
        return ""

    # --- hookspecs.PaymentProvider ------------------------------------------------------------

    def create(self, request: PaymentRequest) -> PaymentInstruction:
        client = self.client()
        kwargs: dict = {
            "description": request.description[:127] or request.merchant_ref,
            "out_trade_no": request.merchant_ref,
            "amount": {"total": request.amount_fen, "currency": "CNY"},
            "notify_url": request.notify_url,
        }
        if request.expires_at is not None:
            kwargs["time_expire"] = request.expires_at.astimezone(SHANGHAI).isoformat(timespec="seconds")
        if request.client == "mini_program":
            if not request.payer_openid:
                raise PaymentProviderError("小程序支付需要先绑定微信。")
            kwargs.update(pay_type=WeChatPayType.JSAPI, payer={"openid": request.payer_openid})
        elif request.client == "mobile":
            kwargs.update(pay_type=WeChatPayType.H5,
                          scene_info={"payer_client_ip": request.payer_ip or "127.0.0.1", "h5_info": {"type": "Wap"}})
        else:
            kwargs.update(pay_type=WeChatPayType.NATIVE)
        code, data = self._call("create", client.pay, **kwargs)
        if code != 200 or not isinstance(data, dict):
            raise PaymentProviderError(f"微信支付拒绝了支付单（{self._refusal(data)}）。")
        if request.client == "mini_program":
            return PaymentInstruction(kind="jsapi", params=self._jsapi_params(str(data["prepay_id"])))
        if request.client == "mobile":
            return PaymentInstruction(kind="redirect", url=f"{data['h5_url']}&redirect_url={quote(request.return_url, safe='')}")
        return PaymentInstruction(kind="qr", qr_payload=str(data["code_url"]))

    def _jsapi_params(self, prepay_id: str) -> dict[str, str]:
        timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        signature = self.client().sign([self.account.appid, timestamp, nonce, package])
        return {"appId": self.account.appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package,
                "signType": "RSA", "paySign": signature}

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentNotification:
        stamp = headers.get("Wechatpay-Timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_NOTIFICATION_AGE_SECONDS:
            raise InvalidNotification("missing or stale Wechatpay-Timestamp")
        try:
            data = self.client().callback(headers, body)
        except PaymentProviderError:
            raise
        except Exception as error:  # noqa: BLE001 - the SDK raises bare Exception for odd input
            raise InvalidNotification(f"unreadable notification: {type(error).__name__}") from None
        if not data:
            raise InvalidNotification("bad signature or undecryptable resource")
        resource = data.get("resource") or {}
        if resource.get("mchid") != self.account.mch_id or resource.get("appid", self.account.appid) != self.account.appid:
            raise InvalidNotification("notification for another merchant account")
        try:
            event = str(data.get("event_type", ""))
            amount = resource.get("amount") or {}
            merchant_ref = str(resource["out_trade_no"])
            if event.startswith("REFUND."):
                # A refund's outcome: acknowledged, nothing to change (the refund was recorded
                # when the provider accepted it).
                log.info("WeChat Pay refund %s of %s: %s", resource.get("out_refund_no"), merchant_ref,
                         resource.get("refund_status"))
                return PaymentNotification(merchant_ref, int(amount["total"]), paid=False, ack_body=ACK)
            return PaymentNotification(
                merchant_ref=merchant_ref,
                amount_fen=int(amount["total"]),
                paid=event == "TRANSACTION.SUCCESS" and resource.get("trade_state") == "SUCCESS",
                transaction_id=str(resource.get("transaction_id", "")),
                ack_body=ACK,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidNotification(f"unreadable resource: {error}") from None

    def query(self, merchant_ref: str) -> PaymentStatus:
        code, data = self._call("query", self.client().query, out_trade_no=merchant_ref)
        if code == 404:
            return PaymentStatus(merchant_ref, paid=False)
        if code != 200 or not isinstance(data, dict):
            raise PaymentProviderError(f"查询微信支付失败（{self._refusal(data)}）。")
        return PaymentStatus(
            merchant_ref,
            paid=data.get("trade_state") in ("SUCCESS", "REFUND"),
            amount_fen=int((data.get("amount") or {}).get("total", 0)),
            transaction_id=str(data.get("transaction_id", "")),
        )

    def refund(self, merchant_ref: str, refund_ref: str, amount_fen: int) -> RefundResult:
        status = self.query(merchant_ref)
        if not status.paid:
            raise PaymentProviderError("该支付单未付款，无法退款。")
        code, data = self._call(
            "refund", self.client().refund, out_refund_no=refund_ref, out_trade_no=merchant_ref,
            amount={"refund": amount_fen, "total": status.amount_fen, "currency": "CNY"},
        )
        if code != 200 or not isinstance(data, dict) or data.get("status") in ("CLOSED", "ABNORMAL"):
            raise PaymentProviderError(f"微信支付拒绝退款（{self._refusal(data) or data.get('status')}）。")
        return RefundResult(refund_ref, int((data.get("amount") or {}).get("refund", amount_fen)),
                            succeeded=data.get("status") == "SUCCESS")

    def close(self, merchant_ref: str) -> None:
        code, data = self._call("close", self.client().close, out_trade_no=merchant_ref)
        if code not in (200, 204):
            raise PaymentProviderError(f"关闭微信支付单失败（{self._refusal(data)}）。")

    def bill(self, day: dt.date) -> list[BillEntry]:
        client = self.client()
        code, data = self._call("bill", client.trade_bill, bill_date=day.isoformat())
        if code != 200 or not isinstance(data, dict):
            if isinstance(data, dict) and data.get("code") == "NO_STATEMENT_EXIST":
                return []  # no trade that day
            raise PaymentProviderError(f"微信支付账单暂不可用（{self._refusal(data)}）。")
        code, content = self._call("bill download", client.download_bill, str(data["download_url"]))
        if code != 200 or not isinstance(content, bytes):
            raise PaymentProviderError("微信支付账单下载失败。")
        try:
            text = gzip.decompress(content)
        except OSError:
            text = content
        if data.get("hash_value") and hashlib.sha1(text).hexdigest() != str(data["hash_value"]).lower():
            raise PaymentProviderError("微信支付账单摘要不符。")
        return parse_trade_bill(text.decode("utf-8-sig"))


def parse_trade_bill(text: str) -> list[BillEntry]:
    """The rows of a WeChat Pay trade bill (交易账单, ``bill_type=ALL``): a header line, one line
    per trade or refund with every value behind a backtick, then the totals (总交易单数...)."""
    lines = text.splitlines()
    if not lines:
        return []
    header = [name.strip() for name in lines[0].split(",")]
    entries = []
    for row in csv.reader(lines[1:]):
        if not row or not row[0].startswith("`"):
            break  # the totals begin
        values = dict(zip(header, (value.strip().lstrip("`") for value in row)))
        state = values.get("交易状态", "")
        if state == "REFUND":
            entries.append(BillEntry(
                merchant_ref=values.get("商户订单号", ""), amount_fen=yuan_to_fen(values.get("退款金额", "0")),
                kind="refund", status="refunded", transaction_id=values.get("微信订单号", ""),
                refund_ref=values.get("商户退款单号", ""),
            ))
        else:
            entries.append(BillEntry(
                merchant_ref=values.get("商户订单号", ""), amount_fen=yuan_to_fen(values.get("订单金额", "0")),
                kind="payment", status="paid" if state == "SUCCESS" else "other",
                transaction_id=values.get("微信订单号", ""),
            ))
    return entries
