"""Every staff list page runs the same number of SQL statements with 3 rows as with 30: no
statement per row (issue: staff pages at a province's scale)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from cpe_core.extensions import db
from cpe_core.models import Course, Invoice, Job, OffsetApplication, Order, Refund, StudyCard
from cpe_core.testing import login

PAGES = ("/chaoyang/admin/learners", "/chaoyang/admin/courses/", "/chaoyang/admin/cards",
         "/chaoyang/admin/refunds", "/chaoyang/admin/invoices", "/chaoyang/admin/exports",
         "/chaoyang/review/offsets", "/chaoyang/admin/")


def add_rows(make_learner, count: int, start: int) -> None:
    """``count`` of each kind of row the staff lists show, each with its own learner."""
    now = dt.datetime(2024, 6, 15, 2)
    for n in range(start, start + count):
        learner = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区",
                               collection_status="submitted")
        order = Order(number=f"2024061510{n:010d}", user_id=learner.id, region="chaoyang", year=2024,
                      mode="annual", total_fen=9000, status="paid", paid_at=now)
        db.session.add(order)
        db.session.flush()
        db.session.add_all([
            Refund(order_id=order.id, amount_fen=9000, reason="重复缴费"),
            Invoice(order_id=order.id, title=f"学员{n}", email=f"l{n}@example.org"),
            StudyCard(region="chaoyang", year=2024, batch=f"B{n:04d}", number=f"C{n:08d}", secret_hash="x"),
            Job(kind="export", region="chaoyang", params={"year": 2024, "format": "csv"}, status="done"),
            OffsetApplication(user_id=learner.id, region="chaoyang", year=2024, offset_type="paper",
                              role="sole_author", credits=30, status="submitted", submitted_at=now),
            Course(region="chaoyang", year=2024, kind="professional", credits=10, code=f"S{n:04d}",
                   title=f"课程{n}"),
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
