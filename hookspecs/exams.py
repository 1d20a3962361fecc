"""Exam hooks: whether a region holds a yearly exam, and how."""
from __future__ import annotations

from .markers import hookspec
from .types import ExamPolicy


@hookspec(firstresult=True)
def cpe_exam_policy(region: str, year: int) -> ExamPolicy | None:
    """Return how ``region`` examines learners in ``year``.

    Called on the exam page, when an attempt starts and is scored, when deciding whether a
    certificate may be issued, and by ``cpe explain``. Only on ``region``'s plugin and
    region-agnostic ones.

    :returns: an :class:`~hookspecs.types.ExamPolicy` (thresholds, window, question mix, time
        limit, pass mark, attempt limit); None if the region holds no exam that year, in which
        case completing the year's requirement is enough for a certificate.
    """
