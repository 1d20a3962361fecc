"""Retention periods per kind of record (《个人信息保护法》第十九条): the periodic job removes what is
older than its setting and keeps what is younger; the audit chain still verifies after its
oldest entries go; a closed account's kept name and ID number are anonymised after its period."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from cpe_core import clock as clocks
from cpe_core.extensions import db
from cpe_core.jobs import SCHEDULE, enqueue
from cpe_core.models import AuditEntry, Certificate, CaptchaChallenge, Job, SmsCode, SmsQuota, User
from cpe_core.services import audit, personal_data, retention
from cpe_core.services.export_jobs import export_dir


def utc(clock, **ago) -> dt.datetime:
    return clocks.to_utc_naive(clock.now() - dt.timedelta(**ago))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def cpe_test_config(cpe_test_config, tmp_path):
    # A folder of the test's own: other tests' exports must not stand in the listing below.
    return {**cpe_test_config, "CPE_EXPORT_DIR": str(tmp_path / "exports"), "CPE_RETAIN_SMS_DAYS": 30, "CPE_RETAIN_JOB_DAYS": 7, "CPE_RETAIN_AUDIT_DAYS": 365,
            "CPE_RETAIN_CLOSED_ACCOUNT_DAYS": 1825, "CPE_BEAT_RETENTION_SECONDS": 3600}


def test_the_beat_runs_the_retention_job_at_its_configured_interval(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert SCHEDULE["apply-retention"][0] == "cpe.periodic.retention"
    assert schedule["apply-retention"] == {"task": "cpe.periodic.retention", "schedule": 3600}


def test_sms_codes_and_daily_counts_older_than_the_period_go_and_recent_ones_stay(app, clock):
    for days in (40, 29):
        db.session.add(SmsCode(region="chaoyang", phone=f"1380000{days:04d}", code_hash="x", sent_at=utc(clock, days=days),
                               expires_at=utc(clock, days=days) + dt.timedelta(minutes=10)))
        db.session.add(SmsQuota(phone="13800000001", day=clocks.today_in_shanghai() - dt.timedelta(days=days), sent=3))
    db.session.commit()

    enqueue("cpe.periodic.retention")  # what beat queues (inline here: no broker)

    db.session.rollback()
    assert [c.phone for c in db.session.scalars(select(SmsCode))] == ["13800000029"]
    assert [q.day for q in db.session.scalars(select(SmsQuota))] == [clocks.today_in_shanghai() - dt.timedelta(days=29)]


def test_expired_captcha_challenges_go_after_a_day(app, clock):
    db.session.add(CaptchaChallenge(id="old", answer_hash="x", created_at=utc(clock, days=3), expires_at=utc(clock, days=2)))
    db.session.add(CaptchaChallenge(id="new", answer_hash="x", created_at=utc(clock, hours=1), expires_at=utc(clock, minutes=5)))
    db.session.commit()
    assert retention.apply()["captcha"] == 1
    assert [c.id for c in db.session.scalars(select(CaptchaChallenge))] == ["new"]


def test_finished_jobs_and_their_export_files_go_after_the_period_and_recent_or_unfinished_ones_stay(app, clock):
    folder = export_dir()
    jobs = {}
    for name, status, days in (("old-done", "done", 8), ("old-failed", "failed", 9), ("recent", "done", 6),
                               ("old-running", "running", 8)):
        (folder / f"{name}.csv").write_text("x")
        job = Job(kind="export", region="chaoyang", params={}, status=status, result=f"{name}.csv",
                  created_at=utc(clock, days=days), finished_at=utc(clock, days=days) if status != "running" else None,
                  updated_at=utc(clock, days=days))
        db.session.add(job)
        jobs[name] = job
    outside = folder.parent / "keep-me.txt"
    outside.write_text("not an export")
    jobs["old-done"].result = "../keep-me.txt"  # a result naming a file outside is never followed
    db.session.commit()

    assert retention.apply()["jobs"] == 2

    assert sorted(j.result for j in db.session.scalars(select(Job))) == ["old-running.csv", "recent.csv"]
    assert sorted(p.name for p in folder.iterdir()) == ["old-done.csv", "old-running.csv", "recent.csv"]
    assert outside.exists()


def test_old_audit_entries_are_pruned_and_the_chain_still_verifies(app, clock):
    for number in range(3):
        audit.record("test.old", f"thing:{number}")
    db.session.commit()
    clock.advance(days=400)
    audit.record("test.recent", "thing:new")
    db.session.commit()

    assert retention.apply()["audit"] == 3

    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["test.recent", "audit.pruned"]
    assert audit.verify().ok
    # Removing another old entry without the job (or editing the pruning note) is still caught.
    db.session.delete(db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test.recent")))
    db.session.commit()
    assert not audit.verify().ok


def test_the_newest_audit_entry_is_kept_so_the_chain_continues_from_it(app, clock):
    audit.record("test.only", "thing:1")
    db.session.commit()
    clock.advance(days=400)
    assert retention.apply()["audit"] == 0
    assert count(AuditEntry) == 1 and audit.verify().ok


def test_a_period_of_zero_keeps_records_for_ever(app, clock):
    app.config["CPE_RETAIN_SMS_DAYS"] = 0
    db.session.add(SmsCode(region="chaoyang", phone="13800000001", code_hash="x", sent_at=utc(clock, days=4000),
                           expires_at=utc(clock, days=4000)))
    db.session.commit()
    assert retention.apply()["sms"] == 0 and count(SmsCode) == 1


def test_a_bad_period_names_its_setting(app):
    app.config["CPE_RETAIN_JOB_DAYS"] = "a month"
    with pytest.raises(ValueError, match="CPE_RETAIN_JOB_DAYS"):
        retention.apply()


def test_a_closed_account_is_anonymised_after_its_period_while_its_credits_and_certificate_stay(
        app, clock, make_learner):
    from cpe_core.models import CreditRecord
    from cpe_core.services.ledger import record_credit

    closed = make_learner("chaoyang", name="张丽华", collection_region="chaoyang")
    recent = make_learner("chaoyang", name="李建国", collection_region="chaoyang")
    for learner in (closed, recent):
        record_credit(user_id=learner.id, region="chaoyang", year=2024, kind="professional", credits=10,
                      source="course", source_id=1, description="会计准则")
        db.session.add(Certificate(user_id=learner.id, region="chaoyang", year=2024, serial=f"S{learner.id}",
                                   code=f"C{learner.id}", sha256="0" * 64,
                                   fields={"rows": [["姓名", learner.name], ["身份证号", learner.login]],
                                           "statement": f"{learner.name}完成2024年度继续教育。"}))
    db.session.commit()
    closed_login = closed.login
    personal_data.close_account(closed, "Passw0rd!")
    clock.advance(days=1000)
    personal_data.close_account(recent, "Passw0rd!")
    clock.advance(days=826)  # the first closure is 1,826 days old, the second 826

    assert retention.apply()["closed_accounts"] == 1

    db.session.expire_all()
    gone, kept = db.session.get(User, closed.id), db.session.get(User, recent.id)
    assert (gone.name, gone.login, gone.profile.id_number) == ("已注销学员", f"closed-{closed.id}", None)
    assert (kept.name, kept.profile.id_number) == ("李建国", recent.login)
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == closed.id))
    assert certificate.fields == {"rows": [["姓名", "张**"], ["身份证号", closed_login[:6] + "********" + closed_login[-4:]]],
                                  "statement": "张**完成2024年度继续教育。"}
    assert certificate.serial == f"S{closed.id}"  # still found by its serial and code
    assert db.session.scalar(select(CreditRecord.credits).where(CreditRecord.user_id == closed.id)) == 10
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.anonymised")).target == f"user:{closed.id}"
    assert retention.apply()["closed_accounts"] == 0  # done once
