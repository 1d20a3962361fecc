"""The Alipay provider: one object per app (merchant account), through ``python-alipay-sdk``.

- ``create``: page pay (电脑网站支付, the desktop is sent to Alipay's cashier, which shows its
  own QR code) or WAP pay (手机网站支付) for a phone; the mini-program cannot pay by Alipay;
- ``verify_notification``: the asynchronous notification's RSA2 signature checked with
  Alipay's public key, and its ``app_id`` this app's;
- ``query``, ``refund`` (``out_request_no`` is the core's refund reference, so a retry never
  pays twice), ``close`` and ``bill`` (the day's trade bill, a zip of GBK CSV files).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError

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

log = logging.getLogger("cpe.payments.alipay")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
SUCCESS = "10000"
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")


def fen_to_yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def yuan_to_fen(text: str) -> int:
    try:
        return int((Decimal(str(text).strip() or "0") * 100).to_integral_value())
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {text!r}") from error


class AlipayProvider:
    """Alipay for one app (the deployment's, or one region's)."""

    name = "支付宝"
    kind = "alipay"

    def __init__(self, account: Account, *, own_regions: frozenset[str] = frozenset(), timeout: float = 10.0) -> None:
        self.account = account
        self.code = account.code
        self.own_regions = own_regions
        self.timeout = timeout
        self._client: AliPay | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the keys
        return f"<AlipayProvider {self.code} app_id={self.account.app_id}>"

    def serves(self, region: str) -> bool:
        if self.account.region:
            return region == self.account.region
        return region not in self.own_regions

    def client(self) -> AliPay:
        with self._lock:
            if self._client is None:
                from alipay.utils import AliPayConfig

                try:
                    client = AliPay(appid=self.account.app_id, app_private_key_string=self.account.private_key,
                                    alipay_public_key_string=self.account.alipay_public_key, sign_type="RSA2",
                                    config=AliPayConfig(timeout=self.timeout))
                except (ValueError, IndexError, TypeError) as error:
                    log.error("Alipay app %s cannot be used: %s", self.code, type(error).__name__)
                    raise PaymentProviderError("支付宝商户配置有误。") from None
                # The SDK's gateway is fixed at construction; the deployment's (or a test's fake
                # gateway) replaces it. The SDK keeps it in this one attribute.
                client._gateway = self.account.gateway
                self._client = client
            return self._client

    def _api(self, what: str, method: str, biz: dict) -> dict:
        """Call ``method`` and return its verified answer (``code`` 10000 or a refusal)."""
        try:
            return self.client().server_api(method, biz)
        except AliPayValidationError:
            log.warning("Alipay %s answer failed its signature check", what)
            raise PaymentProviderError("支付宝的应答未通过验签。") from None
        except AliPayException as error:
            log.warning("Alipay %s refused: %s", what, getattr(error, "code", ""))
            raise PaymentProviderError("支付宝拒绝了请求。") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            log.warning("Alipay %s failed: %s", what, type(error).__name__)
            raise PaymentProviderError("无法连接支付宝。") from None

    # --- hookspecs.PaymentProvider ------------------------------------------------------------

    def create(self, request: PaymentRequest) -> PaymentInstruction:
        if request.client == "mini_program":
            raise PaymentProviderError("微信小程序内不能使用支付宝，请选择微信支付。")
        extra = {}
        if request.expires_at is not None:
            extra["time_expire"] = request.expires_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        client = self.client()
        pay = client.api_alipay_trade_wap_pay if request.client == "mobile" else client.api_alipay_trade_page_pay
        if request.client == "mobile":
            extra["quit_url"] = request.return_url
        signed = pay(subject=request.description[:256] or request.merchant_ref, out_trade_no=request.merchant_ref,
                     total_amount=fen_to_yuan(request.amount_fen), return_url=request.return_url,
                     notify_url=request.notify_url, **extra)
        return PaymentInstruction(kind="redirect", url=f"{self.account.gateway}?{signed}")

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentNotification:
        try:
            data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError) as error:
            raise InvalidNotification(f"unreadable body: {type(error).__name__}") from None
        signature = data.pop("sign", "")
        if not signature:
            raise InvalidNotification("no signature")
        try:
            authentic = self.client().verify(dict(data), signature)
        except PaymentProviderError:
            raise
        except Exception as error:  # noqa: BLE001 - the SDK raises for an unknown sign type or bad base64
            raise InvalidNotification(f"bad signature: {type(error).__name__}") from None
        if not authentic:
            raise InvalidNotification("bad signature")
        if data.get("app_id") != self.account.app_id:
            raise InvalidNotification("notification for another app")
        try:
            refund = "refund_fee" in data or "out_biz_no" in data
            return PaymentNotification(
                merchant_ref=data["out_trade_no"],
                amount_fen=yuan_to_fen(data["total_amount"]),
                # A refund's notification is acknowledged and changes nothing.
                paid=data.get("trade_status") in PAID and not refund,
                transaction_id=data.get("trade_no", ""),
                ack_body="success",
            )
        except (KeyError, ValueError) as error:
            raise InvalidNotification(f"unreadable notification: {error}") from None

    def query(self, merchant_ref: str) -> PaymentStatus:
        answer = self._api("query", "alipay.trade.query", {"out_trade_no": merchant_ref})
        if answer.get("code") != SUCCESS:
            if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":  # the learner never opened the cashier
                return PaymentStatus(merchant_ref, paid=False)
            raise PaymentProviderError(f"查询支付宝失败（{answer.get('sub_msg') or answer.get('msg')}）。")
        return PaymentStatus(merchant_ref, paid=answer.get("trade_status") in PAID,
                             amount_fen=yuan_to_fen(answer.get("total_amount", "0")),
                             transaction_id=str(answer.get("trade_no", "")))

    def refund(self, merchant_ref: str, refund_ref: str, amount_fen: int) -> RefundResult:
        answer = self._api("refund", "alipay.trade.refund", {
            "out_trade_no": merchant_ref, "refund_amount": fen_to_yuan(amount_fen), "out_request_no": refund_ref,
        })
        if answer.get("code") != SUCCESS:
            raise PaymentProviderError(f"支付宝拒绝退款（{answer.get('sub_msg') or answer.get('msg')}）。")
        return RefundResult(refund_ref, amount_fen, succeeded=answer.get("fund_change", "Y") in ("Y", "N"))

    def close(self, merchant_ref: str) -> None:
        answer = self._api("close", "alipay.trade.close", {"out_trade_no": merchant_ref})
        if answer.get("code") != SUCCESS and answer.get("sub_code") != "ACQ.TRADE_NOT_EXIST":
            raise PaymentProviderError(f"关闭支付宝交易失败（{answer.get('sub_msg') or answer.get('msg')}）。")

    def bill(self, day: dt.date) -> list[BillEntry]:
        answer = self._api("bill", "alipay.data.dataservice.bill.downloadurl.query",
                           {"bill_type": "trade", "bill_date": day.isoformat()})
        if answer.get("code") != SUCCESS:
            if answer.get("sub_code") == "isp.bill_not_exist":
                return []
            raise PaymentProviderError(f"支付宝账单暂不可用（{answer.get('sub_msg') or answer.get('msg')}）。")
        try:
            with urllib.request.urlopen(str(answer["bill_download_url"]), timeout=self.timeout) as response:
                content = response.read()
            archive = zipfile.ZipFile(io.BytesIO(content))
        except (urllib.error.URLError, OSError, KeyError, zipfile.BadZipFile) as error:
            log.warning("Alipay bill download failed: %s", type(error).__name__)
            raise PaymentProviderError("支付宝账单下载失败。") from None
        for name in archive.namelist():
            if "汇总" not in name and name.endswith(".csv"):
                return parse_trade_bill(archive.read(name).decode("gbk"))
        return []


def parse_trade_bill(text: str) -> list[BillEntry]:
    """The detail rows of an Alipay trade bill (业务明细): comment lines start with ``#``; a
    header row (支付宝交易号,商户订单号,业务类型,...); one row per 交易 or 退款."""
    rows = [row for row in csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))]
    if not rows:
        return []
    header = [name.strip() for name in rows[0]]
    entries = []
    for row in rows[1:]:
        values = dict(zip(header, (value.strip() for value in row)))
        if not values.get("商户订单号"):
            continue
        if values.get("业务类型") == "退款":
            entries.append(BillEntry(values["商户订单号"], abs(yuan_to_fen(values.get("商家实收（元）", "0"))), kind="refund",
                                     status="refunded", transaction_id=values.get("支付宝交易号", ""),
                                     refund_ref=values.get("退款批次号/请求号", "")))
        else:
            entries.append(BillEntry(values["商户订单号"], yuan_to_fen(values.get("订单金额（元）", "0")), kind="payment",
                                     status="paid", transaction_id=values.get("支付宝交易号", "")))
    return entries
