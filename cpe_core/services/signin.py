"""Signing in, for the site and the API: captcha, throttling of failures, API tokens.

Failed attempts are counted per account and per address with Flask-Limiter's storage; past the
limit every attempt (even with the right password) is refused until the window passes. Each
attempt takes its try (the storage's atomic increment: Redis ``INCRBY``, a lock in memory)
before the password is compared, and a right password gives it back: testing the count first
and adding the failure after let concurrent guesses all pass the test.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter

from ..models import User
from ..regions import rules_for
from ..security import limiter
from . import captcha, sessions
from .accounts import authenticate, find_user
from .tokens import timed_serializer

MSG_BAD_CREDENTIALS = "账号或密码错误。"
MSG_TOO_MANY = "登录失败次数过多，请15分钟后再试。"
TOKEN_DAYS = 7


class LoginRefused(ValueError):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _keys(region: str | None, login: str, address: str | None) -> list[tuple[str, tuple[str, ...]]]:
    config = current_app.config
    return [
        (config["CPE_LOGIN_LIMIT_ACCOUNT"], ("login-account", region or "-", login.strip())),
        (config["CPE_LOGIN_LIMIT_ADDRESS"], ("login-address", address or "-")),
    ]


def sign_in(
    region: str | None, login: str, password: str, *, captcha_answer: str | None = None,
    needs_captcha: bool = False, captcha_id: str | None = None, address: str | None = None,
    choice: str | None = None,
) -> User:
    """The user signing in, or :class:`LoginRefused` (``captcha_*``, ``too_many_attempts``,
    ``bad_credentials``, ``login_choice_required``).

    ``captcha_id`` is the API's challenge id (a string, empty when the client sent none); None
    means the site's session challenge. ``choice`` answers the region's
    ``RegistrationSpec.login_choice`` (e.g. 用户类型): one of the field's values for a learner
    (checked against their profile) or :data:`STAFF_CHOICE`; ``""`` when the form asked and
    nothing was chosen (refused), None when the client does not ask (an API client: not checked).
    """
    field = rules_for(region).registration_spec().login_choice_field() if region is not None else None
    if field is not None and choice is not None and not choice.strip():
        raise LoginRefused("login_choice_required", f"请选择{field.label}。", 422)
    if field is None and choice is not None and choice.strip():
        # A choice the region does not ask is a client's mistake, not something to ignore.
        raise LoginRefused("field_bad_choice", "本地区登录无需选择用户类型。", 422)

    def verify() -> User:
        user = authenticate(region, login, password)
        if user is None:
            raise LoginRefused("bad_credentials", MSG_BAD_CREDENTIALS, 401)
        if field is not None and choice is not None and not _chose_own(field, user, choice.strip()):
            # The same answer as a wrong password: the choice tells nothing about the account.
            raise LoginRefused("bad_credentials", MSG_BAD_CREDENTIALS, 401)
        return user

    return throttled(region, login, address, verify, captcha_answer=captcha_answer,
                     needs_captcha=needs_captcha, captcha_id=captcha_id)


#: The login choice of a region's staff (工作人员), beside the learners' values.
STAFF_CHOICE = "staff"


def _chose_own(field, user: User, choice: str) -> bool:
    """Whether ``choice`` is ``user``'s own: staff choose 工作人员, a learner their profile's value
    (any of the field's values when the profile holds none: nothing to check it against)."""
    if user.role != "learner":
        return choice == STAFF_CHOICE
    own = getattr(user.profile, field.name, None) if user.profile is not None else None
    if own is None:
        return choice in {value for value, _label in field.choices}
    return choice == own


def throttled(
    region: str | None, login: str, address: str | None, verify: Callable[[], User], *,
    captcha_answer: str | None = None, needs_captcha: bool = False, captcha_id: str | None = None,
) -> User:
    """Run one sign-in attempt on account ``login`` of ``region`` from ``address`` under the
    failure counters: refused with ``too_many_attempts`` past either limit, else ``verify()``
    (the password compared, or an SMS code redeemed: :mod:`.sms_login`), which returns the
    user or raises :class:`LoginRefused`. A refused attempt keeps its try; a success clears the
    account's count and gives the address its try back."""
    # A fixed window over Flask-Limiter's storage: the one strategy whose counts can be given back.
    strategy = FixedWindowRateLimiter(limiter().limiter.storage)
    keys = [(parse(limit), ids) for limit, ids in _keys(region, login, address)]
    if any(not strategy.test(item, *ids) for item, ids in keys):
        raise LoginRefused("too_many_attempts", MSG_TOO_MANY, 429)
    if needs_captcha and captcha_id is not None:
        try:
            captcha.redeem(captcha_id, captcha_answer)
        except captcha.CaptchaRefused as refused:
            raise LoginRefused(refused.code, refused.message, 400) from None
    elif needs_captcha and not captcha.check(captcha_answer):
        raise LoginRefused("captcha_wrong", captcha.MSG_WRONG, 400)
    taken = []
    for item, ids in keys:
        taken.append((item, ids))
        if not strategy.hit(item, *ids):
            # Over a limit: this attempt is refused unseen and counts for nothing.
            for given_item, given_ids in taken:
                _give_back(strategy, given_item, given_ids)
            raise LoginRefused("too_many_attempts", MSG_TOO_MANY, 429)
    user = verify()
    (account, account_ids), *others = keys
    strategy.clear(account, *account_ids)
    for item, ids in others:
        _give_back(strategy, item, ids)
    return user


def _give_back(strategy: FixedWindowRateLimiter, item: RateLimitItem, ids: tuple[str, ...]) -> None:
    """Undo one try taken on ``item`` (the attempt was refused unseen, or it succeeded)."""
    strategy.storage.incr(item.key_for(*ids), item.get_expiry(), amount=-1)


def _serializer() -> URLSafeTimedSerializer:
    return timed_serializer("cpe-api-token")


def issue_token(user: User) -> str:
    """A signed API token for ``user``'s live session (:mod:`.sessions`), begun now if the
    account has none: it ends with the session (a newer sign-in, signing out, a password change
    or reset, the account disabled) and after ``TOKEN_DAYS`` at most."""
    token = user.session_token or sessions.begin(user)
    return _serializer().dumps({"u": user.id, "s": token})


def token_claim(token: str) -> tuple[int, str] | None:
    """``(user id, session token)`` a well-signed, unexpired API token claims, else None; the
    caller checks the claim against the account (:func:`cpe_core.auth.live_user`)."""
    try:
        data = _serializer().loads(token, max_age=TOKEN_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


__all__ = ["LoginRefused", "find_user", "issue_token", "sign_in", "token_claim"]
