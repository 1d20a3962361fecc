"""Staff lists a page at a time by keyset (issue: staff pages at a million): walking the pages
of the review queue (site and API), refunds, invoices and card batches from the first to the
last gives every row once, in the list's order, and the pages link on. Runs on SQLite and
PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from cpe_core.extensions import db
from cpe_core.models import OffsetApplication
from cpe_core.services import cards, invoices, offsets, refunds
from cpe_core.testing import login

from test_staff_lists_statements import add_rows


def walk(fetch) -> list:
    """Every row of a keyset-paged list: ``fetch(key)`` gives a Page after ``key``."""
    rows, key = [], None
    for _ in range(100):
        page = fetch(key)
        rows += page.items
        if page.next_key is None:
            return rows
        key = page.next_key
    raise AssertionError("the pages never ended")


@pytest.fixture
def rows(app, make_learner):
    add_rows(make_learner, 7, 0)


def test_refunds_and_invoices_page_newest_first_without_a_gap_or_a_repeat(rows):
    every_refund = [refund.id for refund, _order in refunds.pending("chaoyang", limit=1000).items]
    assert len(every_refund) == 7 and every_refund == sorted(every_refund, reverse=True)
    assert [r.id for r, _o in walk(lambda key: refunds.pending("chaoyang", before=key, limit=3))] == every_refund

    every_invoice = [invoice.id for invoice, _order in invoices.listing("chaoyang", limit=1000).items]
    assert len(every_invoice) == 7
    assert [i.id for i, _o in walk(lambda key: invoices.listing("chaoyang", before=key, limit=2))] == every_invoice


def test_card_batches_page_by_batch_with_their_counts(rows):
    every = cards.batches("chaoyang", limit=1000).items
    assert [batch for batch, *_ in every] == [f"B{n:04d}" for n in range(6, -1, -1)]
    assert walk(lambda key: cards.batches("chaoyang", before=key, limit=3)) == every
    assert every[0] == ("B0006", 2024, 1, 0) and every[1] == ("B0005", 2024, 1, 1)


def test_the_review_queue_pages_in_submission_order_even_when_submissions_share_an_instant(
    rows, make_staff, make_learner
):
    reviewer = make_staff("chaoyang", "reviewer", login="cy-reviewer")
    learner = make_learner("chaoyang")
    same = dt.datetime(2024, 6, 15, 2)  # three more submitted at the very instant of add_rows'
    db.session.add_all(OffsetApplication(user_id=learner.id, region="chaoyang", year=2024, offset_type="paper",
                                         role="sole_author", credits=30, status="submitted", submitted_at=same)
                       for _ in range(3))
    db.session.add(OffsetApplication(user_id=learner.id, region="chaoyang", year=2024, offset_type="paper",
                                     role="sole_author", credits=30, status="submitted",
                                     submitted_at=same + dt.timedelta(hours=1)))
    db.session.commit()
    filters = offsets.QueueFilter(status="submitted")
    every = offsets.queue(reviewer, "chaoyang", filters)
    assert len(every) == 11
    assert walk(lambda key: offsets.queue_page(reviewer, "chaoyang", filters, before=key, limit=2)) == every


def test_the_queue_links_its_next_page_on_the_site_and_in_the_api(testapp, rows, make_staff, monkeypatch):
    monkeypatch.setattr(offsets.queue_page, "__kwdefaults__", {"before": None, "limit": 4})  # pages of 4
    make_staff("chaoyang", "reviewer", login="cy-reviewer")
    login(testapp, "chaoyang", "cy-reviewer")

    first = testapp.get("/chaoyang/review/offsets")
    shown = [row["data-id"] for row in first.html.select("#queue tr[data-id]")]
    second = first.click(href="before=")
    shown += [row["data-id"] for row in second.html.select("#queue tr[data-id]")]
    assert len(shown) == len(set(shown)) == 7 and "第一页" in second.text

    api = testapp.get("/api/v1/regions/chaoyang/offsets").json
    assert len(api["applications"]) == 4 and api["next_before"] == api["applications"][-1]["id"]
    rest = testapp.get(f"/api/v1/regions/chaoyang/offsets?before={api['next_before']}").json
    assert [a["id"] for a in api["applications"] + rest["applications"]] == [int(i) for i in shown]
    assert rest["next_before"] is None
