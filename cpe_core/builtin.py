"""The core's own hook implementations: defaults that any plugin can override.

They are ``trylast`` so a plugin's answer always comes first (pluggy calls later-registered
plugins first, and ``trylast`` puts these after all of them whatever the order).
"""
from __future__ import annotations

from hookspecs import hookimpl


@hookimpl(trylast=True)
def cpe_send_sms(region: str, phone: str, sms) -> bool:
    """Send through the region's gateway, as ``CPE_SMS_REGIONS`` chose it at start-up
    (:mod:`cpe_core.sms`); False when it has none or the gateway refused."""
    from flask import current_app

    from .sms import deliver

    return deliver(current_app.extensions["cpe"].sms_routes()[region], phone, sms)


@hookimpl
def cpe_sms_gateways(settings) -> list:
    """The log gateway (:class:`cpe_core.sms.LogGateway`): texts written to the log, not sent.
    Outside production it serves every region without a gateway of its own; in production only
    with ``CPE_SMS_LOG_IN_PRODUCTION``, and then without the text."""
    from .settings import is_production
    from .sms import LogGateway

    return [LogGateway(production=is_production(settings))]


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
