"""Reading keys and keeping them out of logs.

:class:`DeploymentSettings` is how gateways (SMS, the WeChat mini-program) read their keys:
``instance/cpe.cfg``, else the environment, else the file a ``<NAME>_FILE`` setting names
(Docker and systemd secrets); never the database. :func:`hide_query_strings` keeps urllib3's
DEBUG request lines from logging query strings, where some providers' APIs carry a secret
(WeChat's ``jscode2session``) or a text's variables (Alibaba Cloud's ``SendSms``). Flask-free.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import PluginError


class DeploymentSettings(Mapping):
    """The app's settings as a gateway reads them: the configuration, else the environment
    variable of the same name, else the content of the file ``<NAME>_FILE`` names (config or
    environment; trailing whitespace dropped). Read-only; its ``repr`` shows no value."""

    def __init__(self, config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
        self._config = config
        self._environ = os.environ if environ is None else environ

    def __getitem__(self, key: str) -> Any:
        value = self._config.get(key)
        if value not in (None, ""):
            return value
        value = self._environ.get(key)
        if value not in (None, ""):
            return value
        path = self._config.get(f"{key}_FILE") or self._environ.get(f"{key}_FILE")
        if path:
            try:
                with open(path, encoding="utf-8") as stream:
                    return stream.read().strip()
            except OSError as error:
                raise PluginError(f"{key}_FILE names {path}, which cannot be read ({error.strerror}).") from None
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
