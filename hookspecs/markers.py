"""The pluggy markers of the ``cpe`` project. Plugins decorate their hooks with :data:`hookimpl`."""
from __future__ import annotations

import pluggy

PROJECT_NAME = "cpe"
#: The entry-point group plugins are discovered through.
ENTRY_POINT_GROUP = "cpe.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
