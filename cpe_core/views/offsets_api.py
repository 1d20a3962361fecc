"""``/api/v1`` endpoints for offset and hour applications: the catalogue, a learner's own
applications (without evidence files: those are uploaded on the site) and the reviewer's queue
and decisions. The same service functions as the site.

Writes accept JSON bodies only (see :mod:`cpe_core.views.study_api` for why).
"""
from __future__ import annotations

import dataclasses

from flask import jsonify, request
from flask_login import current_user, login_required
from marshmallow import fields as ma

from ..extensions import db
from ..regions import RuleError, rules_for
from ..services import offsets as service
from ..services.input_rules import Body, Boolean, Integer, Object, Text, Year
from .api import Reply, bp, error, json_body, operation, query_args
from .api_accounts import YearQuery
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


class QueueQuery(Body):
    year = Year(load_default=None, from_text=True)
    status = Text(load_default=None, max_length=32, label="状态")
    type = Text(load_default=None, max_length=64, label="申请类型")
    before = Integer(load_default=None, minimum=1, from_text=True, label="上一页最后一份申请的编号")


class OffsetRoleReply(Reply):
    code = ma.String(required=True)
    label = ma.String(required=True)
    credits = ma.Integer(required=True)
    per_unit = ma.String(required=True, allow_none=True)


class OffsetFieldReply(Reply):
    name = ma.String(required=True)
    label = ma.String(required=True)
    type = ma.String(required=True)
    required = ma.Boolean(required=True)
    choices = ma.List(ma.String(), required=True)
    #: Set where the region lets learners query their list by this field (e.g. 主办方单位名称).
    filter_label = ma.String(required=True)


class EvidenceReply(Reply):
    max_files = ma.Integer(required=True)
    min_files = ma.Integer(required=True)
    content_types = ma.List(ma.String(), required=True)
    max_bytes = ma.Integer(required=True)
    reupload_on_edit = ma.Boolean(required=True)


class OffsetTypeReply(Reply):
    code = ma.String(required=True)
    label = ma.String(required=True)
    kind = ma.String(required=True)
    roles = ma.List(ma.Nested(OffsetRoleReply), required=True)
    fields = ma.List(ma.Nested(OffsetFieldReply), required=True)
    evidence = ma.Nested(EvidenceReply, required=True)
    needs_application = ma.Boolean(required=True)
    description = ma.String(required=True)
    max_credits = ma.Integer(required=True, allow_none=True)
    max_quantity = ma.Integer(required=True, allow_none=True)
    quantity_field = ma.String(required=True, allow_none=True)


class OffsetTypes(Reply):
    region = ma.String(required=True)
    year = ma.Integer(required=True)
    types = ma.List(ma.Nested(OffsetTypeReply), required=True)


class EvidenceFile(Reply):
    id = ma.Integer(required=True)
    filename = ma.String(required=True)
    content_type = ma.String(required=True)
    size = ma.Integer(required=True)


class ApplicationReply(Reply):
    id = ma.Integer(required=True)
    region = ma.String(required=True)
    year = ma.Integer(required=True)
    type = ma.String(required=True)
    role = ma.String(required=True, allow_none=True)
    quantity = ma.Integer(required=True, allow_none=True)
    fields = ma.Dict(keys=ma.String(), required=True)
    credits = ma.Integer(required=True, allow_none=True)
    status = ma.String(required=True)
    status_label = ma.String(required=True)
    review_comment = ma.String(required=True, allow_none=True)
    attachments = ma.List(ma.Nested(EvidenceFile), required=True)


class Applications(Reply):
    applications = ma.List(ma.Nested(ApplicationReply), required=True)
    #: For the reviewer's queue: pass as ``before`` for the next page (50 a page); null on the last.
    next_before = ma.Integer(allow_none=True)


class Preview(Reply):
    type = ma.String(required=True)
    quantity = ma.Integer(required=True, allow_none=True)
    credits = ma.Integer(required=True, allow_none=True)
    fields = ma.Dict(keys=ma.String(), required=True)


#: What saving an application refuses besides its fields' own codes (field_required...).
APPLICATION_CODES = ("unknown_offset_type", "unknown_role", "quantity_too_small", "quantity_over_cap",
                     "field_negative", "field_not_cn_number", "field_bad_choice", "field_required",
                     "credits_not_allowed", "claimed_not_integer", "no_application_needed", "too_many_files",
                     "evidence_required", "application_locked", "year_not_started", "year_closed",
                     "invalid_fields")
APPLICATION_ERRORS = {403: ("not_a_learner_here",), 404: ("application_not_found",), 422: APPLICATION_CODES}
REVIEW_ERRORS = {403: ("not_a_reviewer_here",), 404: ("unknown_region", "application_not_found")}


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
        "status_label": str(service.status_label(application.region, application.status)),
        "review_comment": application.review_comment,
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in application.attachments
        ],
    }


@bp.get("/regions/<code>/offset-types")
@operation("地区某年度的学分抵免与学时登记类型（year 缺省为当前年度）", OffsetTypes, auth=False,
           errors={404: ("unknown_region",)})
@query_args(YearQuery)
def offset_types(code: str):
    rules = rules_for(code)
    year = request.args.get("year", type=int) or current_year(rules.code)
    return jsonify(
        region=code, year=year,
        types=[dataclasses.asdict(t) for t in service.offset_types(code, year)],
    )


@bp.get("/me/offsets")
@operation("当前学员的抵免与学时申请", Applications)
@login_required
def my_offsets():
    """The learner's applications, queried by ``type``, ``year`` and the type's searchable
    fields (``OffsetField.filter_label``) by field name, e.g. ``?year=2024&<name>=text``."""
    region = current_user.region or ""
    year = (request.args.get("year") or "").strip()
    if year and not year.isdigit():
        return error("invalid_year", "年度须为四位数字。", 422)
    searchable = service.filter_fields(service.offset_types(region, current_year(region))) if region else {}
    filters = service.ListFilter(
        type_code=request.args.get("type") or None, year=int(year) if year else None,
        fields={name: request.args[name] for name in searchable if request.args.get(name)},
    )
    return jsonify(applications=[_application(a) for a in service.applications_of(current_user, region, filters)])


@bp.post("/me/offsets/preview")
@operation("试算一份申请可得的学分（不保存）", Preview, errors={422: APPLICATION_CODES})
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
@operation("新建申请（submit 为 true 时同时提交审核；证明材料在网站上传）", ApplicationReply, status=201,
           errors=APPLICATION_ERRORS)
@login_required
@json_body(ApplicationBody)
def create(body: dict):
    try:
        application = _save(body)
    except RuleError as err:
        return _refusal(err)
    return jsonify(_application(application)), 201


@bp.put("/me/offsets/<int:application_id>")
@operation("修改自己的申请（已通过的不能修改）", ApplicationReply, errors=APPLICATION_ERRORS)
@login_required
@json_body(ApplicationBody)
def update(application_id: int, body: dict):
    try:
        application = _save(body, service.get_own(current_user, current_user.region or "", application_id))
    except RuleError as err:
        return _refusal(err)
    return jsonify(_application(application))


@bp.delete("/me/offsets/<int:application_id>")
@operation("删除自己的申请（已通过的不能删除）", None, status=204,
           errors={404: ("application_not_found",), 422: ("application_locked",)})
@login_required
def remove(application_id: int):
    region = current_user.region or ""
    try:
        service.delete(current_user, region, service.get_own(current_user, region, application_id))
    except RuleError as err:
        return _refusal(err)
    return "", 204


@bp.get("/regions/<code>/offsets")
@operation("审核人员：本地区的申请队列（可按年度、状态、类型筛选；每页50份，next_before 给出下一页的 before）", Applications, errors=REVIEW_ERRORS)
@login_required
@query_args(QueueQuery)
def review_queue(code: str):
    rules_for(code)
    year = request.args.get("year", type=int)
    filters = service.QueueFilter(
        status=request.args.get("status") or None, type_code=request.args.get("type") or None, year=year
    )
    try:
        page = service.queue_page(current_user, code, filters, before=request.args.get("before", type=int))
    except RuleError as err:
        return _refusal(err)
    return jsonify(applications=[_application(a) for a in page.items], next_before=page.next_key)


@bp.post("/regions/<code>/offsets/<int:application_id>/decision")
@operation("审核人员：通过或退回一份申请", ApplicationReply,
           errors={**REVIEW_ERRORS, 422: ("not_reviewable", "comment_required", "comment_too_long",
                                          "unknown_offset_type")})
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
