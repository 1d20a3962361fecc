"""Offset hooks: the activities that count instead of courses (学分抵免, 学时申请)."""
from __future__ import annotations

from collections.abc import Mapping

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


@hookspec(firstresult=True)
def cpe_application_statuses(region: str) -> Mapping[str, str] | None:
    """Return what ``region`` calls the statuses of its offset and hour applications.

    Called wherever an application's status is shown: the learner's list and application page,
    the reviewer's queue and decision page, the exports (CSV/XLSX) and the API's
    ``status_label``. Only on ``region``'s plugin and region-agnostic ones.

    :param region: the region whose applications are shown.
    :returns: a Chinese label per status code of
        :data:`~hookspecs.types.APPLICATION_STATUS_CODES` that the region names its own way, e.g.
        ``{"submitted": "未确认", "approved": "已确认", "rejected": "不予确认"}``; a code left
        out keeps the core's label (草稿, 待审核, 已通过, 已退回). The codes themselves never
        change. A key that is not one of those codes is a plugin error: the core raises
        ``ValueError`` naming it. None keeps every core label.
    """
