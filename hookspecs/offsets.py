"""Offset hooks: the activities that count instead of courses (学分抵免, 学时申请)."""
from __future__ import annotations

from .markers import hookspec
from .types import OffsetType


@hookspec(firstresult=True)
def cpe_offset_types(region: str, year: int) -> list[OffsetType] | None:
    """Return the catalogue of offset kinds a learner of ``region`` can claim in ``year``.

    Called to build the application forms, to value an application before it is submitted and
    when it is approved, and by ``cpe explain``. Only on ``region``'s plugin and region-agnostic
    ones.

    :returns: the :class:`~hookspecs.types.OffsetType` list in display order, with each role's
        value and the evidence rules; an empty list or None if the region accepts no offsets.
    """
