"""Export hooks: how a region reports credits to its authority."""
from __future__ import annotations

from .markers import hookspec
from .types import CreditExport


@hookspec(firstresult=True)
def cpe_credit_export(region: str, year: int) -> CreditExport | None:
    """Describe how ``region`` reports the credits of ``year``.

    Called by ``cpe export`` and the admin export pages. The core streams
    :class:`~hookspecs.types.LearnerYear` records through ``CreditExport.row`` and writes them in
    the chosen format (or pushes them), so the plugin never touches files or the database.

    :returns: a :class:`~hookspecs.types.CreditExport`; None if the region reports nothing.
    """
