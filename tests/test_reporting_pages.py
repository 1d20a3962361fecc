"""The admin's export jobs and progress chart, and the learner's reporting status, through the
real pages."""
from __future__ import annotations

import csv
import io

import pytest
from webtest import TestApp
from sqlalchemy import select

from cpe_core.models import AuditEntry
from cpe_core.services import pushes
from cpe_core.testing import login
from cpe_core.testing_receiver import running_receiver

from credit_helpers import admin, earn, export_dir  # noqa: F401  (fixtures)


def start_export(testapp, year="2024", fmt="csv", region="chaoyang"):
    form = testapp.get(f"/{region}/admin/exports").forms["export"]
    form["year"] = year
    if fmt in [value for value, *_ in form["format"].options]:
        form["format"] = fmt
    else:  # a format the page does not offer, posted anyway
        form["format"].force_value(fmt)
    return form.submit(expect_errors=True)


def test_an_admin_exports_in_the_background_and_downloads_the_file(app, testapp, admin, make_learner):
    learner = make_learner("chaoyang", name="张丽华")
    earn(learner, 2024, professional=60, public=30)

    assert app.extensions["celery"].conf.task_always_eager  # no broker: inline
    job_page = start_export(testapp).follow()

    assert job_page.html.select_one(".job-status").text == "已完成"
    assert "共导出1条记录。" in job_page.text
    download = job_page.click("下载文件")
    rows = list(csv.reader(io.StringIO(download.body.decode("utf-8-sig"))))
    assert rows[1] == [learner.profile.id_number, "张丽华", "2024", "60", "30", "90", "是"]
    actions = [e.action for e in _audit()]
    assert actions == ["credit_export.start", "credit_export.download"]
    listing = testapp.get("/chaoyang/admin/exports")
    assert "下载" in listing.html.select_one(".export-jobs tbody").text


def _audit() -> list[AuditEntry]:
    from cpe_core.extensions import db

    return [e for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)) if e.action.startswith("credit_export")]


def test_the_job_reports_its_progress_as_json(testapp, admin, make_learner):
    earn(make_learner("chaoyang"), 2024, professional=10)
    job_url = start_export(testapp, fmt="xlsx").location

    answer = testapp.get(job_url, headers={"Accept": "application/json"}).json

    assert (answer["status"], answer["done"], answer["total"], answer["percent"]) == ("done", 1, 1, 100)
    assert answer["download"].endswith("/download")


@pytest.mark.parametrize(
    ("year", "fmt", "message"),
    [
        ("", "csv", "请填写年度。"),
        ("1990", "csv", "年度应在2000至2100之间。"),
        ("2024", "push", "本地区不支持该导出格式，可选：CSV、Excel (XLSX)。"),
        ("2019", "csv", "朝阳"),
    ],
)
def test_an_export_request_the_region_cannot_serve_is_refused_in_chinese(testapp, admin, year, fmt, message):
    page = start_export(testapp, year=year, fmt=fmt)

    assert page.status_int == 400
    assert message in page.html.select_one(".alert-error").text
    assert _audit() == []


def test_only_the_regions_admins_reach_the_export_and_progress_pages(app, testapp, make_staff, make_learner):
    make_staff("guangdong")
    learner = make_learner("chaoyang")
    login(testapp, "guangdong", "guangdong-admin")
    assert testapp.get("/chaoyang/admin/exports", expect_errors=True).status_int == 403
    other = TestApp(app)
    login(other, "chaoyang", learner.login)
    assert other.get("/chaoyang/admin/progress", expect_errors=True).status_int == 403


def test_the_progress_page_counts_learners_and_draws_the_chart(testapp, admin, make_learner):
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    earn(make_learner("chaoyang"), 2024, professional=20)
    make_learner("chaoyang")
    make_learner("chaoyang")

    page = testapp.get("/chaoyang/admin/progress?year=2024")

    counts = {row["class"][0]: row.select_one(".count").text for row in page.html.select(".progress-counts tbody tr")}
    assert counts == {"complete": "1", "in_progress": "1", "not_started": "2"}
    assert page.html.select_one("svg.chart rect.bar-not_started")["width"] == "190.0"  # 50% of 380


def test_staff_see_failed_pushes_with_the_receivers_answer(testapp, app, make_staff, make_learner, make_course):
    course = make_course("guangdong", 2024, kind="public")
    earn(make_learner("guangdong"), 2024, public=30, score=80, minutes=1500, course=course)
    with running_receiver() as receiver:
        app.config.update(CPE_GUANGDONG_PUSH_URL=receiver.url, CPE_PUSH_BACKOFF=0, CPE_PUSH_RETRIES=0)
        receiver.fail_next(1, status=422, body='{"error": "姓名与身份证号不一致"}')
        pushes.push("guangdong", 2024)
    make_staff("guangdong")
    login(testapp, "guangdong", "guangdong-admin")

    page = testapp.get("/guangdong/admin/progress")

    assert page.html.select_one(".push-failures code").text == 'HTTP 422 {"error": "姓名与身份证号不一致"}'


def test_a_learner_without_a_push_region_sees_that_the_school_reports(testapp, make_learner):
    learner = make_learner("chaoyang")
    earn(learner, 2024, professional=60, public=30)
    login(testapp, "chaoyang", learner.login)

    page = testapp.get("/chaoyang/credits/reporting")

    row = page.html.select_one(".year-2024")
    assert "90 / 90" in row.text and "已完成" in row.text and "由本平台导出报送" in row.text


def test_an_admin_pushes_from_the_export_page_as_a_job(app, testapp, make_staff, make_learner, make_course):
    course = make_course("guangdong", 2024, kind="public")
    earn(make_learner("guangdong"), 2024, professional=60, public=30, score=80, minutes=1500, course=course)
    make_staff("guangdong")
    login(testapp, "guangdong", "guangdong-admin")
    with running_receiver() as receiver:
        app.config.update(CPE_GUANGDONG_PUSH_URL=receiver.url, CPE_PUSH_BACKOFF=0)

        job_page = start_export(testapp, fmt="push", region="guangdong").follow()

    assert job_page.html.select_one(".job-status").text == "已完成"
    assert "新登记1条，回传成功1条，失败0条" in job_page.text
    assert len(receiver.records) == 1


def test_a_push_job_without_a_configured_receiver_fails_visibly(testapp, make_staff):
    make_staff("guangdong")
    login(testapp, "guangdong", "guangdong-admin")

    job_page = start_export(testapp, fmt="push", region="guangdong").follow()

    assert job_page.html.select_one(".job-status").text == "失败"
    assert "未配置省平台接收地址（CPE_GUANGDONG_PUSH_URL），无法推送。" in job_page.text
