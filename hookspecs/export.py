"""Export hooks: how a region reports credits to its authority."""
from __future__ import annotations

from .markers import hookspec
from .types import CreditExport


@hookspec(firstresult=True)
def cpe_credit_export(region: str, year: int) -> CreditExport | None:
    """Describe how ``region`` reports the credits of ``year``.

    Called by ``cpe export`` and the admin export pages, only on the region's plugin. Describe
    the columns as data, ``CreditExport(region, year, fields=(ExportColumn(...), ...))``: each
    :class:`~hookspecs.types.ExportColumn` names a :data:`~hookspecs.types.EXPORT_FIELDS` field
    (``"id_number"``, ``"credits.professional"``, ``"complete"``, ...) or a ``constant``, with
    optional ``labels`` (``{True: "是", False: "否"}``), an ``empty`` cell text and a
    ``fallback`` field. The core then computes CSV cells in the database (no Python per row:
    100,000 learners take about as long as the database's own dump) and the same cells in
    Python from :class:`~hookspecs.types.LearnerYear` records for XLSX and pushes
    (``ExportColumn.value``). A ``columns`` + ``row`` callable pair still works for rows data
    cannot describe, at Python speed. The plugin never touches files or the database.

    :param region: the region code (the plugin serves only its own).
    :param year: the programme year being reported.
    :returns: a :class:`~hookspecs.types.CreditExport`; None if the region reports nothing.
    """
