"""Messaging hooks: delivering text messages to learners."""
from __future__ import annotations

from .markers import hookspec


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
