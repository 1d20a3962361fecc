"""Limits that are counters hold under concurrency: many requests at once, each in its own
thread with its own database connection (PostgreSQL in CI, SQLite otherwise), never get past
the limit. Each test widens the race window as a real server would (a password hash, an SMS
gateway), and asserts the exact limit."""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import ExamAttempt, SmsCode, SmsQuota
from cpe_core.testing import id_number
from study_support import ELIGIBLE
from exam_helpers import add_questions, give_credits, plan
from hookspecs import hookimpl

LEARNER_ID = id_number("211302", "19880516", 61)
PHONE = "13904210666"


def race(app, count: int, work: Callable[[], str]) -> list[str]:
    """Run ``work`` in ``count`` threads released together, each in its own app context (its own
    database session and connection); the outcomes, and no exception."""
    db.session.remove()
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=20)
                try:
                    outcomes.append(work())
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(outcomes) == count
    return outcomes


class SlowOutbox:
    """An SMS gateway that takes a moment to answer, as real ones do."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()

    @hookimpl
    def cpe_send_sms(self, region, phone, message):
        time.sleep(0.02)
        with self.lock:
            self.sent.append(message)
        return True


@pytest.fixture
def outbox() -> SlowOutbox:
    return SlowOutbox()


@pytest.fixture
def extra_plugins(outbox, sms_login_on):
    return [("slow-sms", outbox), ("sms-login", sms_login_on)]


@pytest.fixture
def learner(make_learner):
    return make_learner("chaoyang", login=LEARNER_ID, id_number=LEARNER_ID, phone=PHONE)


def counted(monkeypatch, module, name: str, delay: float = 0.01) -> list[int]:
    """Count the calls of ``module.name`` (from any thread), each slowed by ``delay``."""
    calls: list[int] = []
    lock = threading.Lock()
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        with lock:
            calls.append(1)
        time.sleep(delay)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_sixty_concurrent_wrong_guesses_compare_a_reset_code_five_times(app, learner, outbox, monkeypatch):
    from cpe_core.regions import rules_for
    from cpe_core.services import password_reset
    from cpe_core.services.identity import InvalidInput

    rules = rules_for("chaoyang")
    password_reset.send_reset_code(rules, LEARNER_ID, PHONE)
    code = re.search(r"验证码(\d{6})", outbox.sent[-1]).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    compared = counted(monkeypatch, password_reset, "_digest")

    def guess() -> str:
        try:
            password_reset.reset_with_code(rules, LEARNER_ID, PHONE, wrong, "NewSecret9", "NewSecret9")
        except InvalidInput as refused:
            return refused.code
        return "reset"

    outcomes = race(app, 60, guess)
    assert outcomes == ["bad_sms_code"] * 60
    assert len(compared) == password_reset.MAX_TRIES == 5
    assert db.session.scalar(select(SmsCode.attempts)) == 5
    with pytest.raises(InvalidInput):  # the code is spent: even the right one is refused now
        password_reset.reset_with_code(rules, LEARNER_ID, PHONE, code, "NewSecret9", "NewSecret9")


def test_concurrent_requests_send_a_phone_five_codes_a_day(app, learner, outbox):
    from cpe_core.regions import rules_for
    from cpe_core.services import password_reset
    from cpe_core.services.identity import InvalidInput

    rules = rules_for("chaoyang")

    def ask() -> str:
        try:
            password_reset.send_reset_code(rules, LEARNER_ID, PHONE)
        except InvalidInput as refused:
            return refused.code
        return "sent"

    outcomes = race(app, 20, ask)
    assert sorted(outcomes) == ["sent"] * 5 + ["sms_daily_limit"] * 15
    assert len(outbox.sent) == 5
    assert db.session.scalar(select(func.count(SmsCode.id))) == 5
    assert db.session.scalar(select(SmsQuota.sent)) == 5


def test_a_failed_send_gives_its_slot_back(app, learner, outbox, monkeypatch):
    from cpe_core.regions import rules_for
    from cpe_core.services import password_reset
    from cpe_core.services.identity import InvalidInput

    rules = rules_for("chaoyang")
    monkeypatch.setattr(type(rules), "send_sms", lambda self, phone, message: False)
    with pytest.raises(InvalidInput) as refused:
        password_reset.send_reset_code(rules, LEARNER_ID, PHONE)
    assert refused.value.code == "sms_failed"
    assert db.session.scalar(select(func.count(SmsCode.id))) == 0
    assert db.session.scalar(select(SmsQuota.sent)) == 0


def test_sixty_concurrent_wrong_passwords_are_compared_five_times(app, learner, monkeypatch):
    """The account's lock-out (5 failures per 15 minutes) counts each attempt before the
    password is compared; the address limit (30) is not what stops them."""
    from cpe_core.services import signin

    compared = counted(monkeypatch, signin, "authenticate", delay=0.02)

    def attempt() -> str:
        try:
            signin.sign_in("chaoyang", LEARNER_ID, "wrong-password", address="10.1.1.1")
        except signin.LoginRefused as refused:
            return refused.code
        return "signed_in"

    outcomes = race(app, 60, attempt)
    assert len(compared) == 5
    assert sorted(outcomes) == ["bad_credentials"] * 5 + ["too_many_attempts"] * 55
    with pytest.raises(signin.LoginRefused) as locked:
        signin.sign_in("chaoyang", LEARNER_ID, "Passw0rd!", address="10.1.1.2")
    assert locked.value.code == "too_many_attempts"


def test_sixty_concurrent_wrong_sign_in_codes_are_compared_five_times(app, learner, outbox, monkeypatch):
    """An SMS-code sign-in takes its try on the account's lock-out (the passwords' counter) and
    on the code before comparing: 60 wrong codes at once compare five times, and lock the
    account out for passwords too."""
    from cpe_core.regions import rules_for
    from cpe_core.services import captcha, password_reset, signin, sms_login

    rules = rules_for("chaoyang")
    challenge, answer = captcha.issue(None)
    sms_login.send_login_code(rules, PHONE, captcha_answer=answer, captcha_id=challenge.id)
    code = re.search(r"验证码(\d{6})", outbox.sent[-1]).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    compared = counted(monkeypatch, password_reset, "_digest")

    def guess() -> str:
        try:
            sms_login.sign_in_with_code(rules, PHONE, wrong, address="10.3.3.3")
        except signin.LoginRefused as refused:
            return refused.code
        return "signed_in"

    outcomes = race(app, 60, guess)
    assert sorted(outcomes) == ["bad_sms_code"] * 5 + ["too_many_attempts"] * 55
    assert len(compared) == 5
    assert db.session.scalar(select(SmsCode.attempts)) == 5
    with pytest.raises(signin.LoginRefused) as locked:
        signin.sign_in("chaoyang", LEARNER_ID, "Passw0rd!", address="10.3.3.4")
    assert locked.value.code == "too_many_attempts"


def test_a_right_password_gives_the_address_its_try_back(app, learner, make_learner):
    from cpe_core.services import signin

    app.config["CPE_LOGIN_LIMIT_ADDRESS"] = "3 per 15 minutes"
    for _ in range(5):
        signin.sign_in("chaoyang", LEARNER_ID, "Passw0rd!", address="10.2.2.2")
    other = make_learner("chaoyang")
    for _ in range(3):
        with pytest.raises(signin.LoginRefused) as refused:
            signin.sign_in("chaoyang", other.login, "wrong", address="10.2.2.2")
        assert refused.value.code == "bad_credentials"
    with pytest.raises(signin.LoginRefused) as locked:
        signin.sign_in("chaoyang", LEARNER_ID, "Passw0rd!", address="10.2.2.2")
    assert locked.value.code == "too_many_attempts"


def test_concurrent_exam_starts_stay_within_the_attempt_limit(app, make_learner, make_course, monkeypatch):
    """Guangdong allows 3 attempts a year; eight tabs start and hand in papers as fast as they
    can, all at once."""
    from cpe_core.regions import rules_for
    from cpe_core.services import exams, ledger

    monkeypatch.setattr(ledger, "study_minutes", lambda user_id, year: 10_000)
    user = make_learner("guangdong", **ELIGIBLE["guangdong"])  # eligible: only paid courses hold questions
    course = make_course("guangdong", 2024, kind="public", credits=30)
    add_questions(course, singles=12, truefalses=12)
    plan(user, course, 2024)
    give_credits(user, "guangdong", 2024, source="course", public=30)
    user_id = user.id
    limit = rules_for("guangdong").exam_policy(2024).max_attempts
    assert limit == 3

    def tab() -> str:
        while True:
            try:
                attempt = exams.start(user_id, "guangdong", 2024)
            except exams.ExamRefused as refused:
                return refused.code
            try:
                exams.submit(user_id, attempt.id)
            except exams.ExamRefused:
                pass  # another tab handed this one in

    outcomes = race(app, 8, tab)
    assert outcomes == ["attempts_used_up"] * 8
    assert db.session.scalar(select(func.count(ExamAttempt.id))) == limit


def test_answers_ticked_at_once_are_all_saved(app, make_learner, make_course, monkeypatch):
    """The paper saves each answer as it is ticked, one request each: ten ticked in the same
    instant are ten saves, none refused with "database is locked" (SQLite) or lost."""
    from cpe_core.models import ExamAnswer
    from cpe_core.services import exams, ledger

    monkeypatch.setattr(ledger, "study_minutes", lambda user_id, year: 10_000)
    user = make_learner("guangdong", **ELIGIBLE["guangdong"])
    course = make_course("guangdong", 2024, kind="public", credits=30)
    add_questions(course, singles=12, truefalses=12)
    plan(user, course, 2024)
    give_credits(user, "guangdong", 2024, source="course", public=30)
    attempt = exams.start(user.id, "guangdong", 2024)
    user_id, attempt_id, paper = user.id, attempt.id, list(attempt.question_ids)
    ticks = iter(paper)
    lock = threading.Lock()

    def tick() -> str:
        with lock:
            question_id = next(ticks)
        exams.save_answers(user_id, attempt_id, {question_id: 0})
        return "saved"

    assert race(app, len(paper), tick) == ["saved"] * len(paper)
    assert db.session.scalar(select(func.count(ExamAnswer.id))) == len(paper)
