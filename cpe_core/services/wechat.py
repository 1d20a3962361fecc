"""Signing in from the WeChat mini-program (微信小程序).

The mini-program calls ``wx.login()`` for a one-time code and sends it to the API; the core
exchanges it with WeChat (``code2session``) for the member's ``openid`` under the deployment's
mini-program (``CPE_WECHAT_APP_ID``, ``CPE_WECHAT_APP_SECRET``). The first time, the member
binds that identity to their account of the region by signing in once (account and password,
with the region's captcha, or phone and SMS code where the region offers code sign-in); from
then on the code alone signs in. A member may unbind, and closing the account unbinds.

Every rule of the ordinary sign-in holds: the same failure counters and lock-out, the account's
one live session, disabled accounts refused. The ``session_key`` WeChat returns is not kept (the
API does not decrypt the mini-program's data); the secret is read like every key
(:class:`cpe_core.keys.DeploymentSettings`: settings, environment, ``_FILE``) and never logged:
``jscode2session`` takes it in the query string, which :mod:`cpe_core.keys` keeps out of logs.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import requests
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import User, WechatBinding
from ..regions import RegionRules
from ..keys import DeploymentSettings
from ..transactions import begin_write
from . import audit, sms_login
from .signin import LoginRefused, sign_in

log = logging.getLogger("cpe.wechat")
DEFAULT_BASE = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 10
#: WeChat's answers for a code that is wrong, used, or from another mini-program.
BAD_CODE_ERRORS = {40029, 40163, 40125, 40013}
MSG_NOT_OFFERED = "本平台未开通微信小程序登录。"
MSG_BAD_CODE = "微信登录凭证无效或已使用，请重新进入小程序。"
MSG_UNAVAILABLE = "暂时无法连接微信，请稍后再试。"
MSG_NOT_BOUND = "该微信尚未绑定本地区的账号，请先用账号密码或短信验证码绑定。"
MSG_BOUND_ELSEWHERE = "该微信已绑定本地区的其他账号，请先在该账号中解除绑定。"
MSG_ACCOUNT_BOUND = "该账号已绑定其他微信，请先解除绑定。"
MSG_LEARNERS_ONLY = "仅学员可以绑定微信。"
MSG_NO_BINDING = "该账号没有绑定微信。"


@dataclass(frozen=True)
class MiniProgram:
    """The deployment's mini-program: ``missing`` names the settings it still lacks."""

    app_id: str
    secret: str
    base_url: str

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name, value in (("CPE_WECHAT_APP_ID", self.app_id),
                                              ("CPE_WECHAT_APP_SECRET", self.secret)) if not value)

    def __repr__(self) -> str:
        return f"<MiniProgram {self.app_id} at {self.base_url}>"


def mini_program(config=None) -> MiniProgram:
    settings = DeploymentSettings(current_app.config if config is None else config)
    return MiniProgram(str(settings.get("CPE_WECHAT_APP_ID") or ""), str(settings.get("CPE_WECHAT_APP_SECRET") or ""),
                       str(settings.get("CPE_WECHAT_API_BASE") or DEFAULT_BASE).rstrip("/"))


def openid_for(js_code: str) -> tuple[str, str]:
    """``(app id, openid)`` for a ``wx.login`` code, asked of WeChat (``jscode2session``);
    :class:`LoginRefused` ``wechat_not_offered`` (404), ``wechat_code_invalid`` (401),
    ``wechat_unavailable`` (503)."""
    program = mini_program()
    if program.missing:
        raise LoginRefused("wechat_not_offered", MSG_NOT_OFFERED, 404)
    if not js_code or len(js_code) > 128:
        raise LoginRefused("wechat_code_invalid", MSG_BAD_CODE, 401)
    try:
        response = requests.get(f"{program.base_url}/sns/jscode2session", timeout=TIMEOUT_SECONDS, params={
            "appid": program.app_id, "secret": program.secret, "js_code": js_code,
            "grant_type": "authorization_code"})
        answer = json.loads(response.text)  # WeChat answers JSON as text/plain
    except (requests.RequestException, ValueError) as error:
        log.error("WeChat code2session failed: %s", type(error).__name__)
        raise LoginRefused("wechat_unavailable", MSG_UNAVAILABLE, 503) from None
    errcode = answer.get("errcode") or 0
    if errcode in BAD_CODE_ERRORS:
        raise LoginRefused("wechat_code_invalid", MSG_BAD_CODE, 401)
    if errcode or not answer.get("openid"):
        log.error("WeChat code2session refused: errcode %s", errcode)
        raise LoginRefused("wechat_unavailable", MSG_UNAVAILABLE, 503)
    return program.app_id, str(answer["openid"])


def sign_in_with_code(rules: RegionRules, js_code: str) -> User:
    """The learner of ``rules``' region whose account the code's WeChat identity is bound to;
    :class:`LoginRefused` ``wechat_not_bound`` (404) when none is (or the account is disabled),
    and :func:`openid_for`'s refusals."""
    app_id, openid = openid_for(js_code)
    user = db.session.scalar(
        select(User).join(WechatBinding, WechatBinding.user_id == User.id)
        .where(WechatBinding.region == rules.code, WechatBinding.app_id == app_id, WechatBinding.openid == openid)
    )
    if user is None or not user.is_active:
        raise LoginRefused("wechat_not_bound", MSG_NOT_BOUND, 404)
    return user


def bind(rules: RegionRules, js_code: str, *, login: str = "", password: str = "", phone: str = "",
         sms_code: str = "", captcha_answer: str = "", captcha_id: str = "", address: str | None = None) -> User:
    """Sign in once (account and password, or phone and SMS code) and bind the code's WeChat
    identity to the account; returns the learner. The credentials are checked first, under the
    ordinary sign-in's counters; binding the identity already bound to the account is a no-op.

    :raises LoginRefused: the sign-in's refusals (``bad_credentials``, ``captcha_*``,
        ``bad_sms_code``, ``too_many_attempts``...), ``learners_only`` (403),
        ``wechat_bound_elsewhere`` / ``wechat_account_bound`` (409), and :func:`openid_for`'s.
    """
    if phone:
        user = sms_login.sign_in_with_code(rules, phone, sms_code, address=address)
    else:
        spec = rules.registration_spec()
        user = sign_in(rules.code, login, password, captcha_answer=captcha_answer, needs_captcha=spec.captcha,
                       captcha_id=captcha_id, address=address)
    if user.role != "learner":
        raise LoginRefused("learners_only", MSG_LEARNERS_ONLY, 403)
    app_id, openid = openid_for(js_code)
    begin_write()
    existing = db.session.scalar(select(WechatBinding).where(
        WechatBinding.region == rules.code, WechatBinding.app_id == app_id, WechatBinding.openid == openid))
    if existing is not None:
        db.session.rollback()
        if existing.user_id == user.id:
            return user
        raise LoginRefused("wechat_bound_elsewhere", MSG_BOUND_ELSEWHERE, 409)
    if db.session.scalar(select(WechatBinding.id).where(WechatBinding.user_id == user.id,
                                                        WechatBinding.app_id == app_id)) is not None:
        db.session.rollback()
        raise LoginRefused("wechat_account_bound", MSG_ACCOUNT_BOUND, 409)
    try:
        db.session.add(WechatBinding(user_id=user.id, region=rules.code, app_id=app_id, openid=openid,
                                     bound_at=clock.to_utc_naive(clock.now())))
        db.session.flush()
        audit.record("wechat.bound", f"user:{user.id}", actor=user, region=rules.code)
        db.session.commit()
    except IntegrityError:
        # Another binding won the race, or the account already has a WeChat identity.
        db.session.rollback()
        taken = db.session.scalar(select(WechatBinding.user_id).where(
            WechatBinding.region == rules.code, WechatBinding.app_id == app_id, WechatBinding.openid == openid))
        db.session.rollback()
        if taken == user.id:
            return user
        if taken is not None:
            raise LoginRefused("wechat_bound_elsewhere", MSG_BOUND_ELSEWHERE, 409) from None
        raise LoginRefused("wechat_account_bound", MSG_ACCOUNT_BOUND, 409) from None
    return user


def binding_of(user: User) -> WechatBinding | None:
    return db.session.scalar(select(WechatBinding).where(WechatBinding.user_id == user.id))


def unbind(user: User) -> None:
    """Remove the account's WeChat identity (audited); :class:`LoginRefused` ``wechat_not_bound``
    (404) when it has none."""
    begin_write()
    removed = db.session.execute(delete(WechatBinding).where(WechatBinding.user_id == user.id)).rowcount
    if not removed:
        db.session.rollback()
        raise LoginRefused("wechat_not_bound", MSG_NO_BINDING, 404)
    audit.record("wechat.unbound", f"user:{user.id}", actor=user, region=user.region)
    db.session.commit()
