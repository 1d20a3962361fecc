"""The Flask extensions, created unbound and initialised in :func:`cpe_core.create_app`.

Only ``db`` is built at import. The others (``babel``, ``csrf``, ``login_manager``,
``migrate``) serve the site or migrations and are built on first use (PEP 562 module
``__getattr__``), so a command that needs neither — ``cpe export`` — does not import
Flask-Babel, Flask-WTF, Flask-Login or Flask-Migrate (and with it Alembic and Mako).
"""
from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def _babel():
    from flask_babel import Babel

    return Babel()


def _csrf():
    from flask_wtf import CSRFProtect

    return CSRFProtect()


def _login_manager():
    from flask_login import LoginManager

    return LoginManager()


def _migrate():
    from flask_migrate import Migrate

    return Migrate()


_LAZY = {"babel": _babel, "csrf": _csrf, "login_manager": _login_manager, "migrate": _migrate}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Built once: every later import gets the same object from the module's namespace.
    value = globals()[name] = _LAZY[name]()
    return value
