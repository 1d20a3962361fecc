"""The region's progress dashboard at a province's scale (issue: staff pages at a million): the
database counts complete / in progress / not started in one aggregate that agrees with the
region's rule applied in Python, a background job keeps the counts, and the page reads them with
their age, an admin may ask for a fresh count, and the beat recounts on its schedule. Runs on
SQLite and PostgreSQL."""
from __future__ import annotations

from cpe_core.extensions import db
from cpe_core.jobs import enqueue
from cpe_core.models import ProgressSnapshot
from cpe_core.services import exports, progress

from credit_helpers import admin, earn  # noqa: F401  (fixtures)


def counts(page) -> dict[str, str]:
    return {row["class"][0]: row.select_one(".count").text for row in page.html.select(".progress-counts tbody tr")}


def test_the_database_counts_as_the_regions_rule_does_in_python(app, make_learner, make_course):
    course = make_course("chaoyang", 2024)
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)  # complete
    earn(make_learner("chaoyang"), 2024, professional=90)  # 90 credits: complete as the rule says, or not
    earn(make_learner("chaoyang"), 2024, professional=20)  # started: credits
    earn(make_learner("chaoyang"), 2024, score=40)  # started: an exam taken
    earn(make_learner("chaoyang"), 2024, minutes=3, course=course)  # started: minutes watched
    make_learner("chaoyang")
    earn(make_learner("guangdong"), 2024, professional=60, public=30)  # another region

    assert exports.count_region_progress("chaoyang", 2024) == exports.region_progress("chaoyang", 2024)
    assert exports.count_region_progress("chaoyang", 2024).total == 6


def test_the_page_shows_the_counts_the_job_took_and_when(testapp, admin, make_learner, clock):
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    make_learner("chaoyang")

    first = testapp.get("/chaoyang/admin/progress?year=2024")  # never counted: counted now (no broker)
    assert counts(first) == {"complete": "1", "in_progress": "0", "not_started": "1"}
    assert "（0分钟前），每10分钟自动更新。" in first.html.select_one(".progress-age").text

    earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    clock.advance(minutes=7)
    later = testapp.get("/chaoyang/admin/progress?year=2024")
    assert counts(later) == {"complete": "1", "in_progress": "0", "not_started": "1"}  # not counted again
    assert "（7分钟前）" in later.html.select_one(".progress-age").text


def test_an_admin_asks_for_a_fresh_count(testapp, admin, make_learner):
    testapp.get("/chaoyang/admin/progress?year=2024")
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)

    page = testapp.get("/chaoyang/admin/progress?year=2024").forms["refresh"].submit().follow()

    assert counts(page) == {"complete": "1", "in_progress": "0", "not_started": "0"}


def test_the_beat_recounts_every_regions_current_year_and_each_year_looked_at(app, make_learner):
    progress.refresh("chaoyang", 2023)
    earn(make_learner("chaoyang"), 2023, professional=60, public=30)

    enqueue("cpe.periodic.refresh_progress")  # inline: no broker
    db.session.rollback()

    rows = {(row.region, row.year): row for row in db.session.scalars(db.select(ProgressSnapshot))}
    assert {("chaoyang", 2023), ("guangdong", 2024), ("cicpa", 2024)} <= set(rows)
    assert rows[("chaoyang", 2023)].complete == 1


def test_a_year_the_region_does_not_offer_is_refused_and_not_counted(testapp, admin):
    page = testapp.get("/chaoyang/admin/progress?year=2001")

    assert page.html.select_one(".alert-error") is not None
    assert db.session.scalar(db.select(ProgressSnapshot).where(ProgressSnapshot.year == 2001)) is None
