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
from dataclasses import asdict
from functools import wraps
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_login import current_user
from marshmallow import fields

from ..auth import live_user
from ..extensions import db, login_manager
from ..regions import rules_for
from ..security import sign_out
from ..services import accounts, captcha, collection, password_reset, personal_data, sessions, sms_login
from ..services.eligibility import as_json, eligibility_for
from ..services.identity import InvalidInput
from ..services.registration import FormRejected, fields_of, privacy_notice, register as register_learner
from ..services.signin import LoginRefused, issue_token, sign_in, token_claim
from ..services.input_rules import Body, Boolean, Integer, Text, Year
from .api import Reply, bp, error, json_body, operation, query_args
from .api_spec import document
from ..services.years import current_year

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
    #: The learner accepted the region's privacy notice (``registration-form``'s ``privacy_notice``).
    privacy_accepted = Boolean(load_default=False, label="同意个人信息保护政策")


class LoginBody(CaptchaFields):
    login = Text(load_default="", max_length=64, label="账号")
    password = Text(load_default="", max_length=128, strip=False, label="密码")
    #: The region's sign-in choice (RegistrationSpec.login_choice, e.g. a 用户类型), or
    #: "staff"; checked when given, as the site's login form asks it.
    login_choice = Text(load_default=None, max_length=32, label="用户类型")


class SmsCodeBody(CaptchaFields):
    phone = Text(load_default="", max_length=32, label="手机号码")


class SmsLoginBody(Body):
    phone = Text(load_default="", max_length=32, label="手机号码")
    code = Text(load_default="", max_length=16, label="验证码")


class CollectionBody(Body):
    """One step's answers: the region's fields for the step, checked by the collection service."""


class YearQuery(Body):
    year = Year(load_default=None, from_text=True)


# --- answers ---------------------------------------------------------------------------------


class LearnerReply(Reply):
    id = fields.Integer(required=True)
    region = fields.String(required=True)
    login = fields.String(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    id_number = fields.String(required=True, allow_none=True)
    member_number = fields.String(required=True, allow_none=True)
    member_type = fields.String(required=True, allow_none=True)
    qualification_level = fields.String(required=True, allow_none=True)
    qualified_year = fields.Integer(required=True, allow_none=True)
    work_start_year = fields.Integer(required=True, allow_none=True)
    employer = fields.String(required=True, allow_none=True)
    collection_region = fields.String(required=True, allow_none=True)
    collection_area = fields.String(required=True, allow_none=True)
    collection_status = fields.String(required=True, allow_none=True)


class StaffReply(Reply):
    id = fields.Integer(required=True)
    region = fields.String(required=True, allow_none=True)
    login = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)


class Choice(Reply):
    value = fields.String(required=True)
    label = fields.String(required=True)


class FieldReply(Reply):
    """A field a region declares (registration, information collection)."""

    name = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True)
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Nested(Choice), required=True)
    help = fields.String(required=True, allow_none=True)


class QuestionReply(Reply):
    code = fields.String(required=True)
    text = fields.String(required=True)


class PrivacyNoticeReply(Reply):
    version = fields.String(required=True)
    title = fields.String(required=True)
    text = fields.String(required=True)


class RegistrationForm(Reply):
    identity_field = fields.String(required=True)
    identity_label = fields.String(required=True)
    field_list = fields.List(fields.Nested(FieldReply), required=True, data_key="fields")
    captcha = fields.Boolean(required=True)
    questions = fields.List(fields.Nested(QuestionReply), required=True)
    sms_login = fields.Boolean(required=True)
    sms_daily_limit = fields.Integer(required=True)
    privacy_notice = fields.Nested(PrivacyNoticeReply, required=True)
    login_choice = fields.String(required=True, allow_none=True, metadata={
        "description": "the field learners also choose at sign-in (login's login_choice; staff: 'staff'), or null"})


class CaptchaReply(Reply):
    captcha_id = fields.String(required=True)
    image_base64 = fields.String(required=True)
    mime_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class Registered(Reply):
    token = fields.String(required=True)
    learner = fields.Nested(LearnerReply, required=True)


class SmsCodeSent(Reply):
    sent = fields.Boolean(required=True)
    expires_in = fields.Integer(required=True)


class SignedIn(Reply):
    token = fields.String(required=True)
    role = fields.String(required=True)
    learner = fields.Nested(LearnerReply)
    staff = fields.Nested(StaffReply)


class SignedOut(Reply):
    signed_out = fields.Boolean(required=True)


class PasswordChanged(Reply):
    changed = fields.Boolean(required=True)


class AccountClosed(Reply):
    closed = fields.Boolean(required=True)


class Reason(Reply):
    code = fields.String(required=True)
    message = fields.String(required=True)


class EligibilityReply(Reply):
    year = fields.Integer(required=True)
    allowed = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(Reason), required=True)


class AttachmentRule(Reply):
    code = fields.String(required=True)
    label = fields.String(required=True)
    required = fields.Boolean(required=True)
    students_only = fields.Boolean(required=True)
    content_types = fields.List(fields.String(), required=True)
    max_bytes = fields.Integer(required=True)


class CollectionStep(Reply):
    code = fields.String(required=True)
    title = fields.String(required=True)
    field_list = fields.List(fields.Nested(FieldReply), required=True, data_key="fields")
    attachments = fields.List(fields.Nested(AttachmentRule), required=True)


class CollectionReply(Reply):
    status = fields.String(required=True, allow_none=True)
    status_label = fields.String(required=True, allow_none=True)
    steps = fields.List(fields.Nested(CollectionStep), required=True)
    answers = fields.Dict(keys=fields.String(), required=True)
    attachments = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    missing = fields.List(fields.String(), required=True)


class CodeSent(Reply):
    sent = fields.Boolean(required=True)


class PasswordReset(Reply):
    reset = fields.Boolean(required=True)


class ResetCodeBody(Body):
    login = Text(load_default="", max_length=64, label="账号")
    phone = Text(load_default="", max_length=32, label="手机号码")


class ResetBody(ResetCodeBody):
    code = Text(load_default="", max_length=16, label="验证码")
    password = Text(load_default="", max_length=128, strip=False, label="新密码")
    password2 = Text(load_default="", max_length=128, strip=False, label="确认新密码")


class CloseAccountBody(Body):
    password = Text(load_default="", max_length=128, strip=False, label="密码")


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
@operation("地区的注册表单：账号字段、必填项、注册前问题、须同意的个人信息保护政策（privacy_notice）；sms_login 为 true 时可用手机验证码登录，"
           "sms_daily_limit 为同一手机号码每天可获取的验证码条数", RegistrationForm, auth=False,
           errors={404: ("unknown_region",)})
def registration_form(code: str):
    rules = rules_for(code)
    spec = rules.registration_spec()
    return jsonify(
        identity_field=spec.identity_field, identity_label=spec.identity_label,
        fields=[field_json(f) for f in fields_of(spec)], captcha=spec.captcha,
        questions=[{"code": q.code, "text": q.text} for q in spec.questions],
        sms_login=sms_login.offered(rules), sms_daily_limit=password_reset.daily_limit(rules),
        privacy_notice=asdict(privacy_notice(rules)),
        login_choice=spec.login_choice,
    )


CAPTCHA_CODES = ("captcha_required", "captcha_wrong", "captcha_expired", "captcha_used")
CAPTCHA_NOTE = (
    "地区的注册规则要求验证码时（registration-form 的 captcha 为 true），须先 POST /captcha，"
    "再带上 captcha_id 与 captcha；缺少、错误、过期或已用过的验证码返回 400，"
    "code 为 captcha_required / captcha_wrong / captcha_expired / captcha_used。"
)


@bp.route("/captcha", methods=["GET", "POST"])
@operation("取得一个图形验证码：captcha_id 与 PNG 图片（base64），一次有效，过期作废；"
           "同一地址获取过于频繁返回 429（too_many_captchas）", CaptchaReply, status=201, auth=False,
           errors={429: ("too_many_captchas",)})
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
@operation(
    "注册学员，返回令牌；地区的注册字段（registration-form）与 login、password 一同提交，"
    "privacy_accepted 须为 true（同意 registration-form 的 privacy_notice，否则 422）。" + CAPTCHA_NOTE,
    Registered, status=201, auth=False,
    errors={400: CAPTCHA_CODES, 404: ("unknown_region",), 409: ("already_registered",),
            422: ("invalid_input", "field_not_date", "invalid_id_number",
                  "weak_password", "password_mismatch")},
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
@operation("登录，返回令牌；学员返回 learner，工作人员返回 staff（role 为其角色）。" + CAPTCHA_NOTE,
           SignedIn, auth=False,
           errors={400: CAPTCHA_CODES, 401: ("bad_credentials",), 404: ("unknown_region",),
                   422: ("login_choice_required", "field_bad_choice"), 429: ("too_many_attempts",)})
@json_body(LoginBody)
def login(code: str, body: dict):
    spec = rules_for(code).registration_spec()
    try:
        # The site's rule: a region whose registration asks a captcha asks it at sign-in too.
        user = sign_in(code, body["login"], body["password"], captcha_answer=body["captcha"],
                       needs_captcha=spec.captcha, captcha_id=body["captcha_id"], address=request.remote_addr,
                       choice=body["login_choice"])
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    sessions.begin(user)  # the account's one live session: any older one (site or API) ends
    return jsonify(token=issue_token(user), **signed_in_json(user))


@bp.post("/regions/<code>/login/sms-code")
@operation("手机验证码登录：向注册时登记的手机号码发送登录验证码（地区提供此登录方式时）；同一手机号码每天"
           "条数有限（sms_daily_limit）；地区不提供时返回 404 sms_login_not_offered。" + CAPTCHA_NOTE,
           SmsCodeSent, auth=False,
           errors={400: CAPTCHA_CODES, 404: ("unknown_region", "sms_login_not_offered"),
                   422: ("phone_not_registered", "phone_ambiguous", "sms_daily_limit", "sms_failed")})
@json_body(SmsCodeBody)
def sms_login_code(code: str, body: dict):
    try:
        sms_login.send_login_code(rules_for(code), body["phone"], captcha_answer=body["captcha"],
                                  captcha_id=body["captcha_id"])
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    return jsonify(sent=True, expires_in=password_reset.CODE_MINUTES * 60)


@bp.post("/regions/<code>/login/sms")
@operation("手机验证码登录：用手机号码与短信验证码登录，返回令牌（与密码登录相同）；错误次数与密码登录合并计算",
           SignedIn, auth=False,
           errors={401: ("bad_sms_code",), 404: ("unknown_region", "sms_login_not_offered"),
                   422: ("phone_not_registered", "phone_ambiguous"), 429: ("too_many_attempts",)})
@json_body(SmsLoginBody)
def sms_login_sign_in(code: str, body: dict):
    try:
        user = sms_login.sign_in_with_code(rules_for(code), body["phone"], body["code"], address=request.remote_addr)
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    sessions.begin(user)  # the account's one live session: any older one (site or API) ends
    return jsonify(token=issue_token(user), **signed_in_json(user))


@bp.post("/logout")
@operation("退出登录：结束本账号的全部会话与令牌", SignedOut)
def logout():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    sign_out()
    return jsonify(signed_out=True)


@bp.post("/me/password")
@operation("修改密码：成功后本账号的全部会话与令牌失效，须用新密码重新登录", PasswordChanged,
           errors={422: ("wrong_password", "password_mismatch", "weak_password")})
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
@operation("当前学员的个人信息", LearnerReply, errors={403: ("forbidden",)})
@learner_api
def me():
    return jsonify(learner_json(current_user))


@bp.get("/me/personal-data")
@operation("下载本人个人信息副本（《个人信息保护法》第四十五条）：ZIP 内含 profile.json、collection/（信息采集答案与附件）、"
           "orders.json、credits.json、certificates.json；每次下载记入审计日志", None, media_type="application/zip",
           errors={403: ("forbidden",)})
@learner_api
def personal_data_download():
    """The same archive as the site's 下载个人信息 (:func:`cpe_core.services.personal_data.archive`)."""
    response = Response(personal_data.archive(current_user), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="personal-data.zip"'
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.post("/me/close")
@operation("注销本人账号（须核对密码）：本账号的全部会话与令牌随即失效；手机号码、邮箱、工作单位与信息采集资料被删除，"
           "学分、订单与证书保留并可核验", AccountClosed, errors={403: ("forbidden",), 422: ("wrong_password",)})
@learner_api
@json_body(CloseAccountBody)
def close_account(body: dict):
    """The site's 注销账号 (:func:`cpe_core.services.personal_data.close_account`)."""
    try:
        personal_data.close_account(current_user, body["password"])
    except InvalidInput as err:
        db.session.rollback()
        return error(err.code, err.message, 422)
    return jsonify(closed=True)


@bp.get("/me/eligibility")
@operation("当前学员某年度的学习资格（含中文原因；year 缺省为本地区当前年度）", EligibilityReply,
           errors={403: ("forbidden",)})
@learner_api
@query_args(YearQuery)
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
@operation("信息采集：步骤、已填内容、状态", CollectionReply, errors={403: ("forbidden",)})
@learner_api
def collection_get():
    return jsonify(collection_json(current_user))


@bp.put("/me/collection/<step>")
@operation("保存信息采集的一步（该步的字段，见 GET /me/collection）", CollectionReply,
           errors={403: ("forbidden",), 422: ("invalid_input", "unknown_step")})
@learner_api
@json_body(CollectionBody)
def collection_put(step: str, body: dict):
    try:
        collection.save_step(rules_for(current_user.region), current_user, step, _with_region_fields(body))
    except FormRejected as err:
        return rejected(err)
    return jsonify(collection_json(current_user))


@bp.post("/me/collection/<step>/attachments/<name>")
@operation("上传信息采集附件（multipart，字段 file）", CollectionReply, upload="file",
           errors={403: ("forbidden",), 422: ("missing_file", "invalid_input", "unknown_step")})
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
@operation("提交信息采集", CollectionReply,
           errors={403: ("forbidden",), 422: ("collection_incomplete", "invalid_input")})
@learner_api
def collection_submit():
    try:
        collection.submit(rules_for(current_user.region), current_user)
    except FormRejected as err:
        return rejected(err)
    return jsonify(collection_json(current_user))


@bp.post("/regions/<code>/password-reset/code")
@operation("发送找回密码短信验证码", CodeSent, auth=False,
           errors={404: ("unknown_region",),
                   422: ("identity_mismatch", "phone_mismatch", "sms_daily_limit", "sms_failed")})
@json_body(ResetCodeBody)
def reset_code(code: str, body: dict):
    try:
        password_reset.send_reset_code(rules_for(code), body["login"], body["phone"])
    except InvalidInput as err:
        return error(err.code, err.message, 422)
    return jsonify(sent=True)


@bp.post("/regions/<code>/password-reset")
@operation("用短信验证码设置新密码", PasswordReset, auth=False,
           errors={404: ("unknown_region",),
                   422: ("identity_mismatch", "phone_mismatch", "bad_sms_code", "password_mismatch",
                         "weak_password")})
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
    """The OpenAPI 3 document of ``/api/v1`` (:mod:`cpe_core.views.api_spec`)."""
    return jsonify(document(current_app))
