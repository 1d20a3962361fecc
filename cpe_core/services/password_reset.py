"""Password reset, two ways: self-service with an SMS code, and by staff after checking the
learner's name, ID number and phone on file (audited). Either ends every session and API token
of the account (:mod:`.sessions`).

The SMS code machinery here (:func:`send_code`, :func:`redeem_code`) also serves sign-in by code
(:mod:`.sms_login`): codes are hashed, expire, are used once and burn after :data:`MAX_TRIES`
wrong tries, and every code of any purpose counts against the phone's daily limit
(:func:`daily_limit`).

Both limits (codes per phone per day, tries per code) are counters that concurrent requests race
for: each is taken with one conditional UPDATE before the work it allows (see
:mod:`cpe_core.transactions`), never read and written back.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hookspecs import SmsMessage

from .. import clock
from ..extensions import db
from ..models import SmsCode, SmsQuota, User
from ..regions import RegionRules
from ..transactions import begin_write
from . import audit, sessions
from .accounts import find_user, hash_password
from .identity import InvalidInput, check_password, normalise_phone
from .input_rules import check_text

#: Codes per phone per Asia/Shanghai day unless ``CPE_SMS_DAILY_LIMIT`` or the region's
#: ``SmsPolicy.daily_limit`` says otherwise (5, as the provincial platforms' manuals say).
DAILY_CODES_PER_PHONE = 5
CODE_MINUTES = 10
MAX_TRIES = 5
MSG_DAILY_LIMIT = "该手机号今日获取验证码次数已达上限（{limit}次），请明天再试。"
MSG_NO_MATCH = "账号与手机号码不匹配，请核对后重试；如手机号已更换，请联系客服人员重置密码。"
MSG_BAD_CODE = "短信验证码错误或已过期，请重新获取。"
MSG_SEND_FAILED = "短信发送失败，请稍后再试。"
MSG_STAFF_MISMATCH = "姓名、身份证号和手机号码与平台登记信息不符，不能重置密码。"


def _digest(code: str, phone: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _now_utc() -> dt.datetime:
    return clock.to_utc_naive(clock.now())


def codes_sent_today(phone: str) -> int:
    since = clock.to_utc_naive(clock.start_of_day(clock.today_in_shanghai()))
    return db.session.scalar(
        select(func.count(SmsCode.id)).where(SmsCode.phone == phone, SmsCode.sent_at >= since)
    ) or 0


def _learner(rules: RegionRules, login: str, phone: str) -> User:
    check_text("账号", login or "", 64)  # before it is looked up
    user = find_user(rules.code, (login or "").strip().upper() if rules.registration_spec().identity_field == "id_number" else (login or "").strip())
    if user is None or user.role != "learner" or user.phone != phone:
        raise InvalidInput("phone_mismatch", MSG_NO_MATCH)
    return user


def daily_limit(rules: RegionRules) -> int:
    """Codes one phone may receive per Asia/Shanghai day in ``rules``' region: the region's
    ``SmsPolicy.daily_limit``, else the deployment's ``CPE_SMS_DAILY_LIMIT``, else 5."""
    own = rules.sms_policy().daily_limit
    if own is not None:
        return own
    return int(current_app.config.get("CPE_SMS_DAILY_LIMIT") or DAILY_CODES_PER_PHONE)


def daily_limit_message(rules: RegionRules) -> str:
    return MSG_DAILY_LIMIT.format(limit=daily_limit(rules))


def _take_daily_slot(phone: str, limit: int) -> bool:
    """Count one more code for ``phone`` today if fewer than the limit were sent (not committed).

    The day's row is created first (with the codes already sent that day, for rows written before
    the quota table existed); the conditional UPDATE then waits for any concurrent taker's row
    lock and re-reads the count, so the limit holds exactly.
    """
    day = clock.today_in_shanghai()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(SmsQuota).values(phone=phone, day=day, sent=codes_sent_today(phone)).on_conflict_do_nothing()
    )
    return db.session.execute(
        update(SmsQuota)
        .where(SmsQuota.phone == phone, SmsQuota.day == day, SmsQuota.sent < limit)
        .values(sent=SmsQuota.sent + 1)
    ).rowcount == 1


def send_reset_code(rules: RegionRules, login: str, phone: str) -> None:
    """Text a 6-digit code to the learner's phone on file, within the phone's daily limit."""
    phone = normalise_phone(phone)
    user_id = _learner(rules, login, phone).id
    send_code(rules, user_id, phone, "reset", lambda code: code_message(
        "password_reset", code, f"【{rules.info.name}】您正在找回密码，验证码{code}，{CODE_MINUTES}分钟内有效，请勿泄露。"))


def code_message(purpose: str, code: str, text: str) -> SmsMessage:
    """The text of a verification code: template variables ``code`` and ``minutes``."""
    return SmsMessage(purpose, {"code": code, "minutes": str(CODE_MINUTES)}, text)


def send_code(rules: RegionRules, user_id: int, phone: str, purpose: str,
              message: Callable[[str], SmsMessage]) -> None:
    """Store a new 6-digit code for ``user_id`` and ``purpose`` (hashed) and text
    ``message(code)`` to ``phone`` (already normalised), taking one of the phone's codes of the
    day first; :class:`InvalidInput` ``sms_daily_limit`` past it, ``sms_failed`` when the gateway
    refused (the code is then dropped and the day's slot given back)."""
    begin_write()
    if not _take_daily_slot(phone, daily_limit(rules)):
        db.session.rollback()
        raise InvalidInput("sms_daily_limit", daily_limit_message(rules))
    code = f"{secrets.randbelow(10**6):06d}"
    now = _now_utc()
    sms = SmsCode(
        region=rules.code, phone=phone, user_id=user_id, purpose=purpose, code_hash=_digest(code, phone),
        sent_at=now, expires_at=now + dt.timedelta(minutes=CODE_MINUTES), attempts=0,
    )
    db.session.add(sms)
    # Committed before sending: the gateway may take seconds, and the quota row's lock (on SQLite
    # the whole database's write lock) must not wait for it.
    db.session.commit()
    if not rules.send_sms(phone, message(code)):
        # Not sent: the code never reached anyone and does not count against the day.
        sms_id = sms.id
        begin_write()
        db.session.execute(delete(SmsCode).where(SmsCode.id == sms_id))
        db.session.execute(
            update(SmsQuota)
            .where(SmsQuota.phone == phone, SmsQuota.day == clock.today_in_shanghai(), SmsQuota.sent > 0)
            .values(sent=SmsQuota.sent - 1)
        )
        db.session.commit()
        raise InvalidInput("sms_failed", MSG_SEND_FAILED)


def _code_matches(code_hash: str, code: str, phone: str) -> bool:
    return hmac.compare_digest(code_hash, _digest((code or "").strip(), phone))


def redeem_code(user_id: int, phone: str, purpose: str, code: str) -> None:
    """Use up ``user_id``'s latest unused, unexpired ``purpose`` code sent to ``phone`` when
    ``code`` is it; else :class:`InvalidInput` ``bad_sms_code``.

    Each guess takes one of the code's :data:`MAX_TRIES` tries before it is compared (committed
    at once, right or wrong), so concurrent guesses compare at most that many times in all. A
    right code is marked used in a write transaction left open: the caller makes its change and
    commits both together.
    """
    sms = db.session.scalar(
        select(SmsCode)
        .where(SmsCode.user_id == user_id, SmsCode.phone == phone, SmsCode.purpose == purpose,
               SmsCode.used_at.is_(None))
        .order_by(SmsCode.id.desc())
        .limit(1)
    )
    now = _now_utc()
    if sms is None or sms.expires_at < now or sms.attempts >= MAX_TRIES:
        raise InvalidInput("bad_sms_code", MSG_BAD_CODE)
    sms_id, code_hash = sms.id, sms.code_hash
    begin_write()
    took_a_try = db.session.execute(
        update(SmsCode)
        .where(SmsCode.id == sms_id, SmsCode.used_at.is_(None), SmsCode.attempts < MAX_TRIES)
        .values(attempts=SmsCode.attempts + 1)
    ).rowcount == 1
    if not took_a_try:
        db.session.rollback()
        raise InvalidInput("bad_sms_code", MSG_BAD_CODE)
    if not _code_matches(code_hash, code, phone):
        db.session.commit()
        raise InvalidInput("bad_sms_code", MSG_BAD_CODE)
    # This transaction holds the code's row since the UPDATE above: no other guess can use it.
    db.session.execute(update(SmsCode).where(SmsCode.id == sms_id).values(used_at=now))


def reset_with_code(rules: RegionRules, login: str, phone: str, code: str, password: str, password2: str) -> User:
    """Set a new password when ``code`` is the latest unused, unexpired reset code sent to
    ``phone`` (:func:`redeem_code`)."""
    phone = normalise_phone(phone)
    user = _learner(rules, login, phone)
    check_password(password)
    if password != password2:
        raise InvalidInput("password_mismatch", "两次输入的密码不一致。")
    user_id = user.id
    redeem_code(user_id, phone, "reset", code)
    user = db.session.get(User, user_id)
    user.password_hash = hash_password(password)
    sessions.end(user)  # whoever held the account signs in again, with the new password
    db.session.commit()
    return user


def staff_reset(staff: User, learner: User, *, name: str, id_number: str, phone: str, password: str) -> None:
    """Reset ``learner``'s password after the caller confirmed name, ID number and phone on file."""
    profile = learner.profile
    on_file = (learner.name, (profile.id_number or "") if profile else "", learner.phone or "")
    given = (name.strip(), id_number.strip().upper(), phone.strip())
    if on_file != given:
        raise InvalidInput("identity_mismatch", MSG_STAFF_MISMATCH)
    check_password(password)
    learner.password_hash = hash_password(password)
    sessions.end(learner)
    audit.record("learner.password_reset", f"user:{learner.id}", actor=staff, region=learner.region,
                 after={"checked": ["name", "id_number", "phone"]})
    db.session.commit()
