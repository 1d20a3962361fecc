"""Reading keys and keeping them out of logs.

:class:`DeploymentSettings` is how gateways (SMS, the WeChat mini-program) read their keys:
``instance/cpe.cfg``, else the environment, else the file a ``<NAME>_FILE`` setting names
(Docker and systemd secrets; :mod:`hookspecs.secrets`, which the provider plugins use too);
never the database. :func:`hide_query_strings` keeps urllib3's
DEBUG request lines from logging query strings, where some providers' APIs carry a secret
(WeChat's ``jscode2session``) or a text's variables (Alibaba Cloud's ``SendSms``). Flask-free.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from hookspecs.secrets import secret


class DeploymentSettings(Mapping):
    """The app's settings as a gateway reads them: the configuration's own value (a dict stays a
    dict), else what :func:`hookspecs.secrets.secret` reads (the environment variable of the same
    name, else the file ``<NAME>_FILE`` names), the one reader of secrets the provider plugins
    share. A key that cannot be read is missing, and the gateway names it. Read-only; its
    ``repr`` shows no value."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config

    def __getitem__(self, key: str) -> Any:
        value = self._config.get(key)
        if value not in (None, ""):
            return value
        value = secret(self._config, key)
        if value:
            return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._config)

    def __len__(self) -> int:
        return len(self._config)

    def __repr__(self) -> str:
        return f"<DeploymentSettings of {len(self._config)} settings>"


class _NoQueryStrings(logging.Filter):
    """Drops the query string from urllib3's request lines (``"GET /path?query HTTP/1.1"``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 4 and isinstance(args[4], str) and "?" in args[4]:
            record.args = (*args[:4], args[4].split("?", 1)[0] + "?(query withheld)", *args[5:])
        return True


def hide_query_strings() -> None:
    """Install the filter on urllib3's connection-pool logger, once per process."""
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(existing, _NoQueryStrings) for existing in logger.filters):
        logger.addFilter(_NoQueryStrings())
