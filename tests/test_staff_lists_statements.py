"""Every staff list page runs the same number of SQL statements with 3 rows as with 30: no
statement per row (issue: staff pages at a province's scale).

The pages are found in the URL map: every GET page of a region that takes no other argument
(or only a year) and that the region's admin may open but a learner may not, for Chaoyang,
Guangdong and CICPA (each offers different pages: push failures, hour applications). A test
checks that the lists the issue names are among Chaoyang's, so the discovery cannot quietly find
nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from webtest import TestApp

from cpe_core.extensions import db
from cpe_core.models import Course, Institution, Invoice, Job, OffsetApplication, Order, Rating, Refund, StudyCard
from cpe_core.services.years import current_year
from cpe_core.testing import FreshRequestGlobals, login

PAGES = ("/chaoyang/admin/learners", "/chaoyang/admin/courses/", "/chaoyang/admin/cards",
         "/chaoyang/admin/refunds", "/chaoyang/admin/invoices", "/chaoyang/admin/exports",
         "/chaoyang/review/offsets", "/chaoyang/admin/")


def add_rows(make_learner, count: int, start: int, region: str = "chaoyang") -> None:
    """``count`` of each kind of row the staff lists show, each with its own learner of ``region``."""
    now = dt.datetime(2024, 6, 15, 2)
    for n in range(start, start + count):
        learner = make_learner(region, collection_region=region, collection_area="朝阳市双塔区",
                               collection_status="submitted")
        order = Order(number=f"2024061510{n:010d}", user_id=learner.id, region=region, year=2024,
                      mode="annual", total_fen=9000, status="paid", paid_at=now)
        school = Institution(region=region, name=f"机构{n}")
        db.session.add_all([order, school])
        db.session.flush()
        db.session.add_all([
            Refund(order_id=order.id, amount_fen=9000, reason="重复缴费"),
            Invoice(order_id=order.id, title=f"学员{n}", email=f"l{n}@example.org"),
            StudyCard(region=region, year=2024, batch=f"B{n:04d}", number=f"C{n:08d}", secret_hash="x",
                      status="used" if n % 2 else "active"),
            Job(kind="export", region=region, params={"year": 2024, "format": "csv"}, status="done"),
            OffsetApplication(user_id=learner.id, region=region, year=2024, offset_type="paper",
                              role="sole_author", credits=30, status="submitted", submitted_at=now),
            Course(region=region, year=2024, kind="professional", credits=10, code=f"S{n:04d}",
                   title=f"课程{n}"),
            Rating(region=region, user_id=learner.id, target="institution", target_id=school.id, year=2024,
                   stars=4, comment=f"评价{n}", rated_at=now, updated_at=now),
        ])
    db.session.commit()


def statements(testapp, url: str) -> int:
    counted = []

    def listener(*_args):
        counted.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        testapp.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(counted)


@pytest.mark.parametrize("url", PAGES)
def test_a_staff_list_runs_as_many_statements_for_30_rows_as_for_3(app, testapp, make_learner, make_staff, url):
    make_staff("chaoyang", "admin")
    login(testapp, "chaoyang", "chaoyang-admin")
    add_rows(make_learner, 3, 0)
    testapp.get(url)  # warm: the first request of a session reads what later ones keep
    few = statements(testapp, url)
    add_rows(make_learner, 27, 3)
    many = statements(testapp, url)
    assert few == many, f"{url}: {few} statements with 3 rows, {many} with 30"


#: The staff lists the issue names; discovery must find each of them.
NAMED_LISTS = {"/chaoyang/admin/", "/chaoyang/admin/progress", "/chaoyang/admin/learners", "/chaoyang/admin/cards",
               "/chaoyang/admin/invoices", "/chaoyang/admin/refunds", "/chaoyang/admin/exports",
               "/chaoyang/review/offsets"}


def staff_pages(app, admin_app, learner_app, region: str = "chaoyang") -> list[str]:
    """``region``'s GET pages, from the URL map, that take no argument but the region (and
    perhaps a year) and that its admin opens (200) while a learner may not."""
    year = current_year(region)
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/<region>/") or not rule.arguments <= {"region", "year"}:
            continue
        url = rule.build({"region": region, "year": year}, append_unknown=False)[1]
        if admin_app.get(url, expect_errors=True).status_int == 200 and \
                learner_app.get(url, expect_errors=True).status_int != 200:
            found.append(url)
    return sorted(found)


def signed_in(app, testapp, make_learner, make_staff, region: str = "chaoyang"):
    """(admin's app, learner's app) of ``region``, each signed in."""
    make_staff(region, "admin")
    login(testapp, region, f"{region}-admin")
    learner_app = TestApp(FreshRequestGlobals(app))
    learner = make_learner(region, collection_region=region, collection_area="朝阳市双塔区",
                           collection_status="approved")
    login(learner_app, region, learner.login, "Passw0rd!")
    return testapp, learner_app


def test_the_staff_pages_found_in_the_url_map_include_every_list_the_issue_names(app, testapp, make_learner,
                                                                                  make_staff):
    found = staff_pages(app, *signed_in(app, testapp, make_learner, make_staff))
    assert NAMED_LISTS <= set(found), sorted(NAMED_LISTS - set(found))


@pytest.fixture
def cpe_plugins() -> str:
    return "chaoyang,guangdong,cicpa,liaoning"


@pytest.mark.parametrize("region", ["chaoyang", "guangdong", "cicpa", "liaoning"])
def test_every_staff_page_of_the_url_map_runs_as_many_statements_for_30_rows_as_for_3(
    app, testapp, make_learner, make_staff, region
):
    admin_app, learner_app = signed_in(app, testapp, make_learner, make_staff, region)
    add_rows(make_learner, 3, 0, region)
    pages = staff_pages(app, admin_app, learner_app, region)  # also the warm-up request of each page
    few = {url: statements(admin_app, url) for url in pages}
    add_rows(make_learner, 27, 3, region)
    many = {url: statements(admin_app, url) for url in pages}
    assert pages
    assert {url: (few[url], many[url]) for url in pages if few[url] != many[url]} == {}


def test_the_dashboard_counts_a_queue_no_further_than_its_cap(app, testapp, make_learner, make_staff, monkeypatch):
    monkeypatch.setattr("cpe_core.services.dashboard.COUNT_CAP", 2)
    make_staff("chaoyang", "admin")
    login(testapp, "chaoyang", "chaoyang-admin")
    add_rows(make_learner, 2, 0)
    assert testapp.get("/chaoyang/admin/").html.select_one(".queue-offsets .queue-count").text == "2"
    add_rows(make_learner, 1, 2)
    assert testapp.get("/chaoyang/admin/").html.select_one(".queue-offsets .queue-count").text == "2+"
