"""Demo hooks: the sample content ``make run`` loads so a fresh site can be tried at once."""
from __future__ import annotations

import datetime as dt

from .markers import hookspec
from .types import DemoData


@hookspec(firstresult=True)
def cpe_demo_data(region: str, year: int, today: dt.date) -> DemoData | None:
    """Return demo institutions, courses, accounts and waiting applications for ``region``'s
    programme ``year``.

    Called by ``cpe demo load`` (which ``make run`` runs) with the year the region's site opens
    on ``today``, so a newcomer trying the site on any date finds this year's courses and can
    walk the whole journey: include accounts at each :data:`~hookspecs.types.DEMO_STAGES`
    (a new learner, one ready for the exam, one holding a certificate) and staff with items
    waiting in their queues. Put the year in course codes (e.g. ``f"XX{year}-P01"``) so each
    year's courses are distinct. Loading is idempotent: rows are keyed by course code,
    institution name and account login, so running it twice changes nothing.
    Only on ``region``'s plugin and region-agnostic ones.

    :param year: the programme year to fill.
    :param today: the loader's date (Asia/Shanghai), for content that depends on it (e.g. an
        exam window a notice would open later in the year, opened through ``year_settings``).
    :returns: :class:`~hookspecs.types.DemoData`, or None for no demo content.
    """
