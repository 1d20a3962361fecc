"""An Alipay gateway for tests: a real HTTP server on 127.0.0.1 speaking the open API as
``python-alipay-sdk`` sees it, with keys the test generates.

It checks each request's RSA2 signature with the app's public key, signs each answer with its
own (Alipay's) private key, serves the cashier page a browser is sent to (confirming there pays,
notifies and returns), and sends asynchronous notifications signed like the real ones. Trades
live in memory: ``pay`` stands for the learner paying, ``notify`` for Alipay calling back.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
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


def sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def signing_string(params: dict[str, str], *, leave_out: tuple[str, ...] = ("sign", "sign_type")) -> str:
    """Alipay's string to sign: the parameters sorted, raw, without ``leave_out`` (a notification
    leaves out ``sign`` and ``sign_type``; a request only ``sign``)."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in leave_out and v != "")


@dataclass
class App:
    """What the test generates for one Alipay app (merchant account)."""

    app_id: str = "2021000100000001"
    key: rsa.RSAPrivateKey = field(default_factory=new_key, repr=False)


@dataclass
class Trade:
    out_trade_no: str
    amount_fen: int
    notify_url: str
    return_url: str
    product: str
    state: str = "WAIT_BUYER_PAY"  # WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED
    trade_no: str = ""
    day: dt.date | None = None
    refunds: dict[str, int] = field(default_factory=dict)


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


class FakeAlipay:
    """The gateway. ``with FakeAlipay(app) as fake:`` serves on ``fake.gateway``."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.alipay_key = new_key()
        self.trades: dict[str, Trade] = {}
        self.calls: list[str] = []  # the API method of every request, in order
        self.left_out_of_bill: set[str] = set()
        self.extra_bill_rows: dict[dt.date, list[list[str]]] = {}
        self._bills: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeAlipay:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def gateway(self) -> str:
        return f"{self.url}/gateway.do"

    def settings(self, folder: Path, prefix: str = "CPE_ALIPAY_") -> dict[str, str]:
        """Write the app's private key and Alipay's public key into ``folder``; the settings."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "app_private_key.pem").write_text(private_pem(self.app.key))
        (folder / "alipay_public_key.pem").write_text(public_pem(self.alipay_key))
        return {
            f"{prefix}APP_ID": self.app.app_id,
            f"{prefix}PRIVATE_KEY_FILE": str(folder / "app_private_key.pem"),
            f"{prefix}PUBLIC_KEY_FILE": str(folder / "alipay_public_key.pem"),
            f"{prefix}GATEWAY": self.gateway,
        }

    # --- what the learner and Alipay's servers do ----------------------------------------------

    def pay(self, out_trade_no: str, *, on: dt.date | None = None) -> Trade:
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade.state == "TRADE_CLOSED":
                raise ValueError("TRADE_CLOSED")
            if trade.state == "WAIT_BUYER_PAY":
                trade.state = "TRADE_SUCCESS"
                trade.trade_no = dt.datetime.now(SHANGHAI).strftime("%Y%m%d") + secrets.token_hex(10)
                trade.day = on or dt.datetime.now(SHANGHAI).date()
        return trade

    def notification(self, out_trade_no: str, *, amount_fen: int | None = None, signing_key=None,
                     app_id: str | None = None, refund_ref: str = "") -> bytes:
        """The form-encoded, RSA2-signed notification Alipay POSTs for ``out_trade_no``; with
        ``refund_ref`` the one it sends after that refund (a full refund closes the trade)."""
        trade = self.trades[out_trade_no]
        now = dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        params = {
            "notify_time": now, "notify_type": "trade_status_sync", "notify_id": secrets.token_hex(16),
            "app_id": app_id or self.app.app_id, "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
            "trade_no": trade.trade_no, "out_trade_no": out_trade_no, "trade_status": trade.state,
            "total_amount": yuan(trade.amount_fen if amount_fen is None else amount_fen),
            "receipt_amount": yuan(trade.amount_fen), "gmt_payment": now, "subject": "继续教育",
        }
        if refund_ref:
            refunded = sum(trade.refunds.values())
            params.update(out_biz_no=refund_ref, refund_fee=yuan(refunded), gmt_refund=now,
                          trade_status="TRADE_CLOSED" if refunded >= trade.amount_fen else "TRADE_SUCCESS")
        params["sign"] = sign(signing_key or self.alipay_key, signing_string(params))
        return urlencode(params).encode()

    def notify(self, out_trade_no: str, **forge) -> requests.Response:
        return requests.post(self.trades[out_trade_no].notify_url, data=self.notification(out_trade_no, **forge),
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, timeout=10)

    # --- the gateway ------------------------------------------------------------------------------

    def _authentic(self, params: dict[str, str]) -> bool:
        if params.get("app_id") != self.app.app_id or params.get("sign_type") != "RSA2":
            return False
        try:
            self.app.key.public_key().verify(base64.b64decode(params.get("sign", "")),
                                             signing_string(params, leave_out=("sign",)).encode(),
                                             padding.PKCS1v15(), hashes.SHA256())
        except Exception:  # noqa: BLE001
            return False
        return True

    def _answer(self, method: str, payload: dict) -> Response:
        response_type = method.replace(".", "_") + "_response"
        inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        body = f'{{"{response_type}":{inner},"sign":"{sign(self.alipay_key, inner)}"}}'
        return Response(body, content_type="application/json; charset=utf-8")

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/bills/"):
            content = self._bills.get(request.path.rsplit("/", 1)[1].removesuffix(".zip"))
            response = Response(content, content_type="application/zip") if content else Response(status=404)
            return response(environ, start_response)
        params = {**request.args.to_dict(), **request.form.to_dict()}
        if request.method == "POST" and "confirm" in params:  # the cashier's 确认付款
            return self._confirm(params["out_trade_no"])(environ, start_response)
        method = params.get("method", "")
        self.calls.append(method)
        if not self._authentic(params):
            error = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"}
            return Response(json.dumps({"error_response": error}), content_type="application/json")(environ, start_response)
        biz = json.loads(params.get("biz_content") or "{}")
        return self._route(method, params, biz)(environ, start_response)

    def _route(self, method: str, params: dict, biz: dict) -> Response:
        if method in ("alipay.trade.page.pay", "alipay.trade.wap.pay"):
            return self._cashier(params, biz, "PAGE" if method.endswith("page.pay") else "WAP")
        ref = biz.get("out_trade_no", "")
        trade = self.trades.get(ref)
        missing = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}
        if method == "alipay.trade.query":
            if trade is None:
                return self._answer(method, missing)
            return self._answer(method, {"code": "10000", "msg": "Success", "out_trade_no": ref, "trade_no": trade.trade_no,
                                         "trade_status": trade.state, "total_amount": yuan(trade.amount_fen)})
        if method == "alipay.trade.close":
            if trade is None:
                return self._answer(method, missing)
            with self._lock:
                if trade.state != "WAIT_BUYER_PAY":
                    return self._answer(method, {"code": "40004", "msg": "Business Failed",
                                                 "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"})
                trade.state = "TRADE_CLOSED"
            return self._answer(method, {"code": "10000", "msg": "Success", "out_trade_no": ref})
        if method == "alipay.trade.refund":
            amount = round(float(biz["refund_amount"]) * 100)
            with self._lock:
                if trade is None or trade.state != "TRADE_SUCCESS":
                    return self._answer(method, missing)
                request_no = biz.get("out_request_no", "")
                fund_change = "N" if request_no in trade.refunds else "Y"  # a retry refunds nothing more
                if fund_change == "Y":
                    if sum(trade.refunds.values()) + amount > trade.amount_fen:
                        return self._answer(method, {"code": "40004", "msg": "Business Failed",
                                                     "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "sub_msg": "退款金额超限"})
                    trade.refunds[request_no] = amount
            return self._answer(method, {"code": "10000", "msg": "Success", "out_trade_no": ref, "trade_no": trade.trade_no,
                                         "refund_fee": yuan(sum(trade.refunds.values())), "fund_change": fund_change})
        if method == "alipay.data.dataservice.bill.downloadurl.query":
            token = secrets.token_hex(8)
            self._bills[token] = self.bill_zip(dt.date.fromisoformat(biz["bill_date"]))
            return self._answer(method, {"code": "10000", "msg": "Success", "bill_download_url": f"{self.url}/bills/{token}.zip"})
        return self._answer(method, {"code": "40004", "msg": "Business Failed", "sub_code": "isv.unknown-method"})

    def _cashier(self, params: dict, biz: dict, product: str) -> Response:
        ref, amount = biz["out_trade_no"], round(float(biz["total_amount"]) * 100)
        with self._lock:
            trade = self.trades.get(ref)
            if trade is None:
                trade = self.trades[ref] = Trade(ref, amount, params.get("notify_url", ""), params.get("return_url", ""), product)
            elif trade.amount_fen != amount or trade.state == "TRADE_CLOSED":
                return Response("交易信息有误或已关闭", status=400, content_type="text/plain; charset=utf-8")
        html = (f'<!doctype html><meta charset="utf-8"><title>支付宝收银台</title><h1>支付宝 ¥{yuan(amount)}</h1>'
                f'<form method="post" action="/gateway.do"><input type="hidden" name="out_trade_no" value="{escape(ref)}">'
                f'<button id="confirm" name="confirm" value="1">确认付款</button></form>')
        return Response(html, content_type="text/html; charset=utf-8")

    def _confirm(self, ref: str) -> Response:
        self.pay(ref)
        self.notify(ref)
        return Response(status=302, headers={"Location": self.trades[ref].return_url or "/"})

    # --- the bill ---------------------------------------------------------------------------------

    HEADER = ["支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号", "门店名称", "操作员", "终端号",
              "对方账户", "订单金额（元）", "商家实收（元）", "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）", "商家优惠（元）",
              "券核销金额（元）", "券名称", "商家红包消费金额（元）", "卡消费金额（元）", "退款批次号/请求号", "服务费（元）", "分润（元）", "备注"]

    def bill_row(self, out_trade_no: str, amount_fen: int, *, refund_ref: str = "", refund_fen: int = 0,
                 trade_no: str = "") -> list[str]:
        kind = "退款" if refund_ref else "交易"
        received = yuan(-refund_fen) if refund_ref else yuan(amount_fen)
        return [trade_no or "2026x", out_trade_no, kind, "继续教育", "2026-12-01 10:00:00", "2026-12-01 10:00:05", "", "", "",
                "", "buyer@example.com", yuan(amount_fen), received, "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00",
                "0.00", refund_ref, "0.00", "0.00", ""]

    def bill_zip(self, day: dt.date) -> bytes:
        rows = []
        for trade in self.trades.values():
            if trade.day != day or trade.out_trade_no in self.left_out_of_bill or not trade.trade_no:
                continue
            rows.append(self.bill_row(trade.out_trade_no, trade.amount_fen, trade_no=trade.trade_no))
            for request_no, amount in trade.refunds.items():
                rows.append(self.bill_row(trade.out_trade_no, trade.amount_fen, refund_ref=request_no, refund_fen=amount,
                                          trade_no=trade.trade_no))
        rows += self.extra_bill_rows.get(day, [])
        text = io.StringIO()
        text.write(f"#支付宝业务明细查询\n#账号：[{self.app.app_id}]\n#起始日期：[{day} 00:00:00]\n")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(self.HEADER)
        writer.writerows(rows)
        text.write("#-----------------------------------------业务明细列表结束------------------------------------\n")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            stamp = day.strftime("%Y%m%d")
            zipped.writestr(f"{self.app.app_id}_{stamp}_业务明细.csv", text.getvalue().encode("gbk"))
            zipped.writestr(f"{self.app.app_id}_{stamp}_业务明细(汇总).csv", "#汇总\n".encode("gbk"))
        return archive.getvalue()

