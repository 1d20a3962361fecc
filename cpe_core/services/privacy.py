"""Personal information on staff pages, as 《个人信息保护法》 expects: ID numbers and phone
numbers are masked wherever staff list or look at learners, and shown whole only when a
region's admin asks for one learner's, each time written to the audit log."""
from __future__ import annotations

from ..extensions import db
from ..models import User
from . import audit

#: What a reveal shows whole (and the audit entry names).
REVEALED_FIELDS = ("login", "phone")


def mask_id_number(number: str | None) -> str:
    """Keep the first 6 and the last 4 characters: ``110101********0011``."""
    if not number:
        return ""
    if len(number) <= 10:
        return number[:2] + "*" * max(0, len(number) - 2)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and the last 4 digits: ``138****0001``."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def reveal(staff: User, learner: User) -> None:
    """Record that ``staff`` saw ``learner``'s ID number (login) and phone whole; commit."""
    audit.record("learner.reveal", f"user:{learner.id}", actor=staff, region=learner.region,
                 after={"fields": list(REVEALED_FIELDS)})
    db.session.commit()
