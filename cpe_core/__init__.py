"""cpe: continuing education for accounting professionals, one small core and regional plugins.

``create_app`` builds an app with its own plugin manager; nothing is global. The rooms:
:mod:`cpe_core.app` (the factory), :mod:`cpe_core.services` (the rules applied),
:mod:`cpe_core.views` (site and API), :mod:`cpe_core.models`, :mod:`cpe_core.cli` (the command line).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .app import LANGUAGES, MIGRATIONS, configure, select_locale  # noqa: F401 (re-exported)
from .plugins import PluginError
from .settings import ENV_SETTINGS  # noqa: F401 (re-exported)
from .version import __version__

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["PluginError", "create_app", "__version__"]


def create_app(*args: Any, **kwargs: Any) -> Flask:
    """The app of :func:`cpe_core.app.create_app` (same arguments), with the ``cpe`` commands
    on its command line, so ``flask --app cpe_core`` offers what ``cpe`` does."""
    from .app import create_app as build
    from .cli.commands import init_app

    app = build(*args, **kwargs)
    init_app(app)
    return app
