"""Study hooks: where a learner of a region studies (institution choice, 选择培训机构)."""
from __future__ import annotations

from .markers import hookspec
from .types import InstitutionPolicy


@hookspec(firstresult=True)
def cpe_institution_policy(region: str, year: int) -> InstitutionPolicy | None:
    """Say whether and how a learner of ``region`` chooses an institution for ``year``.

    Called on the learner's institution page, when a learner chooses or cancels a choice, and
    when the study plan and catalogue are shown (a learner with a choice sees that institution's
    courses only). Only on ``region``'s plugin and region-agnostic ones.

    :param region: the region code.
    :param year: the programme year.
    :returns: an :class:`~hookspecs.types.InstitutionPolicy`: the institutions on offer (names of
        the region's institutions), the levels to choose from (empty: no level), which member
        types must choose (empty: every learner), and whether a choice may still be cancelled
        once the learner has studied there. A choice can never be cancelled once something was
        paid under it. None: learners of the region do not choose an institution (they study the
        whole catalogue).
    """
