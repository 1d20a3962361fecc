"""Exam hooks: whether a region holds a yearly exam, and how."""
from __future__ import annotations

from .markers import hookspec
from .types import ExamPolicy, YearSettings


@hookspec(firstresult=True)
def cpe_exam_policy(region: str, year: int, settings: YearSettings) -> ExamPolicy | None:
    """Return how ``region`` examines learners in ``year``.

    Called on the exam page, when an attempt starts and is scored, when deciding whether a
    certificate may be issued, and by ``cpe explain``. Only on ``region``'s plugin and
    region-agnostic ones.

    :param settings: the year's values of what :func:`~hookspecs.years.cpe_year_settings`
        declares (defaults, or what the region's admin set on 年度设置); empty when the region
        declares none.
    :returns: an :class:`~hookspecs.types.ExamPolicy` (thresholds, window, question mix, time
        limit, pass mark, attempt limit); None if the region holds no exam that year, in which
        case completing the year's requirement is enough for a certificate.
    """
