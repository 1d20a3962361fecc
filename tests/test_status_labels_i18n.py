"""Status labels made in services (collection, offsets, orders, payments, refunds, invoices,
cards, enrolments, background jobs, the core's own push statuses) show in English on the site under ``?lang=en``; the JSON API keeps its Chinese labels."""
from __future__ import annotations

import datetime as dt
import json

import flask_babel
import pytest
from flask import render_template_string

from cpe_core import clock
from cpe_core.extensions import db
from cpe_core.labels import Label
from cpe_core.models import Invoice, OffsetApplication, Order, Refund
from cpe_core.services import background, cards, collection, enrolments, invoices, offsets, orders, pushes, refunds
from cpe_core.testing import login


def test_a_label_is_chinese_as_a_string_and_in_json_and_english_on_an_english_page(app):
    label = offsets.STATUS_LABELS["submitted"]
    assert isinstance(label, Label) and label == "待审核" and f"{label}" == "待审核"
    assert json.dumps({"s": label}, ensure_ascii=False) == '{"s": "待审核"}'
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()  # the locale is cached on the app context the fixture holds
        assert render_template_string("{{ s }}", s=label) == "Awaiting review"
    with app.test_request_context("/"):
        flask_babel.refresh()
        assert render_template_string("{{ s }}", s=label) == "待审核"


@pytest.mark.parametrize("labels", [
    collection.STATUS_LABELS, offsets.STATUS_LABELS, orders.STATUS_LABELS, orders.PAYMENT_LABELS,
    refunds.STATUS_LABELS, refunds.KIND_LABELS, invoices.STATUS_LABELS, cards.STATUS_LABELS,
    enrolments.STATUS_LABELS, background.STATUS_LABELS, background.KIND_LABELS, pushes.OWN_STATUS_LABELS,
], ids=["collection", "offsets", "orders", "payments", "refunds", "refund_kinds", "invoices", "cards",
        "enrolments", "jobs", "job_kinds", "pushes"])
def test_every_service_label_has_english(app, labels):
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()
        for label in labels.values():
            english = render_template_string("{{ s }}", s=label)
            assert english != label and english.isascii(), label


def test_collection_status_is_english_on_the_page_and_chinese_in_the_api(testapp, make_learner):
    user = make_learner("guangdong", work_start_year=2015)
    login(testapp, "guangdong", user.login)
    page = testapp.get("/guangdong/me?lang=en")
    assert '<strong class="collection-status">Not submitted</strong>' in page.text
    assert testapp.get("/api/v1/me/collection").json["status_label"] == "未提交"
    page = testapp.get("/guangdong/me?lang=zh")
    assert '<strong class="collection-status">未提交</strong>' in page.text


def test_offset_status_is_english_on_the_page_and_chinese_in_the_api(testapp, make_learner):
    user = make_learner("chaoyang", collection_region="chaoyang", collection_status="approved", qualified_year=2015)
    db.session.add(OffsetApplication(user_id=user.id, region="chaoyang", year=2024, offset_type="paper", role="alone",
                                     fields={}, credits=30, status="submitted"))
    db.session.commit()
    login(testapp, "chaoyang", user.login)
    page = testapp.get("/chaoyang/offsets?year=2024&lang=en")
    assert '<span class="status status-submitted">Awaiting review</span>' in page.text
    listed = testapp.get("/api/v1/me/offsets?year=2024").json
    assert [a["status_label"] for a in listed["applications"]] == ["待审核"]


def test_order_invoice_and_refund_statuses_are_english_on_the_order_pages(testapp, make_learner):
    user = make_learner("chaoyang", collection_region="chaoyang", collection_status="approved", qualified_year=2015)
    now = clock.to_utc_naive(clock.now())
    pending = Order(number="L0000000000001", user_id=user.id, region="chaoyang", year=2024, mode="annual",
                    total_fen=9000, status="pending", expires_at=now + dt.timedelta(hours=1))
    paid = Order(number="L0000000000002", user_id=user.id, region="chaoyang", year=2024, mode="annual",
                 total_fen=9000, status="paid", paid_at=now)
    db.session.add_all([pending, paid])
    db.session.flush()
    db.session.add_all([Invoice(order_id=paid.id, title="学员", email="a@example.com", status="requested"),
                        Refund(order_id=paid.id, amount_fen=9000, reason="x", status="requested")])
    db.session.commit()
    login(testapp, "chaoyang", user.login)
    listing = testapp.get("/chaoyang/orders/?lang=en")
    assert '<td class="status">Awaiting payment</td>' in listing.text
    assert '<td class="invoice">To be issued</td>' in listing.text
    page = testapp.get("/chaoyang/orders/L0000000000002?lang=en")
    assert '<strong id="invoice-status">To be issued</strong>' in page.text
    assert "Refund request" in page.text and "Awaiting review" in page.text
    assert "待审核" not in page.text and "待开具" not in page.text
    chinese = testapp.get("/chaoyang/orders/?lang=zh")
    assert '<td class="status">待支付</td>' in chinese.text
