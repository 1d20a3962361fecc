"""The JSON API's accounts part (``/api/v1``): registration, login (token), profile, info
collection, eligibility and password reset, plus the OpenAPI 3 document built from the code.

Clients send ``Authorization: Bearer <token>``; Flask-Login loads the user from it, so every
``/api/v1`` view may use ``current_user``. A token lives as long as the account's session: a
newer sign-in (site or API) ends it with 401 ``session_replaced``; signing out, a password
change or reset and staff disabling the account end it with 401 ``login_required``
(:mod:`cpe_core.services.sessions`). The same service functions as the site answer, with the
same Chinese messages.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps
from typing import Any

from apispec import APISpec
from flask import current_app, jsonify, request
from flask_login import current_user

from ..version import __version__
from ..auth import live_user
from ..extensions import login_manager
from ..regions import rules_for
from ..security import sign_out
from ..services import accounts, captcha, collection, password_reset, sessions
from ..services.eligibility import as_json, eligibility_for
from ..services.identity import InvalidInput
from ..services.registration import FormRejected, fields_of, register as register_learner
from ..services.signin import LoginRefused, issue_token, sign_in, token_claim
from ..services.input_rules import Body, Object, Text
from .api import bp, error, json_body
from ..services.years import current_year

JSON_ERROR = {
    "description": "错误：稳定的 code 与中文 message",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def documented(summary: str, *, body: dict | None = None, auth: bool = False, ok: int = 200,
               errors: tuple[int, ...] = ()) -> Callable:
    """Attach the OpenAPI operation of a view; :func:`openapi` collects them from the url map."""

    def decorate(view):
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {str(ok): {"description": "成功", "content": {"application/json": {}}}},
        }
        for status in errors:
            operation["responses"][str(status)] = JSON_ERROR
        if body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object", "properties": body}}},
            }
        if auth:
            operation["security"] = [{"bearerAuth": []}]
        view.openapi = operation
        return view

    return decorate


@login_manager.request_loader
def load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if req.path.startswith("/api/") and header.startswith("Bearer "):
        claim = token_claim(header[7:].strip())
        if claim is None:
            return None
        return live_user(*claim, cookie=False)
    return None


def learner_api(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != "learner":
            return error("forbidden", "您没有权限访问此页面。", 403)
        return view(*args, **kwargs)

    return wrapper


class CaptchaFields(Body):
    captcha_id = Text(load_default="", max_length=64, label="验证码编号")
    captcha = Text(load_default="", max_length=16, label="验证码")


class RegisterBody(CaptchaFields):
    """The identity and password; the region's own fields (``registration-form``) are checked by
    :func:`cpe_core.services.registration.register` with the same rules."""

    login = Text(load_default="", max_length=64, label="账号")
    password = Text(load_default="", max_length=128, strip=False, label="密码")
    password2 = Text(load_default="", max_length=128, strip=False, label="确认密码")


class LoginBody(CaptchaFields):
    login = Text(load_default="", max_length=64, label="账号")
    password = Text(load_default="", max_length=128, strip=False, label="密码")


class CollectionBody(Body):
    """One step's answers: the region's fields for the step, checked by the collection service."""


class ResetCodeBody(Body):
    login = Text(load_default="", max_length=64, label="账号")
    phone = Text(load_default="", max_length=32, label="手机号码")


class ResetBody(ResetCodeBody):
    code = Text(load_default="", max_length=16, label="验证码")
    password = Text(load_default="", max_length=128, strip=False, label="新密码")
    password2 = Text(load_default="", max_length=128, strip=False, label="确认新密码")


class PasswordChangeBody(Body):
    current_password = Text(load_default="", max_length=128, strip=False, label="当前密码")
    password = Text(load_default="", max_length=128, strip=False, label="新密码")
    password2 = Text(load_default="", max_length=128, strip=False, label="确认新密码")


def _with_region_fields(body: dict) -> dict:
    """``body`` plus the fields the schema leaves to the region (its registration or collection
    fields): the request's JSON object as sent, checked by the service."""
    data = request.get_json(silent=True)
    return {**data, **body}


def rejected(err: FormRejected, status: int = 422):
    response = jsonify(error={"code": err.code, "message": err.message, "fields": err.errors})
    response.status_code = status
    return response


def field_json(field) -> dict:
    return {
        "name": field.name, "label": field.label, "type": field.type, "required": field.required,
        "choices": [{"value": v, "label": label} for v, label in field.choices], "help": field.help,
    }


def learner_json(user) -> dict:
    profile = user.profile
    return {
        "id": user.id, "region": user.region, "login": user.login, "name": user.name, "phone": user.phone,
        "id_number": profile.id_number, "member_number": profile.member_number,
        "member_type": profile.member_type, "qualification_level": profile.qualification_level,
        "qualified_year": profile.qualified_year, "work_start_year": profile.work_start_year,
        "employer": profile.employer, "collection_region": profile.collection_region,
        "collection_area": profile.collection_area, "collection_status": profile.collection_status,
    }


def staff_json(user) -> dict:
    """A staff account (reviewer, admin, site admin): it has no learner profile."""
    return {"id": user.id, "region": user.region, "login": user.login, "name": user.name, "role": user.role}


def signed_in_json(user) -> dict:
    """The login answer's account part: ``learner`` for a learner, ``staff`` for staff."""
    if user.role == "learner":
        return {"role": user.role, "learner": learner_json(user)}
    return {"role": user.role, "staff": staff_json(user)}


@bp.get("/regions/<code>/registration-form")
@documented("地区的注册表单：账号字段、必填项、注册前问题", errors=(404,))
def registration_form(code: str):
    spec = rules_for(code).registration_spec()
    return jsonify(
        identity_field=spec.identity_field, identity_label=spec.identity_label,
        fields=[field_json(f) for f in fields_of(spec)], captcha=spec.captcha,
        questions=[{"code": q.code, "text": q.text} for q in spec.questions],
    )


CAPTCHA_FIELDS = {
    "captcha_id": {"type": "string", "description": "POST /captcha 返回的 captcha_id（地区要求验证码时必填）"},
    "captcha": {"type": "string", "description": "图片上的验证码（不区分大小写）"},
}
CAPTCHA_NOTE = (
    "地区的注册规则要求验证码时（registration-form 的 captcha 为 true），须先 POST /captcha，"
    "再带上 captcha_id 与 captcha；缺少、错误、过期或已用过的验证码返回 400，"
    "code 为 captcha_required / captcha_wrong / captcha_expired / captcha_used。"
)


@bp.route("/captcha", methods=["GET", "POST"])
@documented("取得一个图形验证码：captcha_id 与 PNG 图片（base64），一次有效，过期作废；"
            "同一地址获取过于频繁返回 429（too_many_captchas）", ok=201, errors=(429,))
def captcha_challenge():
    try:
        challenge, answer = captcha.issue(request.remote_addr)
    except captcha.TooManyChallenges as refused:
        return error(refused.code, refused.message, 429)
    response = jsonify(
        captcha_id=challenge.id, image_base64=base64.b64encode(captcha.png(answer)).decode("ascii"),
        mime_type="image/png", expires_in=captcha.ttl_seconds(),
    )
    response.status_code = 201
    response.cache_control.no_store = True
    return response


def _captcha_refusal(spec, data: dict):
    """The JSON refusal when the region asks a captcha and ``data`` does not answer one."""
    if not spec.captcha:
        return None
    try:
        captcha.redeem(str(data.get("captcha_id") or ""), str(data.get("captcha") or ""))
    except captcha.CaptchaRefused as refused:
        return error(refused.code, refused.message, 400)
    return None


@bp.post("/regions/<code>/register")
@documented(
    "注册学员，返回令牌。" + CAPTCHA_NOTE,
    body={"login": {"type": "string"}, "password": {"type": "string"}, "password2": {"type": "string"},
          **CAPTCHA_FIELDS},
    ok=201, errors=(400, 404, 409, 422),
)
@json_body(RegisterBody)
def register(code: str, body: dict):
    rules = rules_for(code)
    data = _with_region_fields(body)
    refusal = _captcha_refusal(rules.registration_spec(), data)
    if refusal is not None:
        return refusal
    try:
        user = register_learner(rules, data)
    except FormRejected as err:
        return rejected(err, 409 if err.code == "already_registered" else 422)
    sessions.begin(user)
    response = jsonify(token=issue_token(user), learner=learner_json(user))
    response.status_code = 201
    return response


@bp.post("/regions/<code>/login")
@documented("登录，返回令牌；学员返回 learner，工作人员返回 staff（role 为其角色）。" + CAPTCHA_NOTE,
            body={"login": {"type": "string"}, "password": {"type": "string"}, **CAPTCHA_FIELDS},
            errors=(400, 401, 404, 429))
@json_body(LoginBody)
def login(code: str, body: dict):
    spec = rules_for(code).registration_spec()
    try:
        # The site's rule: a region whose registration asks a captcha asks it at sign-in too.
        user = sign_in(code, body["login"], body["password"], captcha_answer=body["captcha"],
                       needs_captcha=spec.captcha, captcha_id=body["captcha_id"], address=request.remote_addr)
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    sessions.begin(user)  # the account's one live session: any older one (site or API) ends
    return jsonify(token=issue_token(user), **signed_in_json(user))


@bp.post("/logout")
@documented("退出登录：结束本账号的全部会话与令牌", auth=True, errors=(401,))
def logout():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    sign_out()
    return jsonify(signed_out=True)


@bp.post("/me/password")
@documented("修改密码：成功后本账号的全部会话与令牌失效，须用新密码重新登录",
            body={"current_password": {"type": "string"}, "password": {"type": "string"},
                  "password2": {"type": "string"}},
            auth=True, errors=(401, 422))
@json_body(PasswordChangeBody)
def change_password(body: dict):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    try:
        accounts.change_password(current_user, body["current_password"], body["password"], body["password2"])
    except InvalidInput as err:
        return error(err.code, err.message, 422)
    return jsonify(changed=True)


@bp.get("/me")
@documented("当前学员的个人信息", auth=True, errors=(401,))
@learner_api
def me():
    return jsonify(learner_json(current_user))


@bp.get("/me/eligibility")
@documented("当前学员某年度的学习资格（含中文原因）", auth=True, errors=(401,))
@learner_api
def eligibility():
    year = request.args.get("year", type=int) or current_year(current_user.region)
    return jsonify(year=year, **as_json(eligibility_for(current_user, year)))


def collection_json(user) -> dict:
    rules = rules_for(user.region)
    return {
        "status": user.profile.collection_status,
        "status_label": collection.STATUS_LABELS.get(user.profile.collection_status),
        "steps": [
            {
                "code": s.code, "title": s.title, "fields": [field_json(f) for f in s.fields],
                "attachments": [
                    {"code": a.code, "label": a.label, "required": a.required, "students_only": a.students_only,
                     "content_types": list(a.content_types), "max_bytes": a.max_bytes}
                    for a in s.attachments
                ],
            }
            for s in rules.collection_steps()
        ],
        "answers": collection.answers_of(user),
        "attachments": collection.attachments_of(user),
        "missing": collection.missing(rules, user),
    }


@bp.get("/me/collection")
@documented("信息采集：步骤、已填内容、状态", auth=True, errors=(401,))
@learner_api
def collection_get():
    return jsonify(collection_json(current_user))


@bp.put("/me/collection/<step>")
@documented("保存信息采集的一步（JSON 字段）", auth=True, body={}, errors=(401, 422))
@learner_api
@json_body(CollectionBody)
def collection_put(step: str, body: dict):
    try:
        collection.save_step(rules_for(current_user.region), current_user, step, _with_region_fields(body))
    except FormRejected as err:
        return rejected(err)
    return jsonify(collection_json(current_user))


@bp.post("/me/collection/<step>/attachments/<name>")
@documented("上传信息采集附件（multipart，字段 file）", auth=True, errors=(401, 422))
@learner_api
def collection_attachment(step: str, name: str):
    upload = request.files.get("file")
    if upload is None:
        return error("missing_file", "请选择要上传的文件。", 422)
    try:
        collection.save_step(rules_for(current_user.region), current_user, step,
                             collection.answers_of(current_user), {name: upload.read()})
    except FormRejected as err:
        return rejected(err)
    return jsonify(collection_json(current_user))


@bp.post("/me/collection/submit")
@documented("提交信息采集", auth=True, errors=(401, 422))
@learner_api
def collection_submit():
    try:
        collection.submit(rules_for(current_user.region), current_user)
    except FormRejected as err:
        return rejected(err)
    return jsonify(collection_json(current_user))


@bp.post("/regions/<code>/password-reset/code")
@documented("发送找回密码短信验证码", body={"login": {"type": "string"}, "phone": {"type": "string"}},
            errors=(404, 422))
@json_body(ResetCodeBody)
def reset_code(code: str, body: dict):
    try:
        password_reset.send_reset_code(rules_for(code), body["login"], body["phone"])
    except InvalidInput as err:
        return error(err.code, err.message, 422)
    return jsonify(sent=True)


@bp.post("/regions/<code>/password-reset")
@documented("用短信验证码设置新密码", body={"login": {"type": "string"}, "phone": {"type": "string"},
            "code": {"type": "string"}, "password": {"type": "string"}, "password2": {"type": "string"}},
            errors=(404, 422))
@json_body(ResetBody)
def reset_password(code: str, body: dict):
    try:
        password_reset.reset_with_code(rules_for(code), body["login"], body["phone"], body["code"],
                                       body["password"], body["password2"])
    except InvalidInput as err:
        return error(err.code, err.message, 422)
    return jsonify(reset=True)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of ``/api/v1``, built from the url map and each view's operation."""
    spec = APISpec(title="cpe API", version=__version__, openapi_version="3.0.3",
                   info={"description": "会计人员继续教育平台 JSON API；错误为 {error: {code, message}}。"})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", {
        "type": "object",
        "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}},
    })
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(bp.url_prefix) or rule.endpoint == "api.openapi":
            continue
        view = current_app.view_functions[rule.endpoint]
        operation = getattr(view, "openapi", None) or {
            "summary": ((view.__doc__ or rule.endpoint).strip().splitlines() or [rule.endpoint])[0],
            "responses": {"200": {"description": "成功"}},
        }
        path = rule.rule[len(bp.url_prefix):] or "/"
        for converter_arg in rule.arguments:
            path = path.replace(f"<int:{converter_arg}>", f"{{{converter_arg}}}").replace(
                f"<{converter_arg}>", f"{{{converter_arg}}}")
        params = [{"name": a, "in": "path", "required": True, "schema": {"type": "string"}} for a in sorted(rule.arguments)]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op = dict(operation)
            if params:
                op["parameters"] = params
            paths.setdefault(path, {})[method.lower()] = op
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["servers"] = [{"url": bp.url_prefix}]
    return jsonify(document)
