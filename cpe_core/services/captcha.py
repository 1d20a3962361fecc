"""Image captchas (图形验证码), single use and expiring, for the site and the API.

Every challenge is a row of ``captcha_challenge`` (:func:`issue`): the answer only as a keyed
hash, an expiry, and a single use that :func:`redeem` takes with one conditional UPDATE whether
the answer was right or not. API clients get the challenge id and the PNG from
``POST /api/v1/captcha``; the site's ``/<region>/captcha.png`` keeps only the challenge id in the
session cookie (:func:`new_challenge`, :func:`check`). Flask's session is a signed, not an
encrypted, cookie: the answer must never be in it, and a replayed cookie must not replay a
challenge, so the server holds both the answer and the fact that it was used.

Both expire after ``CPE_CAPTCHA_TTL_SECONDS`` (default 300). Tests read the answer through
``CPE_CAPTCHA_TEST_ANSWER``, honoured only when ``TESTING``: every challenge (site or API) then
has that answer and the site's captcha field is pre-filled with it, so WebTest forms pass unless a
test types another value. The image is still really rendered. An API client must still fetch a
challenge and send its id: the test answer never stands in for a missing challenge there.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from captcha.image import ImageCaptcha
from flask import current_app, session
from sqlalchemy import delete, update

from .. import clock
from ..extensions import db
from ..models import CaptchaChallenge

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 4
TTL_SECONDS = 300
MSG_WRONG = "验证码错误或已过期，请重新输入。"
MSG_TOO_MANY = "获取验证码过于频繁，请稍后再试。"
#: Challenges one address may fetch (each is a stored row; anyone may ask for one).
LIMIT_ADDRESS = "60 per 10 minutes"


class CaptchaRefused(ValueError):
    """A captcha refused: ``code`` is ``captcha_required``, ``captcha_wrong``,
    ``captcha_expired`` or ``captcha_used``; the message is the site's."""

    def __init__(self, code: str) -> None:
        super().__init__(MSG_WRONG)
        self.code, self.message = code, MSG_WRONG


def ttl_seconds() -> int:
    return int(current_app.config.get("CPE_CAPTCHA_TTL_SECONDS") or TTL_SECONDS)


def test_answer() -> str | None:
    app = current_app
    answer = app.config.get("CPE_CAPTCHA_TEST_ANSWER")
    return answer if (app.testing and answer) else None


def _new_answer() -> str:
    return test_answer() or "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


#: The session key of the site's current challenge id (never its answer).
SESSION_KEY = "captcha_id"


def new_challenge(address: str | None = None) -> str:
    """A new stored challenge for the site's visitor: its id goes into the session, replacing
    (and using up) the one shown before; returns the answer, to be drawn.

    :raises TooManyChallenges: ``address`` fetched too many lately.
    """
    challenge, answer = issue(address)
    previous = session.get(SESSION_KEY)
    session[SESSION_KEY] = challenge.id
    if previous:
        # Only the latest image can be answered: the one it replaces is spent at once.
        _use_up(previous)
        db.session.commit()
    return answer


def png(answer: str) -> bytes:
    return ImageCaptcha(width=160, height=60).generate(answer, format="png").getvalue()


def check(given: str | None) -> bool:
    """Whether ``given`` answers the session's challenge, which is used up either way.

    Without a challenge in the session (the image was never loaded) only the test answer of a
    ``TESTING`` app passes, so WebTest forms need not fetch the image.
    """
    challenge_id = session.pop(SESSION_KEY, None)
    if not challenge_id:
        expected = test_answer()
        return bool(expected and given and given.strip().upper() == expected.upper())
    try:
        redeem(challenge_id, given)
    except CaptchaRefused:
        return False
    return True


# --- stored challenges (the API's and the site's) ----------------------------------------------


def _digest(challenge_id: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"captcha:{challenge_id}:{answer.strip().upper()}".encode(), hashlib.sha256).hexdigest()


class TooManyChallenges(ValueError):
    """``address`` asked for more challenges than ``CPE_CAPTCHA_LIMIT_ADDRESS`` allows."""

    code = "too_many_captchas"
    message = MSG_TOO_MANY


def _within_address_limit(address: str | None) -> bool:
    from limits import parse

    from ..security import limiter

    item = parse(current_app.config.get("CPE_CAPTCHA_LIMIT_ADDRESS") or LIMIT_ADDRESS)
    return limiter().limiter.hit(item, "captcha-address", address or "-")


def issue(address: str | None = None) -> tuple[CaptchaChallenge, str]:
    """A new stored challenge and its answer (to be drawn, never stored in clear).

    :raises TooManyChallenges: ``address`` fetched too many lately (nothing is stored then).
    """
    if not _within_address_limit(address):
        raise TooManyChallenges(MSG_TOO_MANY)
    now = clock.to_utc_naive(clock.now())
    # Challenges long expired are of no use: drop them as new ones are made.
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now - dt.timedelta(days=1)))
    answer = _new_answer()
    challenge_id = secrets.token_urlsafe(24)
    challenge = CaptchaChallenge(
        id=challenge_id, answer_hash=_digest(challenge_id, answer), created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl_seconds()),
    )
    db.session.add(challenge)
    db.session.commit()
    return challenge, answer


def redeem(challenge_id: str | None, given: str | None) -> None:
    """Use up challenge ``challenge_id`` with answer ``given``; raises :class:`CaptchaRefused`.

    The challenge is used up (and committed at once) even when the answer is wrong or what
    follows fails, so one challenge never gets two guesses.
    """
    challenge_id = (challenge_id or "").strip()
    given = (given or "").strip()
    if not challenge_id or not given:
        if challenge_id:
            # An empty answer still spends the challenge: no free look at a fresh one.
            _use_up(challenge_id)
            db.session.commit()
        raise CaptchaRefused("captcha_required")
    # The conditional UPDATE comes first: of concurrent requests with the same challenge only
    # one wins, and (on SQLite) the write lock is taken before anything was read.
    won = _use_up(challenge_id)
    challenge = db.session.get(CaptchaChallenge, challenge_id)
    expected, expires_at = (challenge.answer_hash, challenge.expires_at) if challenge else (None, None)
    db.session.commit()
    if challenge is None:
        raise CaptchaRefused("captcha_wrong")
    if not won:
        raise CaptchaRefused("captcha_used")
    now = clock.to_utc_naive(clock.now())
    if now > expires_at:
        raise CaptchaRefused("captcha_expired")
    if not hmac.compare_digest(expected, _digest(challenge_id, given)):
        raise CaptchaRefused("captcha_wrong")


def _use_up(challenge_id: str) -> bool:
    """Mark the challenge used (not committed); True if this call was the one that used it."""
    return db.session.execute(
        update(CaptchaChallenge)
        .where(CaptchaChallenge.id == challenge_id, CaptchaChallenge.used_at.is_(None))
        .values(used_at=clock.to_utc_naive(clock.now()))
        .execution_options(synchronize_session=False)
    ).rowcount == 1
