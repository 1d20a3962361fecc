"""The WeChat Pay merchant accounts a deployment configured.

The deployment's account (``CPE_WECHATPAY_MCH_ID`` and the rest) serves every region that has
none of its own; a region holds its own with the same names after ``CPE_WECHATPAY_<REGION>_``
(``CPE_WECHATPAY_GUANGDONG_MCH_ID``...; dashes of a region code are underscores). An account is
*begun* once its merchant id is set; it is offered only when every required setting is there,
and :func:`missing` names what is not.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from hookspecs.secrets import region_prefixes, secret, setting

PREFIX = "CPE_WECHATPAY_"
DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
#: Always required; each secret may instead be a file named by ``<NAME>_FILE``.
REQUIRED = ("MCH_ID", "APPID", "CERT_SERIAL_NO")
SECRETS = ("PRIVATE_KEY", "APIV3_KEY")


@dataclass(frozen=True)
class Account:
    """One merchant account. ``region`` is empty for the deployment's own."""

    region: str
    mch_id: str
    appid: str
    cert_serial_no: str
    private_key: str = field(repr=False)
    apiv3_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    platform_cert_dir: str = ""
    public_key: str = field(default="", repr=False)
    public_key_id: str = ""

    @property
    def code(self) -> str:
        """The provider code of this account: ``wechatpay``, or ``wechatpay_<region>``."""
        return "wechatpay" if not self.region else f"wechatpay_{self.region.replace('-', '_')}"


def _prefixes(settings: Mapping[str, object]) -> dict[str, str]:
    """``{region or "": prefix}`` of every begun account."""
    found = {"": PREFIX} if setting(settings, f"{PREFIX}MCH_ID") else {}
    found.update(region_prefixes(settings, PREFIX, "MCH_ID"))
    return found


def own_regions(settings: Mapping[str, object]) -> frozenset[str]:
    """Regions that began an account of their own: the deployment's account never takes their
    money, even while their own is incomplete (and so not offered)."""
    return frozenset(region for region in _prefixes(settings) if region)


def _missing_of(settings: Mapping[str, object], prefix: str) -> list[str]:
    lacking = [f"{prefix}{name}" for name in REQUIRED if not setting(settings, f"{prefix}{name}")]
    lacking += [f"{prefix}{name}（或 {prefix}{name}_FILE）" for name in SECRETS if not secret(settings, f"{prefix}{name}")]
    if secret(settings, f"{prefix}APIV3_KEY") and len(secret(settings, f"{prefix}APIV3_KEY").encode()) != 32:
        lacking.append(f"{prefix}APIV3_KEY（应为32字节）")
    if secret(settings, f"{prefix}PUBLIC_KEY"):
        if not setting(settings, f"{prefix}PUBLIC_KEY_ID"):
            lacking.append(f"{prefix}PUBLIC_KEY_ID")
    else:
        folder = setting(settings, f"{prefix}PLATFORM_CERT_DIR")
        if not folder:
            lacking.append(f"{prefix}PLATFORM_CERT_DIR（或 {prefix}PUBLIC_KEY_FILE 与 {prefix}PUBLIC_KEY_ID）")
        elif not _has_certificate(folder):
            lacking.append(f"{prefix}PLATFORM_CERT_DIR（目录中没有平台证书 .pem）")
    return lacking


def _has_certificate(folder: str) -> bool:
    try:
        return any(name.lower().endswith(".pem") for name in os.listdir(folder))
    except OSError:
        return False


def missing(settings: Mapping[str, object]) -> list[str]:
    """One line per missing setting of each begun account, naming the provider code."""
    lines = []
    for region, prefix in _prefixes(settings).items():
        code = "wechatpay" if not region else f"wechatpay_{region.replace('-', '_')}"
        lines += [f"{code}: {name}" for name in _missing_of(settings, prefix)]
    return lines


def accounts(settings: Mapping[str, object]) -> list[Account]:
    """Every begun account that has all it needs."""
    found = []
    default_base = setting(settings, f"{PREFIX}BASE_URL") or DEFAULT_BASE_URL
    for region, prefix in _prefixes(settings).items():
        if _missing_of(settings, prefix):
            continue
        found.append(Account(
            region=region,
            mch_id=setting(settings, f"{prefix}MCH_ID"),
            appid=setting(settings, f"{prefix}APPID"),
            cert_serial_no=setting(settings, f"{prefix}CERT_SERIAL_NO"),
            private_key=secret(settings, f"{prefix}PRIVATE_KEY"),
            apiv3_key=secret(settings, f"{prefix}APIV3_KEY"),
            base_url=(setting(settings, f"{prefix}BASE_URL") or default_base).rstrip("/"),
            platform_cert_dir=setting(settings, f"{prefix}PLATFORM_CERT_DIR"),
            public_key=secret(settings, f"{prefix}PUBLIC_KEY"),
            public_key_id=setting(settings, f"{prefix}PUBLIC_KEY_ID"),
        ))
    return found
