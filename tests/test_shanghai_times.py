"""Every time a page or an export file shows is Asia/Shanghai wall time, through one helper
(``clock.shanghai_text``, the Jinja filter ``shanghai``). Stored instants are naive UTC."""
from __future__ import annotations

import csv
import datetime as dt
import io

from cpe_core import clock
from cpe_core.extensions import db
from cpe_core.models import CreditPush, Job, OffsetApplication
from cpe_core.testing import DEFAULT_NOW, login

# The tests' clock stands at 10:00 in Shanghai, 02:00 UTC.
SHANGHAI_NOW = "2024-06-15 10:00"


def test_the_helper_reads_stored_naive_utc_and_aware_instants_alike():
    stored = dt.datetime(2024, 6, 15, 2, 0)
    assert clock.shanghai_text(stored) == SHANGHAI_NOW
    assert clock.shanghai_text(DEFAULT_NOW) == SHANGHAI_NOW
    assert clock.shanghai_text(dt.datetime(2024, 6, 14, 16, 30, 5), clock.SECONDS) == "2024-06-15 00:30:05"
    assert clock.shanghai_text(None) == ""


def submitted_application(make_learner):
    learner = make_learner("chaoyang", name="王会计")
    db.session.add(OffsetApplication(
        user_id=learner.id, region="chaoyang", year=2024, offset_type="contest", role="participant",
        status="submitted", credits=90, fields={}, submitted_at=clock.to_utc_naive(DEFAULT_NOW)))
    db.session.commit()
    return learner


def test_the_review_queue_and_its_csv_show_shanghai_time(testapp, make_learner, make_staff):
    submitted_application(make_learner)
    make_staff("chaoyang", "reviewer", login="cy-reviewer")
    login(testapp, "chaoyang", "cy-reviewer")
    row = testapp.get("/chaoyang/review/offsets").html.select_one("#queue tr[data-id]")
    assert SHANGHAI_NOW in [td.text for td in row.select("td")]
    rows = list(csv.reader(io.StringIO(testapp.get("/chaoyang/review/offsets/export.csv").body.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("提交时间")] == SHANGHAI_NOW


def test_the_learner_history_and_failed_pushes_show_shanghai_time(app, testapp, make_learner, make_staff):
    learner = make_learner("guangdong", collection_status="submitted")
    make_staff("guangdong", "admin")
    login(testapp, "guangdong", "guangdong-admin")
    form = testapp.get(f"/guangdong/admin/learners/{learner.id}").forms["review"]
    form["decision"] = "approve"
    page = form.submit().follow()
    entry = page.html.select("section.card ul li")[0].text
    assert entry.startswith(SHANGHAI_NOW) and entry.endswith("审核信息采集：审核通过"), entry

    db.session.add(CreditPush(user_id=learner.id, region="guangdong", year=2024, idempotency_key="k1",
                              status="failed", attempts=2,
                              next_try_at=dt.datetime(2024, 6, 15, 3, 0), last_response="HTTP 503"))
    db.session.commit()
    failures = testapp.get("/guangdong/admin/progress").html.select_one("table.push-failures tbody tr")
    assert "2024-06-15 11:00" in failures.text and "03:00" not in failures.text


def test_the_job_list_shows_shanghai_time(testapp, make_staff):
    make_staff("chaoyang", "admin")
    login(testapp, "chaoyang", "chaoyang-admin")
    form = testapp.get("/chaoyang/admin/exports").forms["export"]
    form.submit()
    job = db.session.scalars(db.select(Job)).one()
    row = testapp.get("/chaoyang/admin/exports").html.select_one("table.export-jobs tbody tr")
    assert row.td.text == clock.shanghai_text(job.created_at)
    assert "CSV" in row.text, "the format by its label"
