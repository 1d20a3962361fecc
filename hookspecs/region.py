"""Region hooks: which regions a plugin serves and how their sites look."""
from __future__ import annotations

from .markers import hookspec
from .types import RegionInfo


@hookspec
def cpe_regions() -> list[RegionInfo]:
    """Declare the regions this plugin serves, with their branding and site content.

    Called once at start-up on every plugin. A plugin that implements this hook is a *region
    plugin*: from then on the core calls its other hooks only for the regions it declared here
    (see "Routing" in docs/plugins.md). A plugin that does not implement it is *region-agnostic*
    and is called for every region (payment providers, SMS senders, defaults).

    :returns: a list of :class:`~hookspecs.types.RegionInfo`, usually one. Region codes must be
        unique across all enabled plugins; a clash stops start-up.
    """
