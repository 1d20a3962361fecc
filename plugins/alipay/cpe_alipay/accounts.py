"""The Alipay apps (merchant accounts) a deployment configured.

The deployment's app (``CPE_ALIPAY_APP_ID`` and the rest) serves every region that has none of
its own; a region holds its own with the same names after ``CPE_ALIPAY_<REGION>_``
(``CPE_ALIPAY_GUANGDONG_APP_ID``...). An app is *begun* once its id is set; it is offered only
when its keys are there too, and :func:`missing` names what is not.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hookspecs.secrets import region_prefixes, secret, setting

PREFIX = "CPE_ALIPAY_"
DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
#: The app's private key and Alipay's public key (支付宝公钥); each may be a file (``_FILE``).
SECRETS = ("PRIVATE_KEY", "PUBLIC_KEY")


@dataclass(frozen=True)
class Account:
    region: str
    app_id: str
    private_key: str = field(repr=False)
    alipay_public_key: str = field(repr=False)
    gateway: str = DEFAULT_GATEWAY

    @property
    def code(self) -> str:
        return "alipay" if not self.region else f"alipay_{self.region.replace('-', '_')}"


def _prefixes(settings: Mapping[str, object]) -> dict[str, str]:
    found = {"": PREFIX} if setting(settings, f"{PREFIX}APP_ID") else {}
    found.update(region_prefixes(settings, PREFIX, "APP_ID"))
    return found


def own_regions(settings: Mapping[str, object]) -> frozenset[str]:
    """Regions that began an app of their own: the deployment's never takes their money."""
    return frozenset(region for region in _prefixes(settings) if region)


def _missing_of(settings: Mapping[str, object], prefix: str) -> list[str]:
    return [f"{prefix}{name}（或 {prefix}{name}_FILE）" for name in SECRETS if not secret(settings, f"{prefix}{name}")]


def missing(settings: Mapping[str, object]) -> list[str]:
    lines = []
    for region, prefix in _prefixes(settings).items():
        code = "alipay" if not region else f"alipay_{region.replace('-', '_')}"
        lines += [f"{code}: {name}" for name in _missing_of(settings, prefix)]
    return lines


def accounts(settings: Mapping[str, object]) -> list[Account]:
    found = []
    default_gateway = setting(settings, f"{PREFIX}GATEWAY") or DEFAULT_GATEWAY
    for region, prefix in _prefixes(settings).items():
        if _missing_of(settings, prefix):
            continue
        found.append(Account(
            region=region,
            app_id=setting(settings, f"{prefix}APP_ID"),
            private_key=secret(settings, f"{prefix}PRIVATE_KEY"),
            alipay_public_key=secret(settings, f"{prefix}PUBLIC_KEY"),
            gateway=setting(settings, f"{prefix}GATEWAY") or default_gateway,
        ))
    return found
