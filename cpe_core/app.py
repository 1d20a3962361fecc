"""The app factory: settings, plugins, database, pages and the job queue of one cpe app.

Each app has its own plugin manager; nothing is global. The package's ``create_app``
(:mod:`cpe_core`) adds the ``cpe`` commands (:mod:`cpe_core.cli.commands`) to what this builds.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .plugins import load_plugins
from .settings import ENV_SETTINGS, instance_path as _instance_path, load_settings  # noqa: F401 (ENV_SETTINGS: re-exported)

if TYPE_CHECKING:
    from flask import Flask

# Flask, Flask-SQLAlchemy and the models are imported inside ``create_app``: importing this
# package stays cheap, so ``cpe export --format csv`` (:mod:`cpe_core.cli.quick_export`) runs without them.

MIGRATIONS = str(Path(__file__).parent / "migrations")
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
        ``cpe plugins`` use it (see :mod:`cpe_core.cli.commands`).
    """
    from flask import Flask

    from .clock import SystemClock
    from .extensions import db
    from .regions import Regions

    app = Flask(
        __package__,  # "cpe_core": templates, static files and translations live beside this module
        instance_relative_config=True,
        instance_path=_instance_path(instance_path),
    )
    configure(app, test_config)
    from .keys import hide_query_strings

    hide_query_strings()  # some providers' URLs carry a secret or a code (cpe_core.keys)

    plugins = list(plugins)
    if app.config["CPE_DEV_OUTBOX"]:
        # Development: e-mails and SMS codes go to /dev/outbox (see cpe_core.dev_outbox).
        from .dev_outbox import Outbox, OutboxGateway, folder

        box = Outbox(Path(app.config.get("CPE_OUTBOX_DIR") or folder(app.instance_path)))
        app.extensions["cpe_dev_outbox"] = box
        plugins.append(("dev-outbox", OutboxGateway(box)))
    plugin_set = load_plugins(app.config["CPE_PLUGINS"], extra=plugins)
    from .services.years import stored_overrides

    app.extensions["cpe"] = Regions(plugin_set, overrides=stored_overrides)
    for line in app.extensions["cpe"].missing_payment_settings(app.config):
        # Started anyway (the other providers work); `cpe check --deploy` reports it as an error.
        app.logger.warning("payment provider not offered, a setting is missing: %s", line)
    # Where each region's SMS go, decided now: production without a gateway stops here.
    app.extensions["cpe"].route_sms(app.config)
    app.extensions["cpe_clock"] = app.config.get("CPE_CLOCK") or SystemClock()

    db.init_app(app)
    if not lean:
        from . import auth, headers, security, views
        from .extensions import babel, csrf, login_manager, migrate

        migrate.init_app(app, db, directory=MIGRATIONS)
        csrf.init_app(app)
        login_manager.init_app(app)
        babel.init_app(app, locale_selector=select_locale)
        auth.init_app(app)
        security.init_app(app)
        headers.init_app(app)
        views.init_app(app)
        trust_proxies(app)
    if lean:
        # The job queue (importing Celery alone takes about 0.15 s) is built on first use.
        app.extensions["celery"] = _OnFirstUse(lambda: _make_celery(app))
    else:
        from . import jobs

        jobs.init_app(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``CPE_PROXY_COUNT`` reverse proxies (nginx: 1), take the client's address, scheme
    and host from the ``X-Forwarded-*`` headers the proxies set (werkzeug's ``ProxyFix``, the
    outermost layer, so the heartbeat gateway sees them too). Without it every request seems to
    come from the proxy: the per-address limits (failed sign-ins, captchas) would count all
    visitors together. Never set it without a proxy in front: clients could then choose their
    address."""
    count = int(app.config.get("CPE_PROXY_COUNT") or 0)
    if count < 0:
        raise ValueError(f"CPE_PROXY_COUNT must be 0 or more, not {count}")
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


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
    """Defaults, then ``instance/cpe.cfg``, then environment variables, then ``test_config``
    (:func:`cpe_core.settings.load_settings`, which ``cpe export --format csv`` reads too)."""
    app.config.update(load_settings(app.instance_path, test_config))


def select_locale() -> str:
    """Chinese unless the visitor chose English (``?lang=en``, remembered in the session)."""
    from flask import current_app, request, session

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
        # rewriting pages (several gunicorn workers writing heartbeats need it). synchronous=FULL
        # syncs the log at every commit: credits, payments, scores and certificates survive a
        # power cut. Only the connections that answer the usual heartbeat relax it
        # (learning.quick_heartbeat), as PostgreSQL's synchronous_commit is relaxed for that
        # heartbeat alone. (An in-memory database answers "memory" and stays as it is.)
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
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
