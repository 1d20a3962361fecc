"""支付宝 (Alipay) for cpe: a region-agnostic payment provider plugin.

Built on the maintained ``python-alipay-sdk``, which signs requests (RSA2) and verifies the
gateway's answers and asynchronous notifications with Alipay's public key. One app (merchant
account) serves every region (``CPE_ALIPAY_*``), and a region may hold its own
(``CPE_ALIPAY_<REGION>_*``); see :mod:`cpe_alipay.accounts`. :mod:`cpe_alipay.fake` is an
Alipay gateway for tests.
"""
from __future__ import annotations

__version__ = "0.1.0"
