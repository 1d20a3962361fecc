"""The core's own hook implementations: defaults that any plugin can override.

They are ``trylast`` so a plugin's answer always comes first (pluggy calls later-registered
plugins first, and ``trylast`` puts these after all of them whatever the order).
"""
from __future__ import annotations

import logging

from hookspecs import hookimpl

log = logging.getLogger("cpe.sms")


@hookimpl(trylast=True)
def cpe_send_sms(region: str, phone: str, message: str) -> bool:
    """Log the message instead of sending it: a deployment without an SMS gateway still works."""
    log.info("SMS to %s for %s: %s", phone, region, message)
    return True


@hookimpl(trylast=True)
def cpe_sms_policy(region: str):
    """No sign-in by SMS code, and the deployment's daily limit of codes per phone."""
    from hookspecs import SmsPolicy

    return SmsPolicy()


@hookimpl
def cpe_payment_providers(settings) -> list:
    """The sandbox provider (see :mod:`cpe_core.payments.sandbox`), on outside production."""
    from .payments import sandbox

    return sandbox.providers(settings)
