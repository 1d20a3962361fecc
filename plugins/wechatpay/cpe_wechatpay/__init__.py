"""微信支付 (WeChat Pay, API v3) for cpe: a region-agnostic payment provider plugin.

Built on the maintained ``wechatpayv3`` SDK, which signs requests, verifies the platform's
signatures and decrypts notifications (AES-256-GCM). One merchant account serves every region
(``CPE_WECHATPAY_*``), and a region may hold its own (``CPE_WECHATPAY_<REGION>_*``); see
:mod:`cpe_wechatpay.accounts`. :mod:`cpe_wechatpay.fake` is a WeChat Pay server for tests.
"""
from __future__ import annotations

__version__ = "0.1.0"
