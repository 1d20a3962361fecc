"""The JSON API, ``/api/v1``. Errors are ``{"error": {"code": ..., "message": ...}}`` with a
stable code and a Chinese message."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, jsonify, request

from ..extensions import csrf
from ..regions import RecordNotFound, RuleError, UnknownRegion, regions, rules_for
from ..services.input_rules import Body, BodyRejected, load_body
from ..services.years import current_year

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def error(code: str, message: str, status: int):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
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


@bp.errorhandler(RecordNotFound)
def record_not_found(err: RecordNotFound):
    return error(err.code, err.message, 404)


@bp.get("/regions")
def region_list():
    return jsonify(
        regions=[
            {"code": r.code, "name": r.info.name, "authority": r.info.authority, "unit": r.info.unit,
             "current_year": current_year(r.code)}
            for r in regions()
        ]
    )


@bp.get("/regions/<code>")
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


@bp.get("/regions/<code>/requirements/<int:year>")
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
