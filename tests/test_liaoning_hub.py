"""Liaoning, the provincial hub (seed liaoning-2025-system-manual): 网络培训 lists the
institutions of a level with 查看 (introduction, fees, contact), 确认报名 records the enrolment,
and 进入网校 leads to the institution's own site, inside this deployment or outside it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cpe_core.services import enrolments
from cpe_core.testing import login


@pytest.fixture
def cpe_plugins() -> str:
    return "liaoning,chaoyang"


@pytest.fixture
def schools(make_institution):
    inside = make_institution("liaoning", "朝阳会计在线", url="/chaoyang/", introduction="朝阳市财政局主办的网校。",
                              contact="0421-2622171", fees="按学分收费，每学分1元。")
    outside = make_institution("liaoning", "辽宁会计网校", url="https://school.example.org/", contact="024-00000001")
    return inside.id, outside.id


def enrol(testapp, school_id: int, level: str = "中级"):
    form = testapp.get("/liaoning/enrolments/?year=2024").forms["enrol"]
    form["level"] = level
    form["institution_id"] = str(school_id)
    return form.submit().follow()


def test_a_learner_sees_each_institution_enrols_at_a_level_and_is_sent_to_its_site(testapp, make_learner, schools):
    inside, outside = schools
    learner = make_learner("liaoning", collection_region="liaoning", qualified_year=2015)
    login(testapp, "liaoning", learner.login)
    page = testapp.get("/liaoning/enrolments/?year=2024")
    details = page.html.find(id=f"institution-{inside}").text
    assert "查看" in details and "朝阳市财政局主办的网校。" in details
    assert "收费标准：按学分收费，每学分1元。" in details and "联系方式：0421-2622171" in details
    assert [o.text for o in page.html.select("select[name=level] option")] == ["初级及以下", "中级", "高级"]

    records = enrol(testapp, inside)
    row = records.html.select_one("#enrolments tbody tr")
    # The status in the manual's words (the region's policy names them), not the core's 已报名，待缴费.
    assert "朝阳会计在线" in row.text and "中级" in row.text
    assert row.select_one("td.status").text == "已报名"
    # Chaoyang is served by this deployment: 进入网校 is a hand-over (tests/test_liaoning_handover.py).
    enter = row.select_one("form[id^=enter-] button.enter-school")
    assert enter.text == "进入网校" and row.select_one("a.enter-school") is None

    # 取消报名 to switch school until paid: the cancelled record leads nowhere any more.
    cancelled = records.forms[row.select_one("form[id^=cancel-]")["id"]].submit().follow()
    assert cancelled.html.select_one("#enrolments tbody tr td.status").text == "已取消报名"
    assert cancelled.html.select_one("#enrolments tbody tr .enter-school") is None
    row = enrol(testapp, outside, level="初级及以下").html.select_one("#enrolments tbody tr")
    link = row.select_one("a.enter-school")
    assert (link["href"], link["target"], link["rel"]) == ("https://school.example.org/", "_blank", ["noopener"])


def test_a_learner_qualified_this_year_is_told_from_which_year_to_enrol(testapp, make_learner, schools):
    learner = make_learner("liaoning", collection_region="liaoning", qualified_year=2024)
    login(testapp, "liaoning", learner.login)
    page = enrol(testapp, schools[0])
    assert "您应自2025年度起参加继续教育，2024年度无需报名。" in page.text
    assert "已报名" not in page.html.select_one("#enrolments").text


def test_the_hub_offers_enrolment_and_credits_but_no_course_centre_plan_exam_or_certificates(testapp, make_learner,
                                                                                             schools):
    learner = make_learner("liaoning", collection_region="liaoning", qualified_year=2015)
    login(testapp, "liaoning", learner.login)
    menu = [a.text.strip() for a in testapp.get("/liaoning/").html.select("nav a")]
    assert "网络培训" in menu and "学分查询" in menu
    assert not {"课程中心", "学习计划", "在线考试", "我的证书", "学分抵免", "我的订单"} & set(menu)
    home = testapp.get("/liaoning/").html
    assert home.select_one("#next-step")["data-step"] == "enrol"
    assert home.select_one("#next-step-action")["href"] == "/liaoning/enrolments/"
    for url in ("/liaoning/courses", "/liaoning/plan"):
        refused = testapp.get(url, status=404)
        assert "请在报名的培训机构网校学习" in refused.text
    enrol(testapp, schools[0])
    step = testapp.get("/liaoning/").html.select_one("#next-step")
    assert step["data-step"] == "study_at_institution" and "还差90学分" in step.text


def test_the_login_page_offers_sign_in_by_phone_code(testapp):
    """"使用密码登录 / 手机验证码登录" (liaoning-2025-system-manual)."""
    page = testapp.get("/liaoning/login")
    assert "验证码登录" in page.text
    assert testapp.get("/liaoning/login/sms").status_int == 200


def test_a_learner_rates_the_institution_of_their_enrolment_from_the_records(testapp, make_learner, schools):
    """报名记录's 去评价 (liaoning-2025-system-manual): 1–5 stars and a comment, changed later."""
    from cpe_core.extensions import db
    from cpe_core.services import ratings

    learner = make_learner("liaoning", collection_region="liaoning", qualified_year=2015)
    login(testapp, "liaoning", learner.login)
    records = enrol(testapp, schools[0])
    row = records.html.select_one("#enrolments tbody tr")
    assert row.select_one("details.rate-institution summary").text.strip() == "去评价"
    form = records.forms[row.select_one("details.rate-institution form")["id"]]
    form["stars"], form["comment"] = "4", "课程讲解清楚。"
    again = form.submit().follow()
    assert "评价已保存。" in again.text
    assert "修改评价（4星）" in again.html.select_one("#enrolments tbody tr details.rate-institution summary").text
    summary = ratings.summary("institution", schools[0])
    assert (summary.count, summary.average) == (1, 4)
    db.session.rollback()


def test_cpe_explain_shows_liaonings_findings_for_a_learner(app, make_learner, schools):
    import json

    def explain(learner) -> dict:
        result = app.test_cli_runner().invoke(
            args=["explain", "--region", "liaoning", "--year", "2024", "--learner", learner.login, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    ready = explain(make_learner("liaoning", collection_region="liaoning", qualified_year=2015))
    assert ready["eligible"] is True
    requirement = " ".join(f["message"] for f in ready["findings"] if f["topic"] == "requirement")
    assert "共需90学分" in requirement and "公需科目至少需30学分" in requirement
    # The hub sells nothing: it says where the learner enrols and pays, not "free".
    assert [f["code"] for f in ready["findings"] if f["topic"] in ("price", "enrolment")] == ["not_enrolled"]
    early = explain(make_learner("liaoning", collection_region="liaoning", qualified_year=2024))
    assert early["eligible"] is False
    assert [f["code"] for f in early["findings"] if f["topic"] == "eligibility"] == ["not_yet_obliged"]

    enrolled = make_learner("liaoning", collection_region="liaoning", qualified_year=2015)
    enrolments.enrol(enrolled, 2024, schools[0], "中级")
    findings = explain(enrolled)["findings"]
    assert [f["code"] for f in findings if f["topic"] == "enrolment"] == ["enrolled"]
    assert "已报名朝阳会计在线（中级）" in " ".join(f["message"] for f in findings)


def test_credits_page_shows_name_id_number_and_department_as_the_manuals_learning_record(testapp, make_learner):
    learner = make_learner("liaoning", name="冯思媛", collection_region="liaoning", qualified_year=2015,
                           department="和平区财政局")
    login(testapp, "liaoning", learner.login)
    record = testapp.get("/liaoning/credits?year=2024").html.select_one("#learner-record").text
    assert "冯思媛" in record and learner.profile.id_number in record and "主管部门：和平区财政局" in record


def test_institution_ratings_show_under_view_and_staff_hide_a_comment_with_a_reason(testapp, make_learner, schools,
                                                                                  make_staff):
    from webtest import TestApp

    from cpe_core.extensions import db
    from cpe_core.models import AuditEntry

    inside, _outside = schools
    learner = make_learner("liaoning", collection_region="liaoning", qualified_year=2015)
    login(testapp, "liaoning", learner.login)
    records = enrol(testapp, inside)
    form = records.forms[records.html.select_one("form[id^=rating-]")["id"]]
    form["stars"], form["comment"] = "2", "客服电话总是占线"
    form.submit()

    details = testapp.get("/liaoning/enrolments/?year=2024").html.find(id=f"institution-{inside}").text
    assert "平均2.0星（1人评价）" in details and "客服电话总是占线" in details

    make_staff("liaoning")
    staff = TestApp(testapp.app)
    login(staff, "liaoning", "liaoning-admin")
    page = staff.get("/liaoning/institutions/ratings")
    assert "机构评价" in page.html.select_one("nav.mainnav").text
    hide = page.forms[page.html.select_one(f"#institution-{inside} form[id^=hide-]")["id"]]
    hide["reason"] = "含有联系方式以外的广告"
    shown = hide.submit().follow()
    assert "已隐藏：含有联系方式以外的广告" in shown.html.find(id=f"institution-{inside}").text
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "rating.hidden"
    details = testapp.get("/liaoning/enrolments/?year=2024").html.find(id=f"institution-{inside}").text
    assert "平均2.0星（1人评价）" in details and "客服电话总是占线" not in details
    # A region whose learners rate no institution has no such page.
    login(staff, "chaoyang", make_staff("chaoyang").login)
    staff.get("/chaoyang/institutions/ratings", status=404)


@pytest.fixture
def extra_plugins(outbox):
    return [("test-sms", outbox)]


def test_liaoning_texts_at_most_five_sign_in_codes_a_day_to_a_phone(testapp, make_learner, outbox):
    learner = make_learner("liaoning", collection_region="liaoning", qualified_year=2015, phone="13904216001")

    def send():
        form = testapp.get("/liaoning/login/sms").forms["sms_login"]
        form["phone"] = learner.phone
        return form.submit("action", value="send", expect_errors=True)

    assert [send().status_int for _ in range(5)] == [200] * 5
    sixth = send()
    assert sixth.status_int == 422 and "该手机号今日获取验证码次数已达上限（5次），请明天再试。" in sixth.text
    assert len(outbox.sent) == 5


def test_institution_ratings_cost_the_same_statements_for_one_or_many_institutions(app, make_institution, make_learner):
    from sqlalchemy import event

    from cpe_core.extensions import db
    from cpe_core.models import Rating
    from cpe_core.services import ratings

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            found = ratings.institutions_rated("liaoning", with_hidden=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        db.session.rollback()
        return len(seen), found

    learner = make_learner("liaoning", collection_region="liaoning")
    names = iter(range(100))

    def add(count):
        for _ in range(count):
            school = make_institution("liaoning", f"网校{next(names)}")
            db.session.add(Rating(region="liaoning", user_id=learner.id, target="institution", target_id=school.id,
                                  year=2024, stars=4, comment="好", rated_at=dt.datetime(2024, 6, 1),
                                  updated_at=dt.datetime(2024, 6, 1)))
        db.session.commit()

    add(2)
    few, found = statements()
    add(10)
    many, found = statements()
    assert few == many
    assert len(found) == 12 and all(s.average == 4.0 and s.count == 1 and len(s.ratings) == 1 for _, s in found)
