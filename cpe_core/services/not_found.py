"""The refusal for a learner's own record that is not there (a werkzeug 404, so services that
raise it are the ones the web already imports; the region façade stays free of werkzeug for the
quick CSV export)."""
from __future__ import annotations

from werkzeug.exceptions import NotFound


class RecordNotFound(NotFound):
    """A learner's own record (order, enrolment, invoice, refund...) that does not exist or is
    someone else's. Not a :class:`cpe_core.regions.RuleError`, so no view turns it into a flash
    message: the site answers 404 and the API ``{"error": {code, message}}`` with 404, the same for
    "missing" and "another learner's", so ids reveal nothing."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(description=message)
        self.code = code
        self.message = message
