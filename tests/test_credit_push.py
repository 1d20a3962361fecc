"""Pushing Guangdong records to the provincial platform: a real HTTP receiver on loopback that
fails, times out and answers twice; retries, idempotency keys, crash-resume and statuses."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import CreditPush
from cpe_core.services import pushes
from cpe_core.testing import login
from cpe_core.testing_receiver import running_receiver

from credit_helpers import earn

REGION, YEAR = "guangdong", 2024


@pytest.fixture
def receiver(app):
    with running_receiver(token="s3cret") as receiver:
        app.config.update(
            CPE_GUANGDONG_PUSH_URL=receiver.url,
            CPE_GUANGDONG_PUSH_TOKEN="s3cret",
            CPE_PUSH_BACKOFF=0,  # urllib3 backoff between tries: none in tests
            CPE_PUSH_RETRIES=2,
            CPE_PUSH_TIMEOUT=0.3,
        )
        yield receiver


@pytest.fixture
def course(make_course):
    return make_course(REGION, YEAR, kind="public", credits=30)


@pytest.fixture
def ready(make_learner, course):
    """Learners who studied 1,440 minutes and scored 60: the legacy platform's push threshold."""

    def make(name: str = "陈敏"):
        learner = make_learner(REGION, name=name)
        earn(learner, YEAR, professional=60, public=30, score=60, minutes=1440, course=course)
        return learner

    return make


def rows() -> list[CreditPush]:
    db.session.expire_all()
    return list(db.session.scalars(select(CreditPush).order_by(CreditPush.id)))


def test_push_sends_each_ready_record_once_with_its_idempotency_key(receiver, ready, make_learner, course):
    learner = ready()
    earn(make_learner(REGION), YEAR, public=30, score=90, minutes=1439, course=course)  # too little study
    earn(make_learner(REGION), YEAR, public=30, score=59, minutes=2000, course=course)  # failed the exam

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.planned, summary.accepted, summary.failed) == (1, 1, 0)
    assert (push.user_id, push.status, push.attempts) == (learner.id, "returned", 1)
    assert push.idempotency_key == pushes.idempotency_key(REGION, YEAR, learner.id)
    received = receiver.records[push.idempotency_key]
    assert received["record"]["身份证号"] == learner.profile.id_number
    assert received["record"]["学习时长（分钟）"] == 1440
    assert receiver.requests == [("POST", "/api/cpe/records", push.idempotency_key)]


def test_pushing_again_sends_nothing_new(receiver, ready):
    ready()
    pushes.push(REGION, YEAR)

    summary = pushes.push(REGION, YEAR)

    assert (summary.planned, summary.accepted, summary.failed) == (0, 0, 0)
    assert len(receiver.requests) == 1


def test_a_receiver_failure_is_retried_with_backoff_until_it_answers(receiver, ready):
    ready()
    receiver.fail_next(2, status=503)

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.accepted, push.status) == (1, "returned")
    assert [r[2] for r in receiver.requests] == [push.idempotency_key] * 3  # same key every try
    assert len(receiver.records) == 1


def test_a_persistent_failure_keeps_the_receivers_answer_and_waits_before_the_next_run(
    receiver, ready, clock
):
    ready()
    receiver.fail_next(3, status=500, body='{"error": "身份证号与姓名不符"}')

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.failed, push.status, push.attempts) == (1, "failed", 1)
    assert push.last_response == 'HTTP 500 {"error": "身份证号与姓名不符"}'
    assert pushes.failures(REGION) == [push]
    # A run before the backoff has passed leaves it alone; a later one sends it again.
    assert pushes.push(REGION, YEAR).accepted == 0
    clock.advance(minutes=2)
    assert pushes.push(REGION, YEAR).accepted == 1
    assert rows()[0].status == "returned" and pushes.failures(REGION) == []


def test_a_receiver_that_never_answers_is_a_visible_timeout(receiver, ready):
    ready()
    receiver.hang_next(3, seconds=0.6)

    pushes.push(REGION, YEAR)

    (push,) = rows()
    assert push.status == "failed"
    assert push.last_response.startswith("接收方超时未应答")
    assert receiver.records == {}


def test_a_retry_after_a_timeout_never_creates_a_duplicate(receiver, ready):
    ready()
    # The receiver stores the record but answers after the client gave up: the client retries
    # with the same key and the receiver answers a second time, "already have it" (409).
    receiver.store_then_hang_next(1, seconds=0.6)

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.accepted, push.status) == (1, "returned")
    assert len(receiver.records) == 1
    assert [r[2] for r in receiver.requests] == [push.idempotency_key] * 2
    assert '"duplicate": true' in push.last_response


def test_a_push_stopped_by_a_crash_resumes_without_duplicates(receiver, ready, monkeypatch):
    for number in range(4):
        ready(name=f"学员{number}")
    real = pushes.record_accepted
    calls = []

    def crash_on_the_second(push, status, answer):
        calls.append(push.user_id)
        if len(calls) == 2:
            raise SystemExit("killed after sending, before recording the answer")
        real(push, status, answer)

    monkeypatch.setattr(pushes, "record_accepted", crash_on_the_second)
    with pytest.raises(SystemExit):
        pushes.push(REGION, YEAR)
    db.session.rollback()
    assert [push.status for push in rows()] == ["returned", "pending", "pending", "pending"]
    assert len(receiver.records) == 2

    monkeypatch.setattr(pushes, "record_accepted", real)
    summary = pushes.push(REGION, YEAR)

    assert summary.accepted == 3
    assert [push.status for push in rows()] == ["returned"] * 4
    assert len(receiver.records) == 4  # the record sent twice is stored once
    assert len(receiver.requests) == 5


def test_a_wrong_token_is_a_failure_with_the_receivers_answer(receiver, ready, app):
    ready()
    app.config["CPE_GUANGDONG_PUSH_TOKEN"] = "wrong"

    pushes.push(REGION, YEAR)

    assert rows()[0].last_response == 'HTTP 401 {"error": "unauthorized"}'


def test_statuses_follow_the_provincial_platform_and_the_learner_sees_them(receiver, ready, testapp):
    learner = ready()
    pushes.push(REGION, YEAR)
    key = rows()[0].idempotency_key
    labels = []
    for status in ("reviewed", "completed", "pushed"):
        receiver.set_status(key, status)
        assert pushes.refresh_statuses(REGION, YEAR) == 1
        labels.append(pushes.status_label(pushes.export_for(REGION, YEAR), rows()[0].status))

    # guangdong-2021-learner-guide: 已回传 -> 已审核 -> 已完成 -> 回传成功
    assert labels == ["已审核", "已完成", "回传成功"]
    login(testapp, REGION, learner.login)
    page = testapp.get(f"/{REGION}/credits/reporting")
    assert '<li aria-current="step">回传成功</li>' in page.text


def test_cpe_export_pushes_with_a_progress_bar_and_refreshes_statuses(receiver, ready, app):
    ready()
    ready(name="学员二")

    result = app.test_cli_runner().invoke(
        args=["export", "--region", REGION, "--year", str(YEAR), "--format", "push", "--refresh-statuses"]
    )

    assert result.exit_code == 0, result.output
    assert "新登记2条，回传成功2条，失败0条" in result.output
    assert "状态有变化的记录：0条" in result.output
    assert len(receiver.records) == 2
