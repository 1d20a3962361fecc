"""Image captchas (图形验证码): the answer stays in the server-side session, single use.

Tests read the answer through ``CPE_CAPTCHA_TEST_ANSWER``, honoured only when ``TESTING``: every
challenge then has that answer and the form's captcha field is pre-filled with it, so WebTest
forms pass unless a test types another value. The image is still really rendered.
"""
from __future__ import annotations

import secrets

from captcha.image import ImageCaptcha
from flask import current_app, session

from .. import clock

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 4
TTL_SECONDS = 300
MSG_WRONG = "验证码错误或已过期，请重新输入。"


def test_answer() -> str | None:
    app = current_app
    answer = app.config.get("CPE_CAPTCHA_TEST_ANSWER")
    return answer if (app.testing and answer) else None


def new_challenge() -> str:
    """Make a new answer, keep it in the session and return it (to be drawn)."""
    answer = test_answer() or "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session["captcha"] = {"answer": answer, "at": clock.now().timestamp()}
    return answer


def png(answer: str) -> bytes:
    return ImageCaptcha(width=160, height=60).generate(answer, format="png").getvalue()


def check(given: str | None) -> bool:
    """Whether ``given`` answers the session's challenge; a challenge answers once only."""
    challenge = session.pop("captcha", None)
    expected = test_answer()
    if challenge and clock.now().timestamp() - challenge["at"] <= TTL_SECONDS:
        expected = challenge["answer"]
    return bool(expected and given and given.strip().upper() == expected.upper())
