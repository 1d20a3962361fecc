"""Enrol, then pay (报名后缴费), the flow of a region whose institution policy says
``enrol_then_pay``: the Hainan example plugin, enrolled at a level and school, pays that
enrolment's fee (priced by its quote hook), cancels before paying, and is refunded after."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Enrolment, Order, Payment, Refund
from cpe_core.testing import login

from test_orders import count, sandbox

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hainan"


@pytest.fixture
def cpe_plugins() -> str:
    return "chaoyang"


@pytest.fixture
def extra_plugins(monkeypatch):
    """The Hainan example, registered directly (it is not installed in this environment)."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import cpe_hainan.hooks

    return [("hainan", cpe_hainan.hooks.plugin)]


@pytest.fixture
def schools(make_institution):
    """Hainan's two schools (the second for senior accountants only) and Chaoyang's."""
    rows = {
        "society": make_institution("hainan", "海南省会计学会"),
        "senior": make_institution("hainan", "海南高级会计人才培训中心", level="高级"),
        "chaoyang": make_institution("chaoyang", "朝阳市会计学会"),
    }
    ids = {key: row.id for key, row in rows.items()}
    db.session.rollback()
    return ids


@pytest.fixture
def learner(make_learner, testapp):
    user = make_learner("hainan", collection_region="hainan", collection_area="海口市")
    login(testapp, "hainan", user.login)
    return user


@pytest.fixture
def gateway(app):
    from webtest import TestApp

    return TestApp(app)


def enrol(testapp, school_id: int, level: str = "中级", year: int = 2024):
    form = testapp.get(f"/hainan/enrolments/?year={year}").forms["enrol"]
    form["level"] = level
    form["institution_id"] = str(school_id)
    return form.submit().follow()


def the_enrolment(user_id: int) -> Enrolment:
    db.session.rollback()
    row = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user_id).order_by(Enrolment.id.desc()))
    db.session.expunge(row)
    db.session.rollback()
    return row


def go_pay(testapp, enrolment_id: int):
    """The records page's 去缴费 button: the enrolment's order page, every line shown."""
    page = testapp.get("/hainan/enrolments/?year=2024")
    return page.forms[f"pay-{enrolment_id}-year"].submit().follow()


def pay_on_phone(app, testapp, order_page):
    """Pay through the sandbox's pay page; the notification is lost, the return page queries."""
    form = order_page.forms["pay"]
    form["provider"] = "sandbox"
    pay_page = testapp.get(form.submit().location)
    form = pay_page.forms["sandbox_pay"]
    form["notify"] = "0"
    return form.submit().follow().follow()


def test_a_learner_enrols_at_a_level_and_school_then_pays_that_enrolments_fee(app, testapp, learner, schools):
    offers = testapp.get("/hainan/orders/new?year=2024")
    assert "请先报名：选择年度、级别和培训机构，确认报名后再缴费。" in offers.text
    assert "order-year" not in offers.forms

    page = enrol(testapp, schools["society"])
    assert "报名成功，请缴费后开始学习。" in page.text
    enrolment = the_enrolment(learner.id)
    assert (enrolment.year, enrolment.level, enrolment.status) == (2024, "中级", "selected")
    row = page.html.find(id=f"enrolment-{enrolment.id}").text
    assert "海南省会计学会" in row and "中级" in row and "已报名，待缴费" in row
    assert "¥80.00" in row  # the 中级 fee, from the region's quote hook

    order_page = go_pay(testapp, enrolment.id)
    assert "2024年度继续教育（海南省会计学会，中级）" in order_page.text and "¥80.00" in order_page.text
    assert "待支付" in order_page.text
    order = db.session.scalar(select(Order))
    assert (order.enrolment_id, order.total_fen, order.status) == (enrolment.id, 8000, "pending")
    assert [(l.quantity, l.unit_price_fen, l.amount_fen) for l in order.lines] == [(1, 8000, 8000)]
    db.session.rollback()

    shown = pay_on_phone(app, testapp, order_page)
    assert "支付成功，课程已开通" in shown.text
    assert the_enrolment(learner.id).status == "paid"
    records = testapp.get("/hainan/enrolments/?year=2024")
    assert "已缴费" in records.html.find(id=f"enrolment-{enrolment.id}").text
    assert f"cancel-{enrolment.id}" not in records.forms and f"pay-{enrolment.id}-year" not in records.forms

    # a paid enrolment cannot be cancelled, nor paid again, however the request is made
    csrf = records.forms["enrol"]["csrf_token"].value
    res = testapp.post(f"/hainan/enrolments/{enrolment.id}/cancel", {"csrf_token": csrf}).follow()
    assert "该报名已缴费，不能取消；如需更换机构请先申请退费，退费后自动取消报名。" in res.text
    res = testapp.post(f"/hainan/enrolments/{enrolment.id}/pay", {"csrf_token": csrf, "mode": "year", "year": "2024"}).follow()
    assert "该报名已缴费，无需重复缴费。" in res.text
    assert (count(Order), the_enrolment(learner.id).status) == (1, "paid")


def test_cancelling_before_paying_cancels_the_enrolments_order_and_it_cannot_be_paid(app, testapp, gateway, learner, schools):
    enrol(testapp, schools["society"], level="初级及以下")
    enrolment = the_enrolment(learner.id)
    order_page = go_pay(testapp, enrolment.id)
    assert "¥60.00" in order_page.text
    form = order_page.forms["pay"]
    form["provider"] = "sandbox"
    ref = form.submit().location.rsplit("/", 1)[1]  # the phone shows the pay page ...

    records = testapp.get("/hainan/enrolments/?year=2024")
    page = records.forms[f"cancel-{enrolment.id}"].submit().follow()
    assert "已取消报名，可以重新选择培训机构。" in page.text
    assert "已取消" in page.html.find(id=f"enrolment-{enrolment.id}").text
    db.session.rollback()
    assert db.session.scalar(select(Order.status)) == "cancelled"
    assert db.session.scalar(select(Payment.status)) == "failed"
    db.session.rollback()

    # paying the cancelled enrolment, or its cancelled order, is refused
    res = records.forms[f"pay-{enrolment.id}-year"].submit().follow()
    assert "该报名已取消，不能缴费；请重新报名。" in res.text
    res = order_page.forms["pay"].submit().follow()
    assert "该订单已取消，不能支付。" in res.text
    assert count(Order) == 1

    # ... and if the learner pays on the phone anyway, the money goes back automatically
    sandbox(app).pay(ref)
    body, headers = sandbox(app).notification(ref)
    assert gateway.post("/payments/notify/sandbox", body, headers=headers).text == "success"
    assert db.session.scalar(select(Order.status)) == "cancelled"
    assert the_enrolment(learner.id).status == "cancelled"
    assert sandbox(app).payments[ref].refunded_fen == 6000
    assert db.session.scalar(select(Refund.kind)) == "duplicate"
    db.session.rollback()

    # the learner may enrol again, elsewhere
    page = enrol(testapp, schools["senior"], level="高级")
    assert "报名成功" in page.text
    assert (the_enrolment(learner.id).institution_id, count(Enrolment)) == (schools["senior"], 2)
    assert "¥100.00" in go_pay(testapp, the_enrolment(learner.id).id).text


def test_a_refund_approved_by_staff_releases_the_enrolment(app, testapp, learner, schools, make_staff):
    enrol(testapp, schools["society"])
    enrolment = the_enrolment(learner.id)
    pay_on_phone(app, testapp, go_pay(testapp, enrolment.id))
    order = db.session.scalar(select(Order))
    number = order.number
    db.session.rollback()
    form = testapp.get(f"/hainan/orders/{number}").forms["refund"]
    form["reason"] = "更换培训机构"
    assert "退款申请已提交" in form.submit().follow().text
    assert the_enrolment(learner.id).status == "paid"  # nothing released before staff decide

    admin = make_staff("hainan", "admin")
    staff = type(testapp)(app)
    login(staff, "hainan", admin.login)
    refund_id = db.session.scalar(select(Refund.id))
    db.session.rollback()
    page = staff.get("/hainan/admin/refunds").forms[f"approve-{refund_id}"].submit().follow()
    assert "已退款" in page.text
    assert the_enrolment(learner.id).status == "cancelled"
    assert db.session.scalar(select(Order.status)) == "refunded"
    ref = db.session.scalar(select(Payment.provider_ref))
    assert sandbox(app).payments[ref].refunded_fen == 8000
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "refund.approve")) == "refund.approve"
    db.session.rollback()

    records = testapp.get("/hainan/enrolments/?year=2024")
    assert "已取消" in records.html.find(id=f"enrolment-{enrolment.id}").text
    assert "报名成功" in enrol(testapp, schools["society"], level="高级").text


@pytest.mark.parametrize(
    "school, level, year, message",
    [
        ("senior", "中级", 2024, "该培训机构仅招收高级学员，请重新选择。"),
        ("senior", "高级", 2023, "现已截止，报名不再计入2023年度。"),  # a year that no longer counts
        ("chaoyang", "中级", 2024, "请选择列表中的培训机构。"),  # another region's school
        ("society", "专家级", 2024, "请选择级别（初级及以下、中级、高级）。"),
    ],
)
def test_enrolling_at_a_school_of_another_level_year_or_region_is_refused(testapp, learner, schools, school, level, year, message):
    page = testapp.get(f"/hainan/enrolments/?year={year}")
    csrf = page.forms["enrol"]["csrf_token"].value
    res = testapp.post("/hainan/enrolments/", {"csrf_token": csrf, "year": str(year), "level": level,
                                               "institution_id": str(schools[school])}).follow()
    assert message in res.text
    assert count(Enrolment) == 0


def test_enrolling_twice_in_a_year_is_refused(testapp, learner, schools):
    enrol(testapp, schools["society"])
    assert "您已报名2024年度继续教育，如需更换培训机构请先取消报名。" in enrol(testapp, schools["senior"], "高级").text
    assert count(Enrolment) == 1


def test_a_region_that_does_not_enrol_first_has_no_enrolment_page(testapp, make_learner, schools):
    user = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)
    login(testapp, "chaoyang", user.login)
    assert "本地区无需报名，请直接购买课程。" in testapp.get("/chaoyang/enrolments/").follow().text
    assert testapp.get("/api/v1/enrolments", status=422).json["error"]["code"] == "no_enrolment"


def test_the_api_enrols_prices_pays_cancels_and_refuses_with_the_same_rules(app, testapp, learner, schools):
    listed = testapp.get("/api/v1/enrolments?year=2024").json
    assert listed["levels"] == ["初级及以下", "中级", "高级"]
    assert [i["name"] for i in listed["institutions"]] == ["海南省会计学会", "海南高级会计人才培训中心"]
    refused = testapp.post_json("/api/v1/orders", {"year": 2024, "mode": "year"}, status=422).json
    assert refused["error"]["code"] == "enrolment_required"

    bad = [
        ({"year": 2024, "institution_id": schools["senior"], "level": "中级"}, "institution_other_level"),
        ({"year": 2024, "institution_id": schools["chaoyang"], "level": "中级"}, "unknown_institution"),
        ({"year": "2024", "institution_id": schools["society"]}, "invalid_enrolment"),
    ]
    for body, code in bad:
        assert testapp.post_json("/api/v1/enrolments", body, status=422).json["error"]["code"] == code
    made = testapp.post_json("/api/v1/enrolments", {"year": 2024, "institution_id": schools["senior"], "level": "高级"},
                             status=201).json
    assert (made["institution"], made["level"], made["status"]) == ("海南高级会计人才培训中心", "高级", "selected")
    again = testapp.post_json("/api/v1/enrolments", {"year": 2024, "institution_id": schools["society"], "level": "高级"},
                              status=422).json
    assert again["error"]["code"] == "already_enrolled"

    order = testapp.post_json(f"/api/v1/enrolments/{made['id']}/orders", {"mode": "year"}, status=201).json
    assert order["total_fen"] == 10000 and order["enrolment_id"] == made["id"]
    assert order["lines"] == [{"sku": "year:2024", "description": "2024年度继续教育（海南高级会计人才培训中心，高级）",
                               "quantity": 1, "unit_price_fen": 10000, "amount_fen": 10000}]
    cancelled = testapp.post_json(f"/api/v1/enrolments/{made['id']}/cancel", {}).json
    assert cancelled["status"] == "cancelled" and cancelled["order"]["status"] == "cancelled"
    paid_cancelled = testapp.post_json(f"/api/v1/enrolments/{made['id']}/orders", {"mode": "year"}, status=422).json
    assert paid_cancelled["error"] == {"code": "enrolment_cancelled", "message": "该报名已取消，不能缴费；请重新报名。"}
    paying = testapp.post_json(f"/api/v1/orders/{order['number']}/payments", {"provider": "sandbox"}, status=422).json
    assert paying["error"]["code"] == "not_payable"


def test_explain_quotes_the_fee_of_the_level_enrolled_at_as_the_site_charges_it(app, testapp, learner, schools):
    """``cpe explain`` and the order page share one pricing: a learner enrolled at 高级 is told
    ¥100, not the ¥60 a cart without the enrolment would cost."""
    from cpe_core.services.explain import explain
    from cpe_core.models import User

    page = enrol(testapp, schools["senior"], level="高级")
    enrolment = the_enrolment(learner.id)
    assert "¥100.00" in page.html.find(id=f"enrolment-{enrolment.id}").text
    charged = go_pay(testapp, enrolment.id)
    assert "¥100.00" in charged.text

    report = explain(db.session.get(User, learner.id), 2024)
    prices = [reason.message for topic, reason in report.findings if topic == "price"]
    assert prices == ["年度购买：¥100.00"]
    db.session.rollback()
