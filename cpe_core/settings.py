"""The deployment's settings, read without Flask: defaults, then ``<instance>/cpe.cfg``, then
environment variables, then the caller's overrides.

:func:`cpe_core.create_app` puts them into ``app.config``; ``cpe export --format csv`` (see
:mod:`cpe_core.cli.quick_export`) reads them here without building an app, so both see the same
database, plugins and secret-key check.
"""
from __future__ import annotations

import errno
import os
import secrets
import sys
import types
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from .errors import PluginError

#: Settings a deployer may give as environment variables (they win over the instance file).
ENV_SETTINGS = ("CPE_PLUGINS", "CPE_DATABASE_URL", "CPE_SECRET_KEY", "CPE_ENV", "CPE_PASSWORD_METHOD",
    "CPE_CELERY_BROKER_URL", "CPE_CJK_FONT", "CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION", "CPE_DEV_OUTBOX")
#: The values of ``CPE_ENV`` that are not production (anything else, and the default, is).
NON_PRODUCTION_ENVS = ("development", "testing")
#: Set (true) to start in production with a test switch on anyway (see :func:`test_switches_on`).
TEST_SWITCH_OVERRIDE = "CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION"


def default_instance_path() -> str:
    """Where Flask puts the ``cpe_core`` app's instance folder when none is given: ``instance/``
    beside the package when it is not installed under ``sys.prefix`` (a checkout, an editable
    install), else ``<prefix>/var/cpe_core-instance`` (Flask's ``App.auto_find_instance_path``;
    a test checks that both agree)."""
    package_path = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    prefix = os.path.abspath(sys.prefix)
    if PurePath(package_path).is_relative_to(prefix):
        return os.path.join(prefix, "var", "cpe_core-instance")
    site_parent, site_folder = os.path.split(package_path)
    if site_folder.lower() == "site-packages":
        parent, folder = os.path.split(site_parent)
        if folder.lower() == "lib":
            root = parent
        elif os.path.basename(parent).lower() == "lib":
            root = os.path.dirname(parent)
        else:
            root = site_parent
        return os.path.join(root, "var", "cpe_core-instance")
    return os.path.join(package_path, "instance")


def instance_path(given: str | None = None) -> str:
    """The instance folder: ``given``, else ``CPE_INSTANCE_PATH``, else Flask's default."""
    return given or os.environ.get("CPE_INSTANCE_PATH") or default_instance_path()


def read_pyfile(path: Path) -> dict[str, Any]:
    """The upper-case names a Python settings file defines (as Flask's ``from_pyfile``);
    nothing when the file does not exist."""
    module = types.ModuleType("config")
    module.__file__ = str(path)
    try:
        with open(path, "rb") as stream:
            exec(compile(stream.read(), str(path), "exec"), module.__dict__)  # noqa: S102 (the deployer's own file)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
            return {}
        error.strerror = f"Unable to load configuration file ({error.strerror})"
        raise
    return {key: value for key, value in vars(module).items() if key.isupper()}


def load_settings(instance: str, test_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then ``<instance>/cpe.cfg``, then environment variables, then ``test_config``;
    :class:`PluginError` when production has no secret key."""
    Path(instance).mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = dict(
        CPE_ENV="production",
        CPE_PLUGINS="*",
        CPE_DATABASE_URL=f"sqlite:///{Path(instance) / 'cpe.sqlite3'}",
        CPE_PASSWORD_METHOD="scrypt",
        CPE_DEFAULT_LOCALE="zh",
        # Refuse oversized uploads before reading them; per-file limits are the regions' rules.
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SQLALCHEMY_ENGINE_OPTIONS={},
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
    )
    config.update(read_pyfile(Path(instance) / "cpe.cfg"))
    for key in ENV_SETTINGS:
        if key in os.environ:
            config[key] = os.environ[key]
    if test_config:
        config.update(test_config)
    config["SQLALCHEMY_DATABASE_URI"] = config["CPE_DATABASE_URL"]
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config["SQLALCHEMY_ENGINE_OPTIONS"])
    refuse_test_switches_in_production(config)
    development = not is_production(config) or bool(config.get("TESTING"))
    # Cookies travel over HTTPS only in production; the demo server on 127.0.0.1 is plain HTTP.
    config["SESSION_COOKIE_SECURE"] = config.get("CPE_SECURE_COOKIES", not development)
    secret = config.get("CPE_SECRET_KEY") or config.get("SECRET_KEY")
    if not secret:
        if not development:
            raise PluginError(
                "CPE_SECRET_KEY is not set: put it in instance/cpe.cfg or the environment."
            )
        secret = secrets.token_hex(32)
    config["SECRET_KEY"] = secret
    config["CPE_DEV_OUTBOX"] = dev_outbox_on(config, development)
    return config


def dev_outbox_on(settings: Mapping[str, Any], development: bool) -> bool:
    """Whether the development outbox (:mod:`cpe_core.dev_outbox`) is on: ``CPE_DEV_OUTBOX`` if
    set, else under ``CPE_ENV=development``; :class:`PluginError` when production asks for it."""
    value = settings.get("CPE_DEV_OUTBOX")
    if value is None:
        return settings.get("CPE_ENV") == "development"
    if _truthy(value) and not development:
        raise PluginError(
            "CPE_DEV_OUTBOX is on in production: the outbox shows every e-mail and SMS code to "
            "whoever opens /dev/outbox. It is for CPE_ENV=development only; remove the setting."
        )
    return _truthy(value)


def is_production(settings: Mapping[str, Any]) -> bool:
    """Whether ``CPE_ENV`` says production (the default: a deployment must opt out)."""
    return settings.get("CPE_ENV", "production") not in NON_PRODUCTION_ENVS


def _truthy(value: Any) -> bool:
    if isinstance(value, str):  # from the environment
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def sandbox_enabled(settings: Mapping[str, Any]) -> bool:
    """Whether the sandbox payment provider is on: ``CPE_PAYMENT_SANDBOX`` if set, else outside
    production (or under ``TESTING``)."""
    enabled = settings.get("CPE_PAYMENT_SANDBOX")
    if enabled is None:
        return not is_production(settings) or bool(settings.get("TESTING"))
    return _truthy(enabled)


def test_switches_on(settings: Mapping[str, Any]) -> list[str]:
    """The settings meant for tests and demos that are on: ``TESTING`` (cookies lose Secure, the
    sandbox turns on), ``CPE_CAPTCHA_TEST_ANSWER`` (every captcha's answer) and
    ``CPE_PAYMENT_SANDBOX`` (payments that move no money)."""
    switches = []
    if settings.get("TESTING"):
        switches.append("TESTING")
    if settings.get("CPE_CAPTCHA_TEST_ANSWER"):
        switches.append("CPE_CAPTCHA_TEST_ANSWER")
    if sandbox_enabled(settings):
        switches.append("CPE_PAYMENT_SANDBOX")
    return switches


def refuse_test_switches_in_production(settings: Mapping[str, Any]) -> None:
    """:class:`PluginError` naming every test switch that is on in production, unless
    ``CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION`` is set: a ``TESTING = True`` left in a production
    ``cpe.cfg`` must stop the start, not quietly fake payments."""
    if not is_production(settings) or _truthy(settings.get(TEST_SWITCH_OVERRIDE)):
        return
    switches = test_switches_on(settings)
    if switches:
        raise PluginError(
            f"CPE_ENV is production (set CPE_ENV=development for a demo) but test switches are on: "
            f"{', '.join(switches)}. Turn them off in instance/cpe.cfg or the environment, or set "
            f"{TEST_SWITCH_OVERRIDE}=1 to start anyway."
        )


def engine_options(given: Mapping[str, Any]) -> dict[str, Any]:
    """The engine options of the app and of ``cpe export``: the deployer's, with two that hold
    whatever they say.

    ``pool_pre_ping``: a pooled connection is tested (one round trip) each time it is checked
    out, and replaced if the database dropped it (a restart, ``pg_terminate_backend``, a
    firewall's idle timeout), so a dropped connection costs no request a 500. The heartbeat's
    fast path does not go through the pool (:mod:`cpe_core.speed.held_connections` handles its own).
    ``hide_parameters``: a failing statement is logged and raised without its bound values,
    which may be a password hash, a reset code or a token.
    """
    return {**given, "pool_pre_ping": True, "hide_parameters": True}


def engine_url(settings: Mapping[str, Any], instance: str):
    """The database URL the app's engine uses: a relative SQLite path lies in the instance
    folder (as Flask-SQLAlchemy makes it; a test checks both agree)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings["CPE_DATABASE_URL"])
    if url.drivername in {"sqlite", "sqlite+pysqlite"} and url.database not in (None, "", ":memory:"):
        is_uri = url.query.get("uri", False)
        database = url.database[5:] if is_uri else url.database
        if not os.path.isabs(database):
            os.makedirs(instance, exist_ok=True)
            database = os.path.join(instance, database)
            url = url.set(database=f"file:{database}" if is_uri else database)
    return url
