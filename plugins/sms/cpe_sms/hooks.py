"""The plugin's one hook: the two gateways, each with the settings it still lacks."""
from __future__ import annotations

from collections.abc import Mapping

from hookspecs import hookimpl

from .gateways import AliyunGateway, TencentGateway

CPE_CONTRACT = ">=1.8,<2"  # cpe_sms_gateways


@hookimpl
def cpe_sms_gateways(settings: Mapping[str, object]) -> list:
    """Alibaba Cloud and Tencent Cloud, configured from ``settings`` (keys missing or not: a
    gateway without its keys lists them in ``missing`` and is never used)."""
    return [AliyunGateway.from_settings(settings), TencentGateway.from_settings(settings)]
