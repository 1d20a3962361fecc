"""Year hooks: the values a region's yearly notice sets anew (年度设置)."""
from __future__ import annotations

from .markers import hookspec
from .types import YearSetting


@hookspec(firstresult=True)
def cpe_year_settings(region: str, year: int) -> list[YearSetting] | None:
    """Declare the values of ``region``'s programme ``year`` that its staff may change without
    a code release: the study period, the exam window, an invoice window, a price...

    Called to build the region admin's 年度设置 page, to check what the admin saves, by
    ``cpe explain``, and whenever the core resolves a year's values before calling a
    year-scoped hook. Only on ``region``'s plugin and region-agnostic ones.

    The year's values (each declaration's ``default`` unless the admin set another) reach the
    hooks that take a ``settings`` argument: :func:`cpe_year_requirements`,
    :func:`cpe_exam_policy`, :func:`cpe_purchase_modes`, :func:`cpe_quote` and
    :func:`cpe_invoice_deadline`. A hook implementation that does not list ``settings`` among
    its parameters simply does not receive it.

    Declare the rule for *any* year (defaults computed from ``year``, e.g. "1 February to 31
    January"), so the site follows the calendar on its own; the admin page is for the year a
    notice changes it.

    :param region: the region code.
    :param year: the programme year.
    :returns: the :class:`~hookspecs.types.YearSetting` declarations in the order the page
        shows them; None or an empty list when nothing is settable (the hooks then receive an
        empty ``settings``).
    """
