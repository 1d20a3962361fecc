"""学分登记: a hub region receives the credits its institutions' learners earned there.

An institution pushes with the core's push protocol (:mod:`cpe_core.services.pushes`, the same
one a region uses to report to its province): ``POST /api/v1/regions/<hub>/registrations`` with
the institution's bearer token and ``{"idempotency_key", "region", "year", "record"}``. The record
holds the learner's ID number and credits per kind, keyed by the export field names
(``id_number``, ``credits.professional``, ``credits.public``) or, when the pushing institution is
a region of this deployment, by the column titles of that region's own credit export (so a
region's existing push is its registration, with no second format to keep).

The registration attaches to the learner's live enrolment at that institution for that year,
writes the credits to the hub learner's ledger (replacing what an earlier version registered)
and turns the enrolment to ``completed`` (学分已登记). A retried key changes nothing (409).
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from hookspecs import EXPORT_FIELDS, KINDS

from ..extensions import db
from ..models import CreditRecord, CreditRegistration, Enrolment, Institution, LearnerProfile, User
from ..regions import RuleError, rules_for
from . import audit, ledger
from .handover import served_region
from .not_found import RecordNotFound

#: The status the receiver answers for a registered record (the pusher's ``push_statuses`` code).
REGISTERED = "registered"
#: Ledger sources of registered credits, one per kind (the ledger keeps one row per source).
SOURCES = {kind: f"reg:{kind}" for kind in KINDS}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(institution: Institution) -> str:
    """Give ``institution`` a new push token (the previous one stops working) and return it; only
    its hash is kept. The caller commits."""
    token = secrets.token_urlsafe(32)
    institution.push_token_hash = token_hash(token)
    return token


def institution_for(region: str, authorization: str | None) -> Institution:
    """The institution of ``region`` whose token the ``Authorization: Bearer`` header carries."""
    scheme, _, token = (authorization or "").partition(" ")
    institution = None
    if scheme.lower() == "bearer" and token.strip():
        institution = db.session.scalar(select(Institution).where(
            Institution.region == region, Institution.push_token_hash == token_hash(token.strip())))
    if institution is None:
        raise PermissionError("institution token missing or unknown")
    return institution


def _fields(record: Mapping[str, Any], institution: Institution, year: int) -> dict[str, Any]:
    """The record's values by export field name (see the module's docstring)."""
    values = {name: value for name, value in record.items() if name in EXPORT_FIELDS}
    source = served_region(institution)
    export = rules_for(source).credit_export(year) if source else None
    for column in (export.fields if export else ()):
        if column.field is not None and column.title in record:
            values.setdefault(column.field, record[column.title])
    return values


def _credits(values: Mapping[str, Any]) -> dict[str, int]:
    credits = {}
    for kind in KINDS:
        raw = values.get(f"credits.{kind}", 0)
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 10_000:
            raise RuleError("credits_invalid", f"学分应为0至10000之间的整数（{kind}）。")
        credits[kind] = raw
    return credits


def register(region: str, institution: Institution, key: str, year: int,
             record: Mapping[str, Any]) -> tuple[CreditRegistration, bool]:
    """Register ``record`` under ``key``: ``(registration, True)`` when new, ``(the earlier
    one, False)`` for a key already received. Commits."""
    earlier = db.session.scalar(select(CreditRegistration).where(CreditRegistration.idempotency_key == key))
    if earlier is not None:
        return earlier, False
    values = _fields(record, institution, year)
    id_number = str(values.get("id_number") or "").strip()
    if not id_number:
        raise RuleError("id_number_required", "登记记录缺少身份证号。")
    credits = _credits(values)
    enrolment = db.session.scalar(
        select(Enrolment).join(User, User.id == Enrolment.user_id)
        .join(LearnerProfile, LearnerProfile.user_id == User.id)
        .where(User.region == region, LearnerProfile.id_number == id_number, Enrolment.year == year,
               Enrolment.institution_id == institution.id, Enrolment.status != "cancelled")
    )
    if enrolment is None:
        raise RuleError("no_enrolment", f"该学员没有在本机构报名{year}年度继续教育。")
    registration = CreditRegistration(idempotency_key=key, region=region, institution_id=institution.id,
                                      enrolment_id=enrolment.id, year=year, credits=credits)
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:  # the same key raced in: the other request registered it
        db.session.rollback()
        return db.session.scalar(select(CreditRegistration).where(CreditRegistration.idempotency_key == key)), False
    db.session.execute(delete(CreditRecord).where(
        CreditRecord.user_id == enrolment.user_id, CreditRecord.year == year,
        CreditRecord.source.in_(SOURCES.values()), CreditRecord.source_id == enrolment.id))
    for kind, amount in credits.items():
        if amount:
            ledger.record_credit(user_id=enrolment.user_id, region=region, year=year, kind=kind, credits=amount,
                                 source=SOURCES[kind], source_id=enrolment.id, description=institution.name)
    before = enrolment.status
    enrolment.status = "completed"
    audit.record("registration.receive", f"enrolment:{enrolment.id}", region=region,
                 before={"status": before}, after={"institution": institution.name, "credits": credits})
    db.session.commit()
    return registration, True


def status_of(institution: Institution, key: str) -> str:
    """How far the record sent under ``key`` has got: :data:`REGISTERED` once received."""
    found = db.session.scalar(select(CreditRegistration.id).where(
        CreditRegistration.idempotency_key == key, CreditRegistration.institution_id == institution.id))
    if found is None:
        raise RecordNotFound("registration_not_found", "没有收到该登记记录。")
    return REGISTERED
