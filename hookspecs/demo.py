"""Demo hooks: the sample content ``make run`` loads so a fresh site can be tried at once."""
from __future__ import annotations

from .markers import hookspec
from .types import DemoData


@hookspec(firstresult=True)
def cpe_demo_data(region: str) -> DemoData | None:
    """Return demo institutions, courses and accounts for ``region``.

    Called by ``cpe demo load`` (which ``make run`` runs). Loading is idempotent: rows are keyed
    by course code, institution name and account login, so running it twice changes nothing.
    Only on ``region``'s plugin and region-agnostic ones.

    :returns: :class:`~hookspecs.types.DemoData`, or None for no demo content.
    """
