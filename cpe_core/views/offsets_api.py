"""``/api/v1`` endpoints for offset and hour applications: the catalogue, a learner's own
applications (without evidence files: those are uploaded on the site) and the reviewer's queue
and decisions. The same service functions as the site.

Writes accept JSON bodies only (see :mod:`cpe_core.views.study_api` for why).
"""
from __future__ import annotations

import dataclasses

from flask import jsonify, request
from flask_login import current_user, login_required

from ..extensions import db
from ..regions import RuleError, rules_for
from ..services import offsets as service
from .api import bp, error
from ..services.years import current_year


def _json() -> dict:
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, dict):
        raise RuleError("json_required", "请以 JSON 格式提交。")
    return data


def _refusal(err: RuleError):
    """Not-found and permission refusals keep their HTTP meaning; other rule errors are 422."""
    db.session.rollback()
    if err.code.endswith("not_found"):
        return error(err.code, err.message, 404)
    if err.code.startswith("not_a_"):
        return error(err.code, err.message, 403)
    return error(err.code, err.message, 422)


def _application(application) -> dict:
    return {
        "id": application.id,
        "region": application.region,
        "year": application.year,
        "type": application.offset_type,
        "role": application.role,
        "quantity": application.quantity,
        "fields": application.fields,
        "credits": application.credits,
        "status": application.status,
        "status_label": service.STATUS_LABELS.get(application.status, application.status),
        "review_comment": application.review_comment,
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in application.attachments
        ],
    }


def _int(value, default=None):
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError("invalid_number", "数值须为整数。")
    return value


@bp.get("/regions/<code>/offset-types")
def offset_types(code: str):
    rules = rules_for(code)
    year = request.args.get("year", type=int) or current_year(rules.code)
    return jsonify(
        region=code, year=year,
        types=[dataclasses.asdict(t) for t in service.offset_types(code, year)],
    )


@bp.get("/me/offsets")
@login_required
def my_offsets():
    region = current_user.region or ""
    return jsonify(applications=[_application(a) for a in service.applications_of(current_user, region)])


@bp.post("/me/offsets/preview")
@login_required
def preview():
    try:
        data = _json()
        region = current_user.region or ""
        year = _int(data.get("year"), current_year(region))
        offset = service.offset_type(region, year, str(data.get("type", "")))
        fields, quantity, credits = service.value(
            region, offset, str(data.get("role", "")), data.get("fields") or {}, _int(data.get("credits"))
        )
    except RuleError as err:
        return _refusal(err)
    return jsonify(type=offset.code, quantity=quantity, credits=credits, fields=fields)


def _save(application=None):
    data = _json()
    region = current_user.region or ""
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise RuleError("invalid_fields", "fields 须为对象。")
    return service.save(
        current_user, region,
        year=_int(data.get("year"), current_year(region)),
        type_code=str(data.get("type", application.offset_type if application else "")),
        role=str(data.get("role", "")),
        raw_fields=fields,
        submit=bool(data.get("submit")),
        claimed=_int(data.get("credits")),
        application=application,
    )


@bp.post("/me/offsets")
@login_required
def create():
    try:
        application = _save()
    except RuleError as err:
        return _refusal(err)
    return jsonify(_application(application)), 201


@bp.put("/me/offsets/<int:application_id>")
@login_required
def update(application_id: int):
    try:
        application = _save(service.get_own(current_user, current_user.region or "", application_id))
    except RuleError as err:
        return _refusal(err)
    return jsonify(_application(application))


@bp.delete("/me/offsets/<int:application_id>")
@login_required
def remove(application_id: int):
    region = current_user.region or ""
    try:
        service.delete(current_user, region, service.get_own(current_user, region, application_id))
    except RuleError as err:
        return _refusal(err)
    return "", 204


@bp.get("/regions/<code>/offsets")
@login_required
def review_queue(code: str):
    rules_for(code)
    year = request.args.get("year", type=int)
    filters = service.QueueFilter(
        status=request.args.get("status") or None, type_code=request.args.get("type") or None, year=year
    )
    try:
        applications = service.queue(current_user, code, filters)
    except RuleError as err:
        return _refusal(err)
    return jsonify(applications=[_application(a) for a in applications])


@bp.post("/regions/<code>/offsets/<int:application_id>/decision")
@login_required
def decide(code: str, application_id: int):
    rules_for(code)
    try:
        data = _json()
        decision = data.get("decision")
        if decision not in ("approve", "reject"):
            raise RuleError("invalid_decision", "decision 须为 approve 或 reject。")
        application = service.review(
            current_user, code, application_id, approve=decision == "approve",
            comment=str(data.get("comment") or ""),
        )
    except RuleError as err:
        return _refusal(err)
    return jsonify(_application(application))
