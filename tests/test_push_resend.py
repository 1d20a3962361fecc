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
