"""Signing in with an SMS code (手机验证码登录), for regions whose ``cpe_sms_policy`` offers it.

A learner gives the phone on file and gets a code (:func:`send_login_code`, after the region's
image captcha); the code then signs the account in (:func:`sign_in_with_code`) with the same
result as a password: the account's one live session (:mod:`.sessions`) and, in the API, a token.

Nothing here is a second copy of a rule: the code is made, hashed, limited per phone and day,
expired, used once and burnt after its wrong tries by :mod:`.password_reset`'s machinery
(purpose ``login``), and every attempt counts against the account's and the address's
failed sign-ins exactly as a wrong password does (:func:`.signin.throttled`).
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..regions import RegionRules
from . import captcha, password_reset
from .identity import InvalidInput, normalise_phone
from .signin import LoginRefused, throttled

PURPOSE = "login"
MSG_NOT_OFFERED = "本地区不支持手机验证码登录，请使用密码登录。"
MSG_NO_ACCOUNT = "该手机号码未绑定本地区的学员账号，请使用账号密码登录或先注册。"
MSG_SEVERAL = "该手机号码绑定了多个学员账号，请使用账号密码登录。"


def offered(rules: RegionRules) -> bool:
    """Whether the region's learners may sign in with an SMS code (``SmsPolicy.login``)."""
    return rules.sms_policy().login


def _require_offered(rules: RegionRules) -> None:
    if not offered(rules):
        raise LoginRefused("sms_login_not_offered", MSG_NOT_OFFERED, 404)


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except InvalidInput as refused:
        raise LoginRefused(refused.code, refused.message, 422) from None


def _learners(rules: RegionRules, phone: str) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.region == rules.code, User.role == "learner", User.phone == phone).limit(2)
    ))


def send_login_code(
    rules: RegionRules, phone: str, *, captcha_answer: str | None = None, captcha_id: str | None = None,
) -> None:
    """Text a sign-in code to ``phone`` when it is one learner's of the region; the region's
    captcha is answered first (``captcha_id``: the API's challenge, None: the site's session).

    :raises LoginRefused: ``sms_login_not_offered`` (404), ``captcha_*`` (400),
        ``invalid_phone``, ``phone_not_registered``, ``phone_ambiguous``, ``sms_daily_limit``,
        ``sms_failed`` (422).
    """
    _require_offered(rules)
    if rules.registration_spec().captcha:
        if captcha_id is not None:
            try:
                captcha.redeem(captcha_id, captcha_answer)
            except captcha.CaptchaRefused as refused:
                raise LoginRefused(refused.code, refused.message, 400) from None
        elif not captcha.check(captcha_answer):
            raise LoginRefused("captcha_wrong", captcha.MSG_WRONG, 400)
    phone = _phone(phone)
    found = _learners(rules, phone)
    if not found:
        raise LoginRefused("phone_not_registered", MSG_NO_ACCOUNT, 422)
    if len(found) > 1:
        raise LoginRefused("phone_ambiguous", MSG_SEVERAL, 422)
    name, minutes = rules.info.name, password_reset.CODE_MINUTES
    try:
        password_reset.send_code(
            rules, found[0].id, phone, PURPOSE,
            lambda code: password_reset.code_message(
                "login", code, f"【{name}】您正在登录，验证码{code}，{minutes}分钟内有效，请勿泄露。"),
        )
    except InvalidInput as refused:
        raise LoginRefused(refused.code, refused.message, 422) from None


def sign_in_with_code(rules: RegionRules, phone: str, code: str, *, address: str | None = None) -> User:
    """The learner whose phone ``phone`` was sent ``code``; the caller begins the session.

    The attempt counts against the account (its login) and ``address`` as a password attempt
    does, so wrong codes and wrong passwords lock the account out together.

    :raises LoginRefused: ``sms_login_not_offered`` (404), ``invalid_phone`` (422),
        ``too_many_attempts`` (429), ``bad_sms_code`` (401: wrong, expired, used, burnt, or no
        code was sent to this phone).
    """
    _require_offered(rules)
    phone = _phone(phone)
    found = _learners(rules, phone)
    user = found[0] if len(found) == 1 else None
    # The account's counter when the phone names one, else one for the phone itself.
    login = user.login if user is not None else f"phone:{phone}"
    user_id = user.id if user is not None else None

    def verify() -> User:
        if user_id is None:
            raise LoginRefused("bad_sms_code", password_reset.MSG_BAD_CODE, 401)
        try:
            password_reset.redeem_code(user_id, phone, PURPOSE, code)
        except InvalidInput as refused:
            raise LoginRefused(refused.code, refused.message, 401) from None
        signed_in = db.session.get(User, user_id)
        if not signed_in.is_active:
            db.session.rollback()
            raise LoginRefused("bad_sms_code", password_reset.MSG_BAD_CODE, 401)
        db.session.commit()  # the code is used up
        return signed_in

    return throttled(rules.code, login, address, verify)
