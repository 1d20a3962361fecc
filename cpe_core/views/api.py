"""The JSON API, ``/api/v1``. Errors are ``{"error": {"code": ..., "message": ...}}`` with a
stable code (one of :data:`cpe_core.services.error_codes.CODES`) and a Chinese message.

Every operation is described once, on its view: :func:`operation` (summary, the success
response's marshmallow schema, the refusals it answers and their codes), :func:`json_body` (the
request body's schema, which also checks the request) and :func:`query_args` (the query string's
schema, which checks it too). ``/api/v1/openapi.json`` (:mod:`cpe_core.views.api_spec`) is built
from those same schemas, so the document cannot drift from what the views accept and answer;
under ``TESTING`` every answer is checked against its schema too (:func:`answer_within_its_schema`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, fields

from ..extensions import csrf
from ..regions import RuleError, UnknownRegion, regions, rules_for
from ..services.not_found import RecordNotFound
from ..services.error_codes import CODES
from ..services.input_rules import Body, BodyRejected, load_body
from ..services.years import current_year

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def error(code: str, message: str, status: int):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


# --- describing an operation --------------------------------------------------------------


class Reply(Schema):
    """A response body: every key it may hold is declared (the document says
    ``additionalProperties: false``), so an answer outside it is caught by the API tests."""


class ErrorDetail(Reply):
    code = fields.String(required=True, metadata={"description": "稳定的错误代码"})
    message = fields.String(required=True, metadata={"description": "中文说明"})
    problems = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields",
                           metadata={"description": "表单各字段的问题（注册、信息采集）"})


class Error(Reply):
    """Every refusal of ``/api/v1``: ``{"error": {"code", "message"}}``."""

    error = fields.Nested(ErrorDetail, required=True)


#: What a signed-in operation answers a stranger or an ended session (401).
SIGN_IN_CODES = ("login_required", "session_replaced")
#: What a refused JSON body or query string answers (422), besides a field's own ``code=``.
INPUT_CODES = ("json_required", "field_required", "field_wrong_type", "field_control_characters",
               "field_too_long", "field_not_integer", "field_out_of_range", "field_not_date",
               "field_bad_choice")


@dataclasses.dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about one view (see :func:`operation`)."""

    summary: str
    response: type[Schema] | None
    status: int
    errors: Mapping[int, tuple[str, ...]]
    auth: bool
    media_type: str
    upload: str | None


def operation(summary: str, response: type[Schema] | None = None, *, status: int = 200,
              errors: Mapping[int, tuple[str, ...]] | None = None, auth: bool = True,
              media_type: str = "application/json", upload: str | None = None) -> Callable:
    """Describe the view's operation: ``response`` is the schema of its success answer
    (``status``; ``None`` for an empty 204 or a file of ``media_type``), ``errors`` the refusals it
    answers besides those the document adds itself (401 for ``auth``, 422 for a body or query),
    each status with its codes, all from :data:`~cpe_core.services.error_codes.CODES`;
    ``upload`` names the file field of a multipart request."""
    errors = dict(errors or {})
    unknown = sorted({code for codes in errors.values() for code in codes} - CODES)
    if unknown:
        raise ValueError(f"error codes missing from services.error_codes.CODES: {unknown}")

    def decorate(view):
        view.api_operation = Operation(summary, response, status, errors, auth, media_type, upload)
        return view

    return decorate


@bp.after_request
def answer_within_its_schema(response):
    """Under ``TESTING``, every JSON answer is checked against the schema its operation declares
    (a refusal against :class:`Error`), so each API test also proves the document right; an
    answer outside it raises. Production pays nothing."""
    if not current_app.testing or not response.is_json or response.direct_passthrough:
        return response
    described = getattr(current_app.view_functions.get(request.endpoint or ""), "api_operation", None)
    if described is None:
        return response
    if response.status_code == described.status:
        schema = described.response
    elif response.status_code >= 400:
        schema = Error
    else:
        raise AssertionError(f"{request.method} {request.path}: answered {response.status_code}, "
                             f"the document says {described.status}")
    problems = schema().validate(response.get_json()) if schema is not None else None
    if problems:
        raise AssertionError(f"{request.method} {request.path}: the answer is outside {schema.__name__}: {problems}")
    return response


@bp.errorhandler(UnknownRegion)
def unknown_region(_error):
    return error("unknown_region", "没有这个地区。", 404)


@bp.errorhandler(RuleError)
def rule_error(err: RuleError):
    return error(err.code, err.message, 422)


@bp.errorhandler(BodyRejected)
def body_rejected(err: BodyRejected):
    return error(err.code, err.message, 422)


def json_body(schema: type[Body]) -> Callable:
    """Check the request's JSON against ``schema`` and pass the cleaned values to the view as
    ``body``; a refusal answers 422 ``{"error": {"code", "message"}}`` (the first problem, in
    the schema's field order). Put it below
    the view's sign-in decorators, so a stranger is asked to sign in before anything else.
    The schema stays on the view (``body_schema``) for the OpenAPI document and the tests."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            data = request.get_json(silent=True) if request.is_json else None
            return view(*args, body=load_body(schema, data), **kwargs)

        wrapper.body_schema = schema
        return wrapper

    return decorate


def query_args(schema: type[Body]) -> Callable:
    """Check the query string against ``schema`` (422 as for a body; an empty value counts as
    absent) before the view runs, so the view's ``request.args.get(name, type=int)`` only ever
    sees a value the schema allows. Below the sign-in decorators, like :func:`json_body`; the
    schema stays on the view (``query_schema``) for the document."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            load_body(schema, {name: value for name, value in request.args.items() if value != ""})
            return view(*args, **kwargs)

        wrapper.query_schema = schema
        return wrapper

    return decorate


@bp.errorhandler(RecordNotFound)
def record_not_found(err: RecordNotFound):
    return error(err.code, err.message, 404)


# --- regions ---------------------------------------------------------------------------------


class RegionSummary(Reply):
    code = fields.String(required=True)
    name = fields.String(required=True)
    authority = fields.String(required=True)
    unit = fields.String(required=True)
    current_year = fields.Integer(required=True)


class RegionList(Reply):
    regions = fields.List(fields.Nested(RegionSummary), required=True)


class Contact(Reply):
    phone = fields.String(required=True)
    email = fields.String(required=True)
    address = fields.String(required=True)
    hours = fields.String(required=True)


class NoticeSummary(Reply):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    published = fields.Date(required=True)


class FaqEntry(Reply):
    question = fields.String(required=True)
    answer = fields.String(required=True)


class RegionDetail(RegionSummary):
    contact = fields.Nested(Contact, required=True)
    notices = fields.List(fields.Nested(NoticeSummary), required=True)
    faq = fields.List(fields.Nested(FaqEntry), required=True)


class RequirementsReply(Reply):
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    unit = fields.String(required=True)
    total = fields.Integer(required=True)
    minimums = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


@bp.get("/regions")
@operation("开通的地区及其当前年度", RegionList, auth=False)
def region_list():
    return jsonify(
        regions=[
            {"code": r.code, "name": r.info.name, "authority": r.info.authority, "unit": r.info.unit,
             "current_year": current_year(r.code)}
            for r in regions()
        ]
    )


@bp.get("/regions/<code>")
@operation("地区的介绍：联系方式、通知、常见问题", RegionDetail, auth=False, errors={404: ("unknown_region",)})
def region_detail(code: str):
    info = rules_for(code).info
    return jsonify(
        code=info.code,
        name=info.name,
        authority=info.authority,
        unit=info.unit,
        current_year=current_year(info.code),
        contact=dataclasses.asdict(info.contact),
        notices=[
            {"slug": n.slug, "title": n.title, "published": n.published.isoformat()} for n in info.notices
        ],
        faq=[dataclasses.asdict(entry) for entry in info.faq],
    )


@bp.get("/regions/<code>/requirements/<int(min=2000, max=2100):year>")
@operation("地区某年度的学分要求", RequirementsReply, auth=False, errors={404: ("unknown_region",)})
def requirements(code: str, year: int):
    req = rules_for(code).requirements(year)
    return jsonify(
        region=req.region,
        year=req.year,
        period_start=req.period_start.isoformat(),
        period_end=req.period_end.isoformat(),
        unit=req.unit,
        total=req.total,
        minimums=dict(req.minimums),
    )
