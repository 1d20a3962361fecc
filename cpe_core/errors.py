"""The error that stops start-up: a plugin or a setting that must not run, with a message
saying what to change (the command line prints it without a traceback)."""
from __future__ import annotations


class PluginError(RuntimeError):
    """A plugin or setting that must not start: the message says what to change."""
