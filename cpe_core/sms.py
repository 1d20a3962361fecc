"""Which SMS gateway texts a region's learners, with which signature and templates.

The gateways come from the plugins' ``cpe_sms_gateways`` (Alibaba Cloud and Tencent Cloud in
``plugins/sms``) and from the core, which ships only :class:`LogGateway`. The deployment
chooses one per region in ``CPE_SMS_REGIONS``::

    CPE_SMS_REGIONS = {
        "<region code>": {"gateway": "aliyun", "sign_name": "<the approved signature>",
                          "templates": {"password_reset": "SMS_1", "login": "SMS_2", "invoice": "SMS_3"}},
    }

(in the environment: the same as JSON). A region not listed uses the log outside production.
In production the log is refused at start-up (the code of a password reset would sit in the
log and never reach the learner) unless ``CPE_SMS_LOG_IN_PRODUCTION`` is set, and even then it
writes no text, only the purpose and the phone's last four digits.

Keys are read by :class:`cpe_core.keys.DeploymentSettings`: ``instance/cpe.cfg``, else the
environment, else the file a ``<NAME>_FILE`` setting names (Docker and systemd secrets), never
the database. Flask-free: ``cpe check --deploy`` uses it without an app.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hookspecs import SMS_PURPOSES, SmsAccount, SmsGateway, SmsMessage

from .errors import PluginError
from .settings import _truthy, is_production

log = logging.getLogger("cpe.sms")
#: The setting that lets the log gateway serve in production (it then logs no text).
LOG_IN_PRODUCTION = "CPE_SMS_LOG_IN_PRODUCTION"
REGIONS_SETTING = "CPE_SMS_REGIONS"
LOG_CODE = "log"


def mask(phone: str) -> str:
    """The phone as logs may show it: its last four digits."""
    return f"*******{phone[-4:]}" if len(phone) >= 4 else "***"


class LogGateway:
    """The core's gateway: writes the text to the application log instead of sending it, so
    development and tests need no provider. In production (only with
    ``CPE_SMS_LOG_IN_PRODUCTION``) it logs neither the text nor the whole phone number."""

    code = LOG_CODE
    name = "日志（不发送）"
    missing: tuple[str, ...] = ()

    def __init__(self, production: bool) -> None:
        self.production = production

    def send(self, phone: str, message: SmsMessage, account: SmsAccount) -> bool:
        if self.production:
            log.warning("SMS (%s) to %s not sent: the log gateway serves in production, the text is withheld",
                        message.purpose, mask(phone))
        else:
            log.info("SMS to %s: %s", phone, message.text)
        return True

    def __repr__(self) -> str:
        return "<LogGateway>"


@dataclass(frozen=True)
class Route:
    """Where one region's texts go: ``gateway`` (None when nothing may send them) and the
    region's account; ``problem`` says in English why there is no gateway."""

    region: str
    gateway: SmsGateway | None
    account: SmsAccount
    problem: str = ""


def region_settings(settings: Mapping[str, Any]) -> dict[str, dict]:
    """``CPE_SMS_REGIONS`` as a dict (a JSON string from the environment is parsed)."""
    raw = settings.get(REGIONS_SETTING) or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise PluginError(f"{REGIONS_SETTING} is not valid JSON: {error}.") from None
    if not isinstance(raw, Mapping) or not all(isinstance(v, Mapping) for v in raw.values()):
        raise PluginError(f'{REGIONS_SETTING} must map region codes to {{"gateway": ..., "sign_name": ..., "templates": {{...}}}}.')
    return {str(code): dict(value) for code, value in raw.items()}


def account(entry: Mapping[str, Any]) -> SmsAccount:
    templates = entry.get("templates") or {}
    unknown = sorted(set(templates) - set(SMS_PURPOSES))
    if unknown:
        raise PluginError(f"{REGIONS_SETTING}: unknown template purpose(s) {', '.join(unknown)}; "
                          f"the purposes are {', '.join(SMS_PURPOSES)}.")
    return SmsAccount(sign_name=str(entry.get("sign_name") or ""), templates={k: str(v) for k, v in templates.items()})


def routes(settings: Mapping[str, Any], gateways: Mapping[str, SmsGateway], region_codes) -> dict[str, Route]:
    """Each region's :class:`Route` under ``settings``, given every declared gateway by code."""
    configured = region_settings(settings)
    production = is_production(settings)
    allow_log = _truthy(settings.get(LOG_IN_PRODUCTION) or os.environ.get(LOG_IN_PRODUCTION) or "")
    found = {}
    for code in region_codes:
        entry = configured.get(code, {})
        wanted = str(entry.get("gateway") or LOG_CODE)
        gateway = gateways.get(wanted)
        problem = ""
        if gateway is None:
            problem = (f"region '{code}' sends SMS through gateway '{wanted}', which no enabled plugin offers "
                       f"(offered: {', '.join(sorted(gateways)) or 'none'})")
        elif gateway.missing:
            problem = f"region '{code}' sends SMS through '{wanted}', which lacks {', '.join(gateway.missing)}"
            gateway = None
        elif wanted == LOG_CODE and production and not allow_log:
            problem = (f"region '{code}' has no SMS gateway in {REGIONS_SETTING}, and the log gateway "
                       f"(which sends nothing) is refused in production unless {LOG_IN_PRODUCTION}=1")
            gateway = None
        found[code] = Route(code, gateway, account(entry), problem)
    return found


def refuse_unroutable(found: Mapping[str, Route], settings: Mapping[str, Any]) -> None:
    """:class:`PluginError` naming every region without a usable gateway, in production (and
    wherever ``CPE_SMS_REGIONS`` names one that is unknown or lacks keys)."""
    production = is_production(settings)
    named = region_settings(settings)
    problems = [route.problem for route in found.values()
                if route.problem and (production or route.region in named)]
    if problems:
        raise PluginError("SMS cannot be sent: " + "; ".join(problems) + ". Choose each region's gateway in CPE_SMS_REGIONS and set its keys (README, Configuration).")


def deliver(route: Route, phone: str, message: SmsMessage) -> bool:
    """Send ``message`` through the region's gateway; False when there is none, it refused, or
    it raised (logged with the exception's type only: an SDK's message may quote the request)."""
    if route.gateway is None:
        log.error("SMS (%s) for %s not sent: %s", message.purpose, route.region, route.problem)
        return False
    try:
        sent = bool(route.gateway.send(phone, message, route.account))
    except Exception as error:  # noqa: BLE001 (any failure of a provider is a failed send)
        log.error("SMS (%s) for %s through %s failed: %s", message.purpose, route.region, route.gateway.code,
                  type(error).__name__)
        return False
    if not sent:
        log.warning("SMS (%s) for %s refused by %s (or no template for it in %s)", message.purpose,
                    route.region, route.gateway.code, REGIONS_SETTING)
    return sent
