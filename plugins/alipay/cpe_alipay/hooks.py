"""The hooks of the Alipay plugin: its providers, and what a begun app still lacks."""
from __future__ import annotations

from collections.abc import Mapping

from hookspecs import hookimpl

from . import accounts
from .provider import AlipayProvider

CPE_CONTRACT = ">=1.6,<2"


@hookimpl
def cpe_payment_providers(settings: Mapping[str, object]) -> list[AlipayProvider]:
    """One provider per complete app; none when Alipay is not configured."""
    own = accounts.own_regions(settings)
    return [AlipayProvider(account, own_regions=own) for account in accounts.accounts(settings)]


@hookimpl
def cpe_payment_missing_settings(settings: Mapping[str, object]) -> list[str]:
    return accounts.missing(settings)
