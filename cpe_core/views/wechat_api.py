"""``/api/v1`` endpoints of the WeChat mini-program (微信小程序): sign in with a ``wx.login``
code, bind the WeChat identity to an account once, unbind. Thin views over
:mod:`cpe_core.services.wechat`."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required
from marshmallow import fields

from ..regions import rules_for
from ..services import sessions, wechat
from ..services.input_rules import Text
from ..services.signin import LoginRefused, issue_token
from .api import Reply, bp, error, json_body, operation
from .api_accounts import CAPTCHA_CODES, CaptchaFields, SignedIn, signed_in_json

NOT_OFFERED = ("unknown_region", "wechat_not_offered")
WECHAT_CODES = {401: ("wechat_code_invalid",), 503: ("wechat_unavailable",)}


class WechatLoginBody(CaptchaFields):
    code = Text(load_default="", max_length=128, label="微信登录凭证")


class WechatBindBody(CaptchaFields):
    code = Text(load_default="", max_length=128, label="微信登录凭证")
    login = Text(load_default="", max_length=64, label="账号")
    password = Text(load_default="", max_length=128, strip=False, label="密码")
    phone = Text(load_default="", max_length=32, label="手机号码")
    sms_code = Text(load_default="", max_length=16, label="短信验证码")


class WechatBindingReply(Reply):
    bound = fields.Boolean(required=True)
    bound_at = fields.String(required=True, allow_none=True)


class WechatUnbound(Reply):
    unbound = fields.Boolean(required=True)


def _signed_in(user):
    sessions.begin(user)  # the account's one live session: any older one (site or API) ends
    return jsonify(token=issue_token(user), **signed_in_json(user))


@bp.post("/regions/<code>/wechat/login")
@operation("微信小程序登录：用 wx.login 取得的 code 登录已绑定微信的学员账号，返回令牌（与密码登录相同）；"
           "未绑定时返回 404 wechat_not_bound，请先调用 wechat/bind", SignedIn, auth=False,
           errors={**WECHAT_CODES, 404: NOT_OFFERED + ("wechat_not_bound",)})
@json_body(WechatLoginBody)
def wechat_login(code: str, body: dict):
    try:
        user = wechat.sign_in_with_code(rules_for(code), body["code"])
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    return _signed_in(user)


@bp.post("/regions/<code>/wechat/bind")
@operation("把微信绑定到学员账号并登录：code 为新的 wx.login 凭证，另给账号 login 与密码 password（地区要求时"
           "带图形验证码），或手机号码 phone 与短信验证码 sms_code（地区提供验证码登录时，验证码由 "
           "login/sms-code 发送）；此后只用 code 即可登录", SignedIn, auth=False,
           errors={**WECHAT_CODES, 400: CAPTCHA_CODES, 401: ("bad_credentials", "bad_sms_code", "wechat_code_invalid"),
                   403: ("learners_only",), 404: NOT_OFFERED + ("sms_login_not_offered",),
                   409: ("wechat_bound_elsewhere", "wechat_account_bound"),
                   422: ("invalid_phone", "phone_not_registered", "phone_ambiguous"), 429: ("too_many_attempts",)})
@json_body(WechatBindBody)
def wechat_bind(code: str, body: dict):
    try:
        user = wechat.bind(rules_for(code), body["code"], login=body["login"], password=body["password"],
                           phone=body["phone"], sms_code=body["sms_code"], captcha_answer=body["captcha"],
                           captcha_id=body["captcha_id"], address=request.remote_addr)
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    return _signed_in(user)


@bp.get("/me/wechat")
@operation("当前账号是否已绑定微信", WechatBindingReply)
@login_required
def wechat_binding():
    from .. import clock

    binding = wechat.binding_of(current_user)
    bound_at = clock.shanghai_text(clock.from_utc_naive(binding.bound_at), clock.SECONDS) if binding else None
    return jsonify(bound=binding is not None, bound_at=bound_at)


@bp.delete("/me/wechat")
@operation("解除当前账号的微信绑定；此后微信小程序需重新绑定才能登录", WechatUnbound, errors={404: ("wechat_not_bound",)})
@login_required
def wechat_unbind():
    try:
        wechat.unbind(current_user)
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    return jsonify(unbound=True)
