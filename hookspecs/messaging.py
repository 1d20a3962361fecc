"""Messaging hooks: delivering text messages to learners, and through which SMS gateway."""
from __future__ import annotations

from collections.abc import Mapping

from .markers import hookspec
from .types import SmsGateway, SmsMessage, SmsPolicy


@hookspec(firstresult=True)
def cpe_send_sms(region: str, phone: str, message: str, sms: SmsMessage) -> bool | None:
    """Send a text to the mainland mobile number ``phone`` on behalf of ``region`` yourself.

    Called for every text (password-reset and sign-in codes, invoice links), before the core
    tries the region's gateway. Only on ``region``'s plugin and region-agnostic ones. Most
    plugins leave this alone and let the deployment choose a gateway
    (:func:`cpe_sms_gateways`, ``CPE_SMS_REGIONS``); implement it to send through something
    that is not a gateway (the development outbox does).

    :param message: the whole text (``sms.text``), kept for implementations written before
        ``sms``.
    :param sms: the :class:`~hookspecs.types.SmsMessage`: purpose, template variables and text.
    :returns: True when sent, False when refused; None to let the region's gateway send it.
    """


@hookspec
def cpe_sms_gateways(settings: Mapping[str, object]) -> list[SmsGateway] | None:
    """Declare the SMS gateways (providers) this plugin offers.

    Called once per app at start-up, on every plugin (all answers are collected). Each region
    of the deployment chooses one by its ``code`` in ``CPE_SMS_REGIONS``, which also holds the
    region's signature and template ids (:class:`~hookspecs.types.SmsAccount`, passed to
    ``send``). The core ships ``log`` (writes the text to the log; refused in production unless
    ``CPE_SMS_LOG_IN_PRODUCTION``).

    :param settings: the deployment's settings (read-only): ``instance/cpe.cfg``, else the
        environment variable of the same name, else the content of the file named by
        ``<NAME>_FILE`` (for secrets; :func:`hookspecs.secrets.secret` reads the same way). Read
        keys here, never from the database.
    :returns: the gateways, each with a ``code`` unique across plugins; declare a gateway even
        when its keys are missing, with ``missing`` naming them, so start-up can say what to set.
    """


@hookspec(firstresult=True)
def cpe_sms_policy(region: str) -> SmsPolicy | None:
    """Say how ``region`` uses SMS verification codes: whether its learners may sign in with a
    code (手机验证码登录) and how many codes one phone may receive a day.

    Called when the login page is drawn (the 验证码登录 tab shows only when ``login`` is True),
    by the site's and the API's code sign-in (``POST /api/v1/regions/<region>/login/sms-code``
    sends a code, ``POST /api/v1/regions/<region>/login/sms`` signs in with it) and whenever a
    code is sent (password reset too) to read the day's limit. Only on ``region``'s plugin and
    region-agnostic ones. The core keeps every other rule: codes are 6 digits, stored hashed,
    valid 10 minutes, used once, burnt after 5 wrong tries; a code sign-in counts against the
    same lock-out as wrong passwords, and starts the account's one live session.

    :param region: the region code.
    :returns: a :class:`~hookspecs.types.SmsPolicy`; None lets the next implementation answer
        (the core's default: no code sign-in, the deployment's ``CPE_SMS_DAILY_LIMIT``).
    """
