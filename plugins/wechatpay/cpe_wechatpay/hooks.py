"""The hooks of the WeChat Pay plugin: its providers, and what a begun account still lacks."""
from __future__ import annotations

from collections.abc import Mapping

from hookspecs import hookimpl

from . import accounts
from .provider import WeChatPayProvider

CPE_CONTRACT = ">=1.6,<2"


@hookimpl
def cpe_payment_providers(settings: Mapping[str, object]) -> list[WeChatPayProvider]:
    """One provider per complete merchant account; none when WeChat Pay is not configured."""
    own = accounts.own_regions(settings)
    return [WeChatPayProvider(account, own_regions=own) for account in accounts.accounts(settings)]


@hookimpl
def cpe_payment_missing_settings(settings: Mapping[str, object]) -> list[str]:
    return accounts.missing(settings)
