"""Background jobs keep their state in the database: every app process (gunicorn workers,
Celery workers on other hosts) sees the same status, progress, result and error; a job is run
by one runner only; certificate batches run as jobs with progress."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy
from sqlalchemy import select
from webtest import TestApp

from cpe_core import create_app
from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Certificate, Job
from cpe_core.services import background, certificate_jobs, export_jobs, exports
from cpe_core.testing import login

from credit_helpers import admin, earn, export_dir  # noqa: F401  (fixtures)


def start_export(testapp, year="2024", fmt="csv"):
    form = testapp.get("/chaoyang/admin/exports").forms["export"]
    form["year"], form["format"] = year, fmt
    return form.submit()


def fresh_job(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    db.session.rollback()  # hold no read lock (SQLite) while others write
    return job


def test_an_export_jobs_state_is_a_database_row(app, testapp, admin, make_learner):
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    earn(make_learner("chaoyang"), 2024, professional=10)

    job_id = int(start_export(testapp).location.rstrip("/").rsplit("/", 1)[-1])

    job = fresh_job(job_id)
    assert (job.kind, job.region, job.params) == ("export", "chaoyang", {"year": 2024, "format": "csv"})
    assert (job.status, job.done, job.total, job.attempts) == ("done", 2, 2, 1)
    assert job.created_by == admin.id and job.error is None
    assert job.result == f"chaoyang-2024-{job_id}.csv"
    assert job.started_at is not None and job.finished_at is not None
    assert export_jobs.file_path(job).exists()


def test_another_app_process_on_the_same_database_sees_the_job_and_serves_the_file(
    app, testapp, admin, make_learner, cpe_test_config
):
    """Two gunicorn workers are two apps: the second was not the one that ran the job."""
    earn(make_learner("chaoyang", name="李明"), 2024, professional=60, public=30)
    job_url = start_export(testapp).location
    admin_login = admin.login  # read before this test's session is dropped
    db.session.remove()

    other = create_app({**cpe_test_config, "CPE_EXPORT_DIR": app.config["CPE_EXPORT_DIR"]})
    browser = TestApp(other)
    with other.app_context():
        login(browser, "chaoyang", admin_login)
        page = browser.get(job_url)
        assert page.html.select_one(".job-status").text == "已完成"
        listing = browser.get("/chaoyang/admin/exports")
        assert "2 / 2" not in listing.text and "1 / 1" in listing.html.select_one(".export-jobs tbody").text
        download = page.click("下载文件")
        assert "李明" in download.body.decode("utf-8-sig")
        db.session.remove()


def test_a_job_is_run_by_one_runner_only(app, admin, make_learner):
    earn(make_learner("chaoyang"), 2024, professional=10)
    job = background.create("export", region="chaoyang", params={"year": 2024, "format": "csv"}, actor=admin)
    db.session.commit()
    job_id = job.id

    export_jobs.run_job(job_id)
    first = fresh_job(job_id)
    export_jobs.run_job(job_id)  # a second delivery of the same task (another worker)

    again = fresh_job(job_id)
    assert (again.status, again.attempts, again.finished_at) == ("done", 1, first.finished_at)


def test_a_running_job_whose_worker_died_is_taken_over_after_it_went_stale(app, admin, make_learner, clock):
    earn(make_learner("chaoyang"), 2024, professional=10)
    job = background.create("export", region="chaoyang", params={"year": 2024, "format": "csv"}, actor=admin)
    job.status, job.attempts = "running", 1  # claimed by a worker that then died
    db.session.commit()
    job_id = job.id

    export_jobs.run_job(job_id)
    assert fresh_job(job_id).status == "running"  # still fresh: someone may be working on it
    clock.advance(minutes=31)
    assert background.retry_due() == 1

    job = fresh_job(job_id)
    assert (job.status, job.attempts, job.done) == ("done", 2, 1)


def test_progress_is_written_about_every_percent_not_every_row(app, admin):
    job = background.create("export", region="chaoyang", params={}, actor=admin, total=1000)
    db.session.commit()
    context = background.JobContext(job)

    context.progress(9)
    assert fresh_job(job.id).done == 0
    context.progress(10)
    assert fresh_job(job.id).done == 10
    context.progress(1000)
    assert fresh_job(job.id).done == 1000


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exports_progress_is_visible_to_another_connection_while_the_rows_stream(
    app, admin, make_learner, cpe_test_config, monkeypatch, tmp_path, fmt
):
    monkeypatch.setattr(exports, "BATCH", 2)  # rows are read (and progress reported) two at a time
    for _ in range(5):
        earn(make_learner("chaoyang"), 2024, professional=10)
    elsewhere = sqlalchemy.create_engine(cpe_test_config["CPE_DATABASE_URL"])  # as another process reads
    seen = []
    report = background.JobContext.progress

    def report_and_look(context, done):
        report(context, done)
        with elsewhere.connect() as connection:
            row = connection.execute(select(Job.status, Job.done, Job.total).where(Job.id == context.job_id)).one()
        finished = (tmp_path / "exports" / f"chaoyang-2024-{context.job_id}.{fmt}").exists()
        seen.append((*row, finished))

    monkeypatch.setattr(background.JobContext, "progress", report_and_look)
    try:
        job = export_jobs.start("chaoyang", 2024, fmt, admin)
    finally:
        elsewhere.dispose()

    assert (job.status, job.done, job.total) == ("done", 5, 5), job.error
    # Written while the export still read: part of the rows counted, the file not there yet.
    midway = [(status, done) for status, done, total, finished in seen if 0 < done < total and not finished]
    assert midway and {status for status, _done in midway} == {"running"}, seen


def test_the_exports_page_lists_every_kind_of_job_with_progress_and_errors(testapp, admin, make_staff):
    done = background.create("export", region="chaoyang", params={"year": 2024, "format": "csv"}, actor=admin, total=4)
    done.status, done.done, done.result = "done", 4, "chaoyang-2024-x.csv"
    failed = background.create("invoice_mail", region="chaoyang", params={"invoice_id": 1}, actor=admin, total=1)
    failed.status, failed.error = "failed", "Connection refused"
    background.create("export", region="guangdong", params={"year": 2024, "format": "push"}, actor=None)
    db.session.commit()

    page = testapp.get("/chaoyang/admin/exports")

    rows = page.html.select(".export-jobs tbody tr")
    assert [row["class"] for row in rows] == [["job-invoice_mail", "status-failed"], ["job-export", "status-done"]]
    assert rows[0].select_one(".job-error code").text == "Connection refused"
    assert "发票邮件" in rows[0].text and "4 / 4" in rows[1].text
    assert rows[1].select_one("progress")["value"] == "100"
    assert rows[1].find("a", string="下载") is not None


# --- certificate batches ---------------------------------------------------------------------


def test_staff_issue_certificates_to_everyone_who_passed_as_a_job(app, testapp, admin, make_learner):
    first = make_learner("chaoyang", name="王一")
    earn(first, 2024, professional=60, public=30, score=80)
    second = make_learner("chaoyang", name="王二")
    earn(second, 2024, professional=60, public=30, score=60)
    earn(make_learner("chaoyang", name="王三"), 2024, professional=60, public=30, score=40)  # failed
    earn(make_learner("chaoyang", name="王四"), 2024, professional=20)  # no exam yet
    from cpe_core.services import certificates

    with app.test_request_context():
        kept = certificates.issue(second, "chaoyang", 2024)

    form = testapp.get("/chaoyang/admin/exports").forms["certificates"]
    form["batch-year"] = "2024"
    page = form.submit().follow()

    assert page.html.select_one(".job-status").text == "已完成"
    assert "（4 / 4）" in page.text
    assert "新颁发1份证书，已有证书1人，未达到条件2人。" in page.text
    holders = db.session.execute(select(Certificate.user_id, Certificate.serial).order_by(Certificate.user_id)).all()
    assert [h.user_id for h in holders] == [first.id, second.id]
    assert kept.serial in [h.serial for h in holders]
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("certificate.batch%"))).all()
    assert actions == ["certificate.batch", "certificate.batch_done"]


@pytest.mark.parametrize(
    ("region", "year", "message"),
    [
        ("chaoyang", "", "请填写年度。"),
        ("cicpa", "2024", "本地区的学时证明由学员勾选记录后自行生成，不能批量颁发。"),
    ],
)
def test_a_certificate_batch_the_region_cannot_run_is_refused_in_chinese(testapp, make_staff, region, year, message):
    staff = make_staff(region)
    login(testapp, region, staff.login)
    form = testapp.get(f"/{region}/admin/exports").forms["certificates"]
    form["batch-year"] = year

    page = form.submit(expect_errors=True)

    assert page.status_int == 400
    assert message in page.html.select_one(".alert-error").text
    assert db.session.scalars(select(Job)).all() == []


def test_only_the_regions_admins_start_a_certificate_batch(app, testapp, make_staff, make_learner):
    staff = make_staff("guangdong")
    login(testapp, "guangdong", staff.login)
    token = testapp.get("/guangdong/admin/exports").forms["certificates"]["batch-csrf_token"].value

    refused = testapp.post("/chaoyang/admin/certificates/batch", {"batch-csrf_token": token, "batch-year": "2024"},
                           expect_errors=True)
    learner = TestApp(app)
    login(learner, "chaoyang", make_learner("chaoyang").login)
    learner_token = learner.get("/chaoyang/login").forms["login"]["csrf_token"].value
    also_refused = learner.post("/chaoyang/admin/certificates/batch",
                                {"csrf_token": learner_token, "batch-csrf_token": learner_token, "batch-year": "2024"},
                                expect_errors=True)

    assert (refused.status_int, also_refused.status_int) == (403, 403)
    assert db.session.scalars(select(Job)).all() == []


def test_a_job_of_another_region_is_not_found(testapp, admin):
    other = background.create("export", region="guangdong", params={"year": 2024, "format": "push"}, actor=None)
    db.session.commit()

    assert testapp.get(f"/chaoyang/admin/exports/{other.id}", expect_errors=True).status_int == 404
