"""cpe: continuing education for accounting professionals, one small core and regional plugins.

``create_app`` builds an app with its own plugin manager; nothing is global.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .clock import SystemClock
from .extensions import db
from .plugins import PluginError, load_plugins
from .regions import Regions

__all__ = ["PluginError", "create_app"]
__version__ = "0.1.0"

MIGRATIONS = str(Path(__file__).parent / "migrations")
#: Settings a deployer may give as environment variables (they win over the instance file).
ENV_SETTINGS = ("CPE_PLUGINS", "CPE_DATABASE_URL", "CPE_SECRET_KEY", "CPE_ENV", "CPE_PASSWORD_METHOD",
    "CPE_CELERY_BROKER_URL", "CPE_CJK_FONT")
LANGUAGES = ("zh", "en")


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    plugins: Iterable[tuple[str, object]] = (),
    instance_path: str | None = None,
    lean: bool = False,
) -> Flask:
    """Build the cpe app.

    :param test_config: settings that override everything else (tests, embedding).
    :param plugins: ``(name, plugin)`` pairs registered besides those named in ``CPE_PLUGINS``.
    :param instance_path: where ``cpe.cfg`` and the SQLite file live (default: Flask's
        ``instance/`` folder, or ``CPE_INSTANCE_PATH``).
    :param lean: only what command-line work on the data needs (settings, plugins, database,
        job queue, the ``cpe`` commands): no pages, sign-in, rate limits, CSRF, translations or
        migrations, whose imports are most of the start-up time. ``cpe export`` and
        ``cpe plugins`` use it (see :mod:`cpe_core.cli`).
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path or os.environ.get("CPE_INSTANCE_PATH"),
    )
    configure(app, test_config)

    plugin_set = load_plugins(app.config["CPE_PLUGINS"], extra=plugins)
    app.extensions["cpe"] = Regions(plugin_set)
    app.extensions["cpe_clock"] = app.config.get("CPE_CLOCK") or SystemClock()

    db.init_app(app)
    if not lean:
        from . import auth, security, views
        from .extensions import babel, csrf, login_manager, migrate

        migrate.init_app(app, db, directory=MIGRATIONS)
        csrf.init_app(app)
        login_manager.init_app(app)
        babel.init_app(app, locale_selector=select_locale)
        auth.init_app(app)
        security.init_app(app)
        views.init_app(app)
    from . import cli

    cli.init_app(app)
    if lean:
        # The job queue (importing Celery alone takes about 0.15 s) is built on first use.
        app.extensions["celery"] = _OnFirstUse(lambda: _make_celery(app))
    else:
        from . import jobs

        jobs.init_app(app)
    return app


def _make_celery(app: Flask):
    from .jobs import make_celery

    return make_celery(app)


class _OnFirstUse:
    """Stands for the object ``factory`` returns, built when an attribute is first read."""

    def __init__(self, factory) -> None:
        self._factory = factory
        self._built = None

    def __getattr__(self, name: str):
        if self._built is None:
            self._built = self._factory()
        return getattr(self._built, name)


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Defaults, then ``instance/cpe.cfg``, then environment variables, then ``test_config``."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        CPE_ENV="production",
        CPE_PLUGINS="*",
        CPE_DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'cpe.sqlite3'}",
        CPE_PASSWORD_METHOD="scrypt",
        CPE_DEFAULT_LOCALE="zh",
        # Refuse oversized uploads before reading them; per-file limits are the regions' rules.
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
    )
    app.config.from_pyfile("cpe.cfg", silent=True)
    for key in ENV_SETTINGS:
        if key in os.environ:
            app.config[key] = os.environ[key]
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["CPE_DATABASE_URL"]
    if app.config["CPE_DATABASE_URL"].startswith("sqlite"):
        # A SQLite file cannot drop a connection: the ping before each checkout only costs time.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items() if k != "pool_pre_ping"
        }
    development = app.config["CPE_ENV"] in ("development", "testing") or app.testing
    # Cookies travel over HTTPS only in production; the demo server on 127.0.0.1 is plain HTTP.
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("CPE_SECURE_COOKIES", not development)
    secret = app.config.get("CPE_SECRET_KEY") or app.config.get("SECRET_KEY")
    if not secret:
        if not development:
            raise PluginError(
                "CPE_SECRET_KEY is not set: put it in instance/cpe.cfg or the environment."
            )
        secret = secrets.token_hex(32)
    app.config["SECRET_KEY"] = secret


def select_locale() -> str:
    """Chinese unless the visitor chose English (``?lang=en``, remembered in the session)."""
    from flask import current_app

    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return session.get("lang") or current_app.config["CPE_DEFAULT_LOCALE"]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite enforces foreign keys only when asked, per connection; wait for locks rather than fail.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # pysqlite's own transaction handling breaks SAVEPOINT (a released savepoint commits):
        # let SQLAlchemy emit BEGIN itself, as its SQLite documentation recommends.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # WAL: readers never wait for a writer, and a commit appends to the log instead of
        # rewriting pages; with synchronous=NORMAL it syncs at checkpoints only (a power cut may
        # lose the last commits, never corrupt the file). Several gunicorn workers writing
        # heartbeats need both. (An in-memory database answers "memory" and stays as it is.)
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        # The execution option ``cpe_sqlite_begin`` lets a write transaction take the write lock
        # up front ("BEGIN IMMEDIATE": waits for it, never "database is locked" after reading),
        # or None for no transaction at all: each statement then commits on its own.
        statement = connection.get_execution_options().get("cpe_sqlite_begin", "BEGIN")
        if statement:
            connection.exec_driver_sql(statement)
