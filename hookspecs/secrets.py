"""Reading a provider plugin's settings (a merchant account, an SMS account...): from the app's
configuration, else the environment; a secret may also be a file (``<NAME>_FILE``), so keys stay
out of the configuration file. Payment and SMS plugins share it, so every secret is read one way.

Values read here are never logged, shown or stored: only setting *names* leave this module."""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping


def setting(settings: Mapping[str, object], name: str) -> str:
    """``name`` from the app's configuration, else from the environment; ``""`` when unset."""
    value = settings.get(name)
    if value is None or value == "":
        value = os.environ.get(name, "")
    return str(value).strip()


def secret(settings: Mapping[str, object], name: str) -> str:
    """A secret given as ``name`` itself or as a file named by ``<name>_FILE``; ``""`` when
    neither is set or the file cannot be read (the caller reports it missing)."""
    direct = setting(settings, name)
    if direct:
        return direct
    path = setting(settings, f"{name}_FILE")
    if not path:
        return ""
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read().strip()
    except OSError:
        return ""


def region_prefixes(settings: Mapping[str, object], prefix: str, marker: str) -> dict[str, str]:
    """The regions holding their own merchant account: ``{region: setting prefix}`` for every
    ``<prefix><REGION>_<marker>`` set in the configuration or the environment (a region code's
    dashes are underscores in a setting name)."""
    pattern = re.compile(rf"^{re.escape(prefix)}([A-Z][A-Z0-9_]*?)_{re.escape(marker)}$")
    names: Iterable[str] = list(settings) + list(os.environ)
    found = {}
    for name in names:
        match = pattern.match(str(name))
        if match and setting(settings, name):
            found[match.group(1).lower().replace("_", "-")] = f"{prefix}{match.group(1)}_"
    return dict(sorted(found.items()))
