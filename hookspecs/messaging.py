"""Messaging hooks: delivering text messages to learners."""
from __future__ import annotations

from .markers import hookspec
from .types import SmsPolicy


@hookspec(firstresult=True)
def cpe_send_sms(region: str, phone: str, message: str) -> bool | None:
    """Send ``message`` to the mainland mobile number ``phone`` on behalf of ``region``.

    Called for verification codes (password reset, SMS login). The core ships a ``trylast``
    default that writes the message to the application log, so a deployment without an SMS
    gateway still works; a gateway plugin implements this hook and returns True once the
    gateway accepted the message.

    :returns: True when sent, False when the gateway refused it; None to let the next
        implementation try.
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
