"""A record the provincial platform already accepted is sent again, under a new idempotency key
version, when the learner's record for that year changes afterwards; the same content is never
sent twice. A real receiver on loopback."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from cpe_core.extensions import db
from cpe_core.models import CreditRecord
from cpe_core.services import pushes

from credit_helpers import earn
from test_credit_push import REGION, YEAR, course, ready, receiver, rows  # noqa: F401


def test_credits_changed_after_acceptance_are_sent_again_under_a_new_key(receiver, ready):
    learner = ready()
    pushes.push(REGION, YEAR)
    (first,) = rows()
    first_key = first.idempotency_key
    assert receiver.records[first_key]["record"]["专业科目学分"] == 60

    earn(learner, YEAR, professional=12)  # e.g. an offset approved after the push
    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.accepted, push.version, push.status) == (1, 2, "returned")
    assert push.idempotency_key == pushes.idempotency_key(REGION, YEAR, learner.id, 2) != first_key
    assert receiver.records[push.idempotency_key]["record"]["专业科目学分"] == 72
    assert receiver.records[first_key]["record"]["专业科目学分"] == 60  # the old version stays as it was
    assert [r[2] for r in receiver.requests] == [first_key, push.idempotency_key]


def test_an_unchanged_record_is_never_sent_again(receiver, ready):
    ready()
    pushes.push(REGION, YEAR)

    for _ in range(3):
        assert pushes.push(REGION, YEAR).accepted == 0

    assert len(receiver.requests) == 1 and rows()[0].version == 1


def test_a_change_undone_before_it_was_sent_sends_nothing(receiver, ready):
    learner = ready()
    pushes.push(REGION, YEAR)
    earn(learner, YEAR, professional=12)
    pushes.plan(pushes.export_for(REGION, YEAR, "push"))  # the change is noticed: version 2 queued
    assert (rows()[0].version, rows()[0].status) == (2, "pending")
    last = db.session.scalar(select(func.max(CreditRecord.id)))
    db.session.execute(delete(CreditRecord).where(CreditRecord.id == last))  # the offset withdrawn
    db.session.commit()

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert summary.accepted == 0 and len(receiver.requests) == 1
    assert (push.version, push.idempotency_key) == (1, pushes.idempotency_key(REGION, YEAR, learner.id))
    assert push.status == "returned"


def test_a_record_changed_between_two_tries_gets_a_key_of_its_own(receiver, ready, clock):
    learner = ready()
    receiver.fail_next(3, status=500)  # refused: nothing stored under the first key
    pushes.push(REGION, YEAR)
    assert rows()[0].status == "failed"

    earn(learner, YEAR, public=6)
    clock.advance(minutes=2)
    pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (push.status, push.version) == ("returned", 2)
    assert list(receiver.records) == [push.idempotency_key]
    assert receiver.records[push.idempotency_key]["record"]["公需科目学分"] == 36


def test_a_record_accepted_before_versions_existed_gets_a_baseline_not_a_resend(receiver, ready):
    ready()
    pushes.push(REGION, YEAR)
    (push,) = rows()
    push.content_hash = None  # as the migration leaves rows accepted before it
    db.session.commit()

    assert pushes.push(REGION, YEAR).accepted == 0

    (push,) = rows()
    assert push.content_hash is not None and push.version == 1
    assert len(receiver.requests) == 1


def withdraw_last_credit() -> None:
    last = db.session.scalar(select(func.max(CreditRecord.id)))
    db.session.execute(delete(CreditRecord).where(CreditRecord.id == last))  # e.g. the offset withdrawn
    db.session.commit()


def test_a_change_undone_after_a_refused_try_goes_back_to_the_accepted_key(receiver, ready, clock):
    learner = ready()
    pushes.push(REGION, YEAR)
    first_key = rows()[0].idempotency_key
    earn(learner, YEAR, professional=12)
    receiver.fail_next(3, status=500)  # every try of version 2 refused: the receiver holds nothing under it
    pushes.push(REGION, YEAR)
    assert (rows()[0].version, rows()[0].status) == (2, "failed")
    second_key = rows()[0].idempotency_key
    withdraw_last_credit()
    clock.advance(minutes=2)

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.accepted, summary.failed) == (0, 0)
    assert (push.version, push.idempotency_key, push.status) == (1, first_key, "returned")
    assert list(receiver.records) == [first_key]  # it still holds this content, under this key
    # It was asked whether version 2 ever arrived, and nothing was sent again.
    assert receiver.requests[-1] == ("GET", f"/api/cpe/records/{second_key}", None)
    assert [r for r in receiver.requests if r[0] == "POST"] == [("POST", "/api/cpe/records", first_key)] + [
        ("POST", "/api/cpe/records", second_key)
    ] * 3

    earn(learner, YEAR, public=6)  # a later change is a new version again
    pushes.push(REGION, YEAR)
    assert (rows()[0].version, rows()[0].status) == (2, "returned")
    assert receiver.records[rows()[0].idempotency_key]["record"]["公需科目学分"] == 36


def test_a_change_undone_after_a_try_that_did_arrive_is_sent_under_a_third_key(receiver, ready, clock):
    # The receiver stored version 2 but answered too late: its latest record is version 2's, so
    # the undone content must arrive as a newer record; under the first key it would be a 409.
    learner = ready()
    pushes.push(REGION, YEAR)
    first_key = rows()[0].idempotency_key
    earn(learner, YEAR, professional=12)
    receiver.store_then_hang_next(3, seconds=0.6)
    pushes.push(REGION, YEAR)
    (push,) = rows()
    assert (push.version, push.status) == (2, "failed")
    assert receiver.records[push.idempotency_key]["record"]["专业科目学分"] == 72
    withdraw_last_credit()
    clock.advance(minutes=2)

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.accepted, push.version, push.status) == (1, 3, "returned")
    assert push.idempotency_key == pushes.idempotency_key(REGION, YEAR, learner.id, 3)
    assert receiver.records[push.idempotency_key]["record"]["专业科目学分"] == 60
    assert receiver.records[first_key]["record"]["专业科目学分"] == 60


def test_a_change_undone_while_the_receiver_cannot_say_what_it_holds_waits(receiver, ready, clock):
    learner = ready()
    pushes.push(REGION, YEAR)
    earn(learner, YEAR, professional=12)
    receiver.fail_next(3, status=500)
    pushes.push(REGION, YEAR)
    withdraw_last_credit()
    clock.advance(minutes=2)
    posts = len(receiver.requests)
    receiver.token = "rotated"  # the status question is refused (401): no answer either way

    summary = pushes.push(REGION, YEAR)

    (push,) = rows()
    assert (summary.accepted, summary.failed) == (0, 1)
    assert (push.version, push.status) == (2, "failed") and "HTTP 401" in push.last_response
    assert [r[0] for r in receiver.requests[posts:]] == ["GET"]  # nothing sent under any key
    assert push.next_try_at is not None
