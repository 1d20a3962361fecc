"""Study hooks: where a learner of a region studies (institution choice, 选择培训机构) and what
they may do with their study plan (个人教学计划)."""
from __future__ import annotations

from .markers import hookspec
from .types import InstitutionPolicy, LearningResources, RatingPolicy, StudyPlanPolicy


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
        paid under it. With ``enrol_then_pay`` the learner enrols (报名) first and then pays
        that enrolment's fee, priced by ``cpe_quote``; cancelling it cancels its unpaid orders
        and a refund releases it. None: learners of the region do not choose an institution (they study the
        whole catalogue).
    """


@hookspec(firstresult=True)
def cpe_study_plan_policy(region: str, year: int) -> StudyPlanPolicy | None:
    """Say which courses a learner of ``region`` may remove from their ``year`` study plan.

    Called when a learner removes a course (on the site and through ``/api/v1``) and when the
    plan page is shown (a course that may not be removed gets no remove button, with the
    reason); only on ``region``'s plugin and region-agnostic ones. The first non-None answer
    wins.

    :param region: the region code.
    :param year: the programme year.
    :returns: a :class:`~hookspecs.types.StudyPlanPolicy`; its ``started_removable`` says
        whether a course the learner already started (some video time watched) may still be
        removed (its learning record is kept either way). None gives the default: a started
        course may be removed, and comes back with its record when added again. Required
        courses and courses locked by a credit purchase are never removable, whatever this says.
    """


@hookspec(firstresult=True)
def cpe_rating_policy(region: str, year: int) -> RatingPolicy | None:
    """Say what learners of ``region`` may rate (评价) for ``year``.

    Called on the course page (the rating form shows when a course may be rated and the
    learner studied it), when a learner rates through the site or ``/api/v1``, and by the API's
    ratings endpoints. Only on ``region``'s plugin and region-agnostic ones.

    :param region: the region code.
    :param year: the programme year (a course's year; an enrolment's year).
    :returns: a :class:`~hookspecs.types.RatingPolicy`: which items may be rated (``course``: a
        course of the year the learner studied; ``institution``: the institution of the
        learner's enrolment that year) and the longest comment. The core keeps the rest: 1 to
        5 stars, one rating per learner, item and year (editable), averages on the course page,
        staff hiding a comment with a reason (audited). None: nothing may be rated.
    """


@hookspec(firstresult=True)
def cpe_learning_resources(region: str, year: int) -> LearningResources | None:
    """List the training providers learners of ``region`` may study with in ``year`` (学习资源).

    Called when a learner opens the 学习资源 page (``/<region>/resources``), which shows the
    providers with their 行政区划, the year, 客服电话 and 去学习, in one tab per subject kind,
    distance (远程机构) and face-to-face (面授机构) providers side by side, searchable by name.
    Only on ``region``'s plugin and region-agnostic ones.

    :param region: the region code.
    :param year: the programme year the learner chose.
    :returns: :class:`~hookspecs.types.LearningResources`: the providers in display order, each
        a :class:`~hookspecs.types.ResourceProvider`. A provider named like one of the region's
        institutions is chosen on this site by 去学习; another leads to its ``url``. None: the
        region has no 学习资源 page (it answers 404 and the menu omits it).
    """
