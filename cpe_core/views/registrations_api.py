"""``/api/v1/regions/<code>/registrations``: a hub region's receiver of the credits its
institutions register back (学分登记), speaking the core's push protocol
(:mod:`cpe_core.services.pushes`) so a region of this deployment pushes to it unchanged.
Institutions authenticate with their own bearer token (``cpe institutions token``)."""
from __future__ import annotations

from flask import jsonify, request
from marshmallow import fields

from ..regions import rules_for
from ..services import registrations
from ..services.input_rules import Body, Object, Text, Year
from .api import Reply, bp, error, json_body, operation

TOKEN_MESSAGE = "请使用培训机构的登记令牌（Authorization: Bearer …）。"


class RegistrationBody(Body):
    idempotency_key = Text(required=True, max_length=64, label="幂等键")
    region = Text(required=True, max_length=32, label="来源地区")
    year = Year(required=True)
    record = Object(required=True, label="登记记录")


class RegistrationReply(Reply):
    status = fields.String(required=True, metadata={"description": "registered：学分已登记"})
    enrolment_id = fields.Integer(required=True)


class RegistrationStatus(Reply):
    status = fields.String(required=True)


def _institution(code: str):
    rules_for(code)  # an unknown region is a 404 before the token is looked at
    try:
        return registrations.institution_for(code, request.headers.get("Authorization"))
    except PermissionError:
        return None


@bp.post("/regions/<code>/registrations")
@operation("培训机构登记学员的学分（推送协议：重复的幂等键答409）", RegistrationReply, auth=False,
           errors={401: ("institution_token_required",), 404: ("unknown_region",),
                   409: ("already_received",),
                   422: ("id_number_required", "credits_invalid", "no_enrolment")})
@json_body(RegistrationBody)
def registration_receive(code: str, body: dict):
    institution = _institution(code)
    if institution is None:
        return error("institution_token_required", TOKEN_MESSAGE, 401)
    registration, new = registrations.register(code, institution, body["idempotency_key"], body["year"],
                                               body["record"])
    if not new:
        return error("already_received", "该幂等键的记录已登记。", 409)
    return jsonify(status=registrations.REGISTERED, enrolment_id=registration.enrolment_id)


@bp.get("/regions/<code>/registrations/<key>")
@operation("登记记录的状态", RegistrationStatus, auth=False,
           errors={401: ("institution_token_required",), 404: ("unknown_region", "registration_not_found")})
def registration_status(code: str, key: str):
    institution = _institution(code)
    if institution is None:
        return error("institution_token_required", TOKEN_MESSAGE, 401)
    return jsonify(status=registrations.status_of(institution, key))
