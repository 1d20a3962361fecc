"""`cpe explain` and the admin page: a dry run of a region's rules for one learner."""
from __future__ import annotations

import json

import pytest

from cpe_core.extensions import db
from cpe_core.models import CreditRecord
from cpe_core.testing import id_number, login


def explain_json(app, region: str, learner: str, year: int = 2024) -> dict:
    result = app.test_cli_runner().invoke(
        args=["explain", "--region", region, "--year", str(year), "--learner", learner, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def codes(report: dict, topic: str) -> list[str]:
    return [f["code"] for f in report["findings"] if f["topic"] == topic]


def earn(user, region: str, kind: str, credits: int, source: str = "course", source_id: int = 1):
    db.session.add(
        CreditRecord(user_id=user.id, region=region, year=2024, kind=kind, credits=credits,
                     source=source, source_id=source_id)
    )
    db.session.commit()


@pytest.fixture
def chaoyang_learner(make_learner):
    return make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)


def test_new_chaoyang_learner_sees_what_is_missing_the_price_and_a_closed_exam(app, chaoyang_learner):
    report = explain_json(app, "chaoyang", chaoyang_learner.login)
    assert report["eligible"] is True
    assert codes(report, "requirement") == ["total_missing", "professional_missing"]
    assert "quote_annual" in codes(report, "price")
    price = next(f for f in report["findings"] if f["code"] == "quote_annual")
    assert price["message"].endswith("¥90.00")
    assert "no_offsets" in codes(report, "offsets")
    assert codes(report, "exam") == ["exam_total_missing", "exam_professional_missing"]


def test_completed_chaoyang_year_opens_the_exam(app, chaoyang_learner):
    earn(chaoyang_learner, "chaoyang", "professional", 60, source_id=1)
    earn(chaoyang_learner, "chaoyang", "public", 30, source_id=2)
    report = explain_json(app, "chaoyang", chaoyang_learner.login)
    assert codes(report, "requirement") == ["requirement_met"]
    assert codes(report, "exam") == ["exam_open"]
    assert report["complete"] and report["exam_open"]


def test_approved_offset_switches_chaoyang_to_credit_purchase(app, chaoyang_learner):
    earn(chaoyang_learner, "chaoyang", "professional", 30, source="offset", source_id=7)
    report = explain_json(app, "chaoyang", chaoyang_learner.login)
    assert "offsets_approved" in codes(report, "offsets")
    assert "has_offsets" in codes(report, "price")  # annual purchase is for learners without offsets


def test_exam_window_is_checked_with_the_apps_clock(app, chaoyang_learner, clock):
    earn(chaoyang_learner, "chaoyang", "professional", 90)
    clock.advance(days=300)  # 2025-04: 2024's period is over, but its make-up (and exam) runs to 2025-12-31
    assert codes(explain_json(app, "chaoyang", chaoyang_learner.login), "exam") == ["exam_open"]
    clock.advance(days=300)  # 2026-02: after the make-up deadline the 2024 exam is closed
    assert codes(explain_json(app, "chaoyang", chaoyang_learner.login), "exam") == ["window_closed"]


def test_shenzhen_learner_is_refused_in_guangdong_with_the_reason(app, make_learner):
    learner = make_learner("guangdong", id_number=id_number("440305"), collection_region="guangdong",
                           collection_area="深圳市南山区", qualification_level="初级", qualified_year=2019)
    report = explain_json(app, "guangdong", learner.login)
    assert report["eligible"] is False
    assert codes(report, "eligibility") == ["shenzhen_excluded"]


def test_learner_collected_elsewhere_cannot_study_in_chaoyang(app, make_learner):
    learner = make_learner("chaoyang", collection_region="guangdong", qualified_year=2020)
    assert codes(explain_json(app, "chaoyang", learner.login), "eligibility") == ["collected_elsewhere"]


def test_cicpa_member_studies_free_and_has_no_exam(app, make_learner):
    member = make_learner("cicpa", login="110000019999", member_type="practising")
    report = explain_json(app, "cicpa", member.login)
    assert codes(report, "price") == ["free"]
    assert codes(report, "exam") == ["no_exam"]
    (requirement,) = [f["message"] for f in report["findings"] if f["topic"] == "requirement"]
    assert "学时" in requirement


def test_unknown_learner_is_a_usage_error(app):
    result = app.test_cli_runner().invoke(args=["explain", "--region", "chaoyang", "--learner", "nobody"])
    assert result.exit_code == 2 and "No learner 'nobody'" in result.output


def test_region_admin_page_shows_the_same_findings_as_the_cli(app, testapp, chaoyang_learner, make_staff):
    make_staff("chaoyang", "admin", login="cy-admin")
    login(testapp, "chaoyang", "cy-admin")
    page = testapp.get(f"/chaoyang/admin/explain?learner={chaoyang_learner.login}&year=2024")
    report = explain_json(app, "chaoyang", chaoyang_learner.login)
    for finding in report["findings"]:
        assert finding["code"] in page.text and finding["message"] in page.text


@pytest.mark.parametrize(
    "region, role", [("chaoyang", "reviewer"), ("guangdong", "admin")], ids=["reviewer", "other-region-admin"]
)
def test_explain_page_is_only_for_the_regions_admins(app, testapp, chaoyang_learner, make_staff, region, role):
    staff = make_staff(region, role)
    login(testapp, region, staff.login)
    testapp.get(f"/chaoyang/admin/explain?learner={chaoyang_learner.login}", status=403)


def test_explain_page_asks_anonymous_visitors_to_sign_in(testapp):
    response = testapp.get("/chaoyang/admin/explain", status=302)
    assert "/chaoyang/login" in response.location


def test_site_admin_may_explain_any_region(app, testapp, chaoyang_learner, make_staff):
    make_staff(None, "site_admin", login="root")
    login(testapp, None, "root")
    page = testapp.get(f"/chaoyang/admin/explain?learner={chaoyang_learner.id}")
    assert "total_missing" in page.text


def test_ledger_records_each_source_once(app, chaoyang_learner):
    from cpe_core.services import ledger

    first = ledger.record_credit(user_id=chaoyang_learner.id, region="chaoyang", year=2024, kind="professional",
                                 credits=20, source="course", source_id=5)
    again = ledger.record_credit(user_id=chaoyang_learner.id, region="chaoyang", year=2024, kind="professional",
                                 credits=20, source="course", source_id=5)
    db.session.commit()
    assert first is not None and again is None
    assert ledger.progress(chaoyang_learner.id, "chaoyang", 2024).total == 20


def test_each_test_request_starts_with_an_empty_g(app, testapp):
    # Guards the testapp fixture: the test body's app context is reused by requests, so without
    # a fresh g a value (a signed-in user, a locale) would leak from one request into the next.
    from flask import g

    seen: list[dict] = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: seen.append(dict(vars(g))))
    g.leftover = "from the test body"
    testapp.get("/")
    assert "leftover" not in seen[0]


def paid_order(user, region: str, mode: str, total_fen: int, number: str = "20240615100000000001"):
    from cpe_core import clock
    from cpe_core.models import Order
    from cpe_core.testing import DEFAULT_NOW

    order = Order(number=number, user_id=user.id, region=region, year=2024, mode=mode, total_fen=total_fen,
                  status="paid", paid_at=clock.to_utc_naive(DEFAULT_NOW))
    db.session.add(order)
    db.session.commit()
    return order


def findings(report: dict, topic: str) -> list[tuple[str, str]]:
    return [(f["code"], f["message"]) for f in report["findings"] if f["topic"] == topic]


def test_after_paying_explain_shows_what_was_paid_and_only_the_offers_left(app, testapp, make_learner, make_staff):
    learner = make_learner("guangdong", collection_region="guangdong", collection_area="广州市天河区",
                           collection_status="approved", qualification_level="中级", qualified_year=2015)
    before = findings(explain_json(app, "guangdong", learner.login), "price")
    assert [code for code, _ in before] == ["quote_public", "quote_professional"]
    paid_order(learner, "guangdong", "professional", 9000)
    price = findings(explain_json(app, "guangdong", learner.login), "price")
    assert price == [
        ("paid_professional", "已缴费：2024年度专业课 ¥90.00（订单号20240615100000000001，2024-06-15 10:00）。"),
        ("quote_public", "2024年度公需课：¥0.00"),
    ]
    make_staff("guangdong", "admin")
    login(testapp, "guangdong", "guangdong-admin")
    page = testapp.get(f"/guangdong/admin/explain?learner={learner.login}").html.select_one("table.findings").text
    assert "已缴费：2024年度专业课 ¥90.00" in page and "2024年度专业课：¥90.00" not in page


def test_a_shenzhen_learner_is_told_once_why_nothing_is_sold(app, make_learner):
    learner = make_learner("guangdong", id_number=id_number("440305"), collection_region="guangdong",
                           collection_area="深圳市南山区", qualification_level="初级", qualified_year=2019)
    price = findings(explain_json(app, "guangdong", learner.login), "price")
    assert [code for code, _ in price] == ["shenzhen_excluded"]


def test_cicpa_approved_hours_are_called_hours(app, testapp, make_learner, make_staff):
    member = make_learner("cicpa", login="110000019998", member_type="practising")
    earn(member, "cicpa", "professional", 12, source="offset", source_id=3)
    offsets = findings(explain_json(app, "cicpa", member.login), "offsets")
    assert offsets == [("offsets_approved", "已批准的学时申请：12学时。")]
    make_staff("cicpa", "admin")
    login(testapp, "cicpa", "cicpa-admin")
    table = testapp.get(f"/cicpa/admin/explain?learner={member.login}").html.select_one("table.findings").text
    assert "学分" not in table and "抵免" not in table
    assert "学时要求" in table and "学时申请" in table
