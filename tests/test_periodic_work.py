"""Periodic work: Celery beat's schedule names real tasks with configurable intervals, and the
tasks (run inline here) retry due pushes, re-send changed records, refresh statuses from the
receiver and retry failed jobs; ``cpe jobs run-periodic`` does the same for cron users."""
from __future__ import annotations

import pytest

from cpe_core.extensions import db
from cpe_core.jobs import SCHEDULE, enqueue
from cpe_core.services import pushes

from credit_helpers import earn
from test_credit_push import REGION, YEAR, course, ready, receiver  # noqa: F401
from test_credit_push import rows as pushed_rows


def rows():
    # End the test's read transaction first: the task wrote through a session of its own.
    db.session.rollback()
    return pushed_rows()


@pytest.fixture
def cpe_test_config(cpe_test_config):
    return {**cpe_test_config, "CPE_BEAT_RETRY_PUSHES_SECONDS": 120, "CPE_BEAT_REFRESH_STATUSES_SECONDS": 900}


def test_the_beat_schedule_names_real_tasks_at_the_configured_intervals(app):
    celery = app.extensions["celery"]

    schedule = celery.conf.beat_schedule

    assert set(schedule) == set(SCHEDULE) == {"retry-due-pushes", "refresh-push-statuses", "retry-failed-jobs",
                                              "reconcile-payments", "apply-retention", "refresh-progress"}
    for entry in schedule.values():
        assert entry["task"] in celery.tasks
    assert schedule["retry-due-pushes"]["schedule"] == 120
    assert schedule["refresh-push-statuses"]["schedule"] == 900
    assert schedule["retry-failed-jobs"]["schedule"] == 300  # the default
    assert schedule["reconcile-payments"]["schedule"] == 3600


def test_the_retry_task_sends_a_failed_push_once_its_backoff_has_passed(app, receiver, ready, clock):
    ready()
    receiver.fail_next(3, status=503)
    pushes.push(REGION, YEAR)
    assert rows()[0].status == "failed"

    enqueue("cpe.periodic.retry_pushes")  # inline: no broker
    assert rows()[0].status == "failed" and len(receiver.records) == 0  # backoff not over
    clock.advance(minutes=2)
    enqueue("cpe.periodic.retry_pushes")

    assert rows()[0].status == "returned" and len(receiver.records) == 1


def test_the_retry_task_resends_a_record_changed_after_acceptance(app, receiver, ready):
    learner = ready()
    pushes.push(REGION, YEAR)
    earn(learner, YEAR, professional=6)

    enqueue("cpe.periodic.retry_pushes")

    (push,) = rows()
    assert (push.version, push.status) == (2, "returned")
    assert receiver.records[push.idempotency_key]["record"]["专业科目学分"] == 66


def test_the_refresh_task_brings_the_receivers_statuses(app, receiver, ready):
    ready()
    pushes.push(REGION, YEAR)
    receiver.set_status(rows()[0].idempotency_key, "reviewed")

    enqueue("cpe.periodic.refresh_statuses")

    assert rows()[0].status == "reviewed"


def test_cpe_jobs_run_periodic_does_the_same_from_cron(app, receiver, ready, clock):
    ready()
    receiver.fail_next(3, status=503)
    pushes.push(REGION, YEAR)
    clock.advance(minutes=2)
    receiver.first_status = "reviewed"

    result = app.test_cli_runner().invoke(args=["jobs", "run-periodic"])

    assert result.exit_code == 0, result.output
    assert f"推送 {REGION}:{YEAR}：新登记0条，回传成功1条，失败0条" in result.output
    assert rows()[0].status == "reviewed"


def test_a_region_whose_receiver_is_gone_does_not_stop_the_others(app, receiver, ready, clock):
    ready()
    pushes.push(REGION, YEAR)
    app.config["CPE_GUANGDONG_PUSH_URL"] = ""

    result = app.test_cli_runner().invoke(args=["jobs", "run-periodic"])

    assert result.exit_code == 0, result.output
    assert "未配置省平台接收地址" in result.output
