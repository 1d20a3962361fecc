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
from ..services.input_rules import Body, Boolean, Integer, Object, Text, Year
from .api import bp, error, json_body
from ..services.years import current_year


class ApplicationBody(Body):
    """An application: the type's own ``fields`` are checked by the offsets service against
    what the region declared for the type."""

    year = Year(load_default=None)
    type = Text(load_default=None, max_length=64, label="申请类型")
    role = Text(load_default="", max_length=64, label="申请类别")
    fields = Object(load_default=dict, label="fields", code="invalid_fields", message="fields 须为对象。")
    credits = Integer(load_default=None, minimum=0, maximum=10000, label="学分")
    submit = Boolean(load_default=False, label="提交")


class DecisionBody(Body):
    decision = Text(required=True, choices=("approve", "reject"), label="审核结果",
                    code="invalid_decision", message="decision 须为 approve 或 reject。")
    comment = Text(load_default="", max_length=1000, label="审核意见")


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
@json_body(ApplicationBody)
def preview(body: dict):
    try:
        region = current_user.region or ""
        year = body["year"] or current_year(region)
        offset = service.offset_type(region, year, body["type"] or "")
        fields, quantity, credits = service.value(region, offset, body["role"], body["fields"], body["credits"])
    except RuleError as err:
        return _refusal(err)
    return jsonify(type=offset.code, quantity=quantity, credits=credits, fields=fields)


def _save(body: dict, application=None):
    region = current_user.region or ""
    type_code = body["type"] if body["type"] is not None else (application.offset_type if application else "")
    return service.save(
        current_user, region,
        year=body["year"] or current_year(region),
        type_code=type_code,
        role=body["role"],
        raw_fields=body["fields"],
        submit=body["submit"],
        claimed=body["credits"],
        application=application,
    )


@bp.post("/me/offsets")
@login_required
@json_body(ApplicationBody)
def create(body: dict):
    try:
        application = _save(body)
    except RuleError as err:
        return _refusal(err)
    return jsonify(_application(application)), 201


@bp.put("/me/offsets/<int:application_id>")
@login_required
@json_body(ApplicationBody)
def update(application_id: int, body: dict):
    try:
        application = _save(body, service.get_own(current_user, current_user.region or "", application_id))
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
@json_body(DecisionBody)
def decide(code: str, application_id: int, body: dict):
    rules_for(code)
    try:
        application = service.review(
            current_user, code, application_id, approve=body["decision"] == "approve", comment=body["comment"],
        )
    except RuleError as err:
        return _refusal(err)
    return jsonify(_application(application))
