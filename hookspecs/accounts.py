"""Account hooks: how a region's learners register, and the info collection (信息采集) it asks."""
from __future__ import annotations

from .markers import hookspec
from .types import CollectionStep, RegistrationSpec


@hookspec(firstresult=True)
def cpe_registration_form(region: str) -> RegistrationSpec | None:
    """Describe how learners of ``region`` register and sign in.

    Called to build the registration and login pages, and by the JSON API's registration and
    login (the same rules and Chinese messages for both). Only on ``region``'s plugin and
    region-agnostic ones.

    :param region: the region code.
    :returns: a :class:`~hookspecs.types.RegistrationSpec`: the identity field (ID number or
        member number), the extra fields and which are required, the yes/no questions asked
        before registering, whether a captcha is asked, and the privacy notice the learner must
        accept (``privacy_notice``). None: the core's default (ID number, name and password,
        with a captcha and the core's general privacy notice).
    """


@hookspec(firstresult=True)
def cpe_collection_steps(region: str) -> list[CollectionStep] | None:
    """Return the steps of ``region``'s info collection (信息采集) form, in order.

    Called on the learner's collection pages and by the API's collection endpoints. The core
    keeps each step's answers (profile columns or ``details``), checks attachments by content,
    and on submit sets the learner's ``collection_region`` to ``region`` and the status to
    ``submitted``. Only on ``region``'s plugin and region-agnostic ones.

    :returns: the :class:`~hookspecs.types.CollectionStep` list; None (or an empty list) when
        the region does not collect information itself (e.g. it is done on a provincial
        platform and only declared at registration).
    """
