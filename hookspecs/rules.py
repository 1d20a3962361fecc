"""Rule hooks: the year's requirement and who may study."""
from __future__ import annotations

from .markers import hookspec
from .types import Eligibility, LearnerFacts, Requirements, YearSettings


@hookspec(firstresult=True)
def cpe_year_requirements(region: str, year: int, settings: YearSettings) -> Requirements | None:
    """Return what a learner of ``region`` must earn in programme ``year``.

    Called whenever the core sums a learner's year (study plan totals, credit query, exam
    eligibility, exports, ``cpe explain``); only on ``region``'s plugin and region-agnostic ones.
    The first non-None answer wins.

    :param region: the region code.
    :param year: the programme year, e.g. ``2024`` (whose period may run into the next calendar
        year, e.g. 2024-02-01..2025-01-31). The core also opens each region's site on the year
        whose period contains today, and counts study, offsets and exams for a year only inside
        its period or the make-up window the next year's ``makeup_deadline`` gives.
    :param settings: the year's values of what :func:`~hookspecs.years.cpe_year_settings`
        declares (defaults, or what the region's admin set on 年度设置); empty when the region
        declares none.
    :returns: :class:`~hookspecs.types.Requirements`, or None if the region has no programme
        that year (the core then reports ``year_not_offered``).
    """


@hookspec(firstresult=True)
def cpe_check_eligibility(learner: LearnerFacts, year: int) -> Eligibility | None:
    """Decide whether ``learner`` may study in their region in ``year``.

    Called before a learner selects courses or pays anything, and by ``cpe explain``; only on
    ``learner.region``'s plugin and region-agnostic ones. The first non-None answer wins.

    :param learner: what the core knows of the learner (info collection, qualification...).
    :param year: the programme year asked about.
    :returns: :class:`~hookspecs.types.Eligibility` with at least one
        :class:`~hookspecs.types.Reason` whose ``message`` is Chinese and shown to the learner
        as is. None means "no opinion": the core then allows the learner.
    """
