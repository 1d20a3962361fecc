"""Programme years follow the calendar: the year that applies today, what counts for a year and
when, and the values a year's notice changes (年度设置), set by a region's admin and audited."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from cpe_core.clock import SHANGHAI, FixedClock
from cpe_core.extensions import db
from cpe_core.models import AuditEntry, ChapterProgress, CreditRecord, YearSettingValue
from cpe_core.regions import RuleError, rules_for
from cpe_core.services import learning, years
from cpe_core.testing import login

from study_support import add_to_plan, course, learner, pay_for_plan


def at(clock: FixedClock, day: str, hour: int = 10) -> None:
    clock.at = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


# --- which year applies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Chaoyang runs 02-01 to the next 01-31; Guangdong and CICPA the calendar year.
        ("2026-12-03", {"chaoyang": 2026, "guangdong": 2026, "cicpa": 2026}),
        ("2027-01-15", {"chaoyang": 2026, "guangdong": 2027, "cicpa": 2027}),
        ("2027-02-01", {"chaoyang": 2027, "guangdong": 2027, "cicpa": 2027}),
        ("2031-07-01", {"chaoyang": 2031, "guangdong": 2031, "cicpa": 2031}),
    ],
)
def test_the_site_opens_on_the_year_whose_period_contains_today(app, testapp, clock, day, expected):
    at(clock, day)
    assert {code: years.current_year(code) for code in expected} == expected
    listed = {r["code"]: r["current_year"] for r in testapp.get("/api/v1/regions").json["regions"]}
    assert listed == expected
    assert f"{expected['chaoyang']}年度会计专业技术人员继续教育" in testapp.get("/chaoyang/").text


def test_a_moved_start_keeps_the_site_on_the_last_year_until_the_new_one_begins(app, clock, make_staff):
    admin = make_staff("chaoyang")
    years.save(admin, "chaoyang", 2027, {"period_start": dt.date(2027, 3, 1)})
    at(clock, "2027-02-10")
    # 2026 ended on 01-31 and 2027 now starts on 03-01: the gap stays on 2026.
    assert years.current_year("chaoyang") == 2026
    at(clock, "2027-03-01")
    assert years.current_year("chaoyang") == 2027


def test_open_years_include_one_still_open_for_making_up(app, clock):
    at(clock, "2026-06-01")
    assert years.open_years("chaoyang") == [2026, 2025]  # 2025 may be made up until 2026-12-31
    assert years.open_years("guangdong") == [2026]  # 过期不办理补学补登
    at(clock, "2027-01-10")
    assert years.open_years("chaoyang") == [2026]


def test_the_learner_chooses_the_programme_year_on_the_plan_and_order_pages(app, clock, testapp, make_learner):
    """"选择培训年份" (the Chaoyang notice): the open years as links, the make-up year marked."""
    at(clock, "2026-06-01")
    learner_ = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区")
    login(testapp, "chaoyang", learner_.login)
    for page, endpoint in (("/chaoyang/plan", "/chaoyang/plan"), ("/chaoyang/orders/new", "/chaoyang/orders/new")):
        choice = testapp.get(page).html.select_one("#year-choice")
        assert "选择培训年份" in choice.text and "2025年度（补学）" in choice.text
        assert [a["href"] for a in choice.select("a")] == [f"{endpoint}?year=2026", f"{endpoint}?year=2025"]
        assert choice.select_one("a[aria-current]").text == "2026年度"
    chosen = testapp.get("/chaoyang/plan?year=2025").html
    assert chosen.select_one("#year-choice a[aria-current]").text == "2025年度"


# --- what counts for a year, and when -------------------------------------------------------------


def _finished_chapters(user, course_) -> None:
    """``course_`` in the learner's plan, paid for in 2024, every chapter watched and passed."""
    add_to_plan(user, course_, year=2024)
    now = dt.datetime(2024, 6, 1)
    for chapter in course_.chapters:
        db.session.add(ChapterProgress(user_id=user.id, chapter_id=chapter.id, watched_seconds=chapter.duration_seconds,
                                       last_heartbeat_at=now, watched_at=now, exercise_passed_at=now))
    db.session.commit()


def test_a_course_finished_in_the_makeup_time_counts_for_its_year_as_makeup(app, clock, make_learner):
    user = learner(make_learner, "chaoyang")
    lesson = course("chaoyang", credits=10)
    _finished_chapters(user, lesson)
    at(clock, "2025-02-01", hour=0)  # 2024's period is over; its make-up runs to 2025-12-31
    assert learning.complete_course_if_done(user.id, lesson.id) is True
    (entry,) = db.session.scalars(select(CreditRecord).where(CreditRecord.user_id == user.id))
    assert (entry.year, entry.credits) == (2024, 10)
    assert entry.description.endswith("（2024年度补学）")


def test_a_course_finished_after_the_makeup_deadline_earns_nothing(app, clock, make_learner):
    user = learner(make_learner, "chaoyang")
    lesson = course("chaoyang", credits=10)
    _finished_chapters(user, lesson)
    at(clock, "2026-01-01", hour=0)
    assert learning.complete_course_if_done(user.id, lesson.id) is False
    assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 0


def test_study_of_a_closed_year_is_refused_saying_until_when_it_counted(app, testapp, clock, make_learner):
    user = learner(make_learner, "chaoyang")
    lesson = course("chaoyang")
    login(testapp, "chaoyang", user.login)
    testapp.post_json(f"/api/v1/me/plan", {"course_id": lesson.id, "year": 2024})
    pay_for_plan(user, 2024)
    at(clock, "2026-01-01", hour=0)
    answer = testapp.post_json(f"/api/v1/chapters/{lesson.chapters[0].id}/heartbeat", {"position": 0}, status=422)
    assert answer.json["error"]["code"] == "year_closed"
    assert "补学截止于2025年12月31日" in answer.json["error"]["message"]
    assert "不再计入2024年度" in answer.json["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(ChapterProgress)) == 0


def test_guangdong_has_no_makeup_so_its_year_closes_with_its_period(app, clock):
    at(clock, "2025-01-01")
    with pytest.raises(RuleError) as refused:
        years.require_counting("guangdong", 2024)
    assert refused.value.code == "year_closed"
    at(clock, "2024-12-31", hour=23)
    assert years.require_counting("guangdong", 2024).state == "open"


def test_a_closed_year_takes_no_new_courses_orders_or_offsets(app, clock, make_learner):
    from cpe_core.services import offsets, orders, study

    user = learner(make_learner, "chaoyang")
    lesson = course("chaoyang")
    at(clock, "2026-02-01")
    for attempt in (
        lambda: study.add_course(user, lesson.id, 2024),
        lambda: orders.create_order(user, 2024, "annual"),
        lambda: offsets.save(user, "chaoyang", year=2024, type_code="contest", role="participant",
                             raw_fields={"contest_name": "知识竞赛", "organiser": "省财政厅", "held_on": "2024-05-01"},
                             submit=True),
    ):
        with pytest.raises(RuleError) as refused:
            attempt()
        assert refused.value.code == "year_closed"


# --- 年度设置 ------------------------------------------------------------------------------------


@pytest.fixture
def admin_browser(testapp, make_staff):
    make_staff("chaoyang", login="cy-admin")
    login(testapp, "chaoyang", "cy-admin")
    return testapp


def test_the_years_page_shows_each_declared_value_with_its_default_and_source(app, admin_browser):
    page = admin_browser.get("/chaoyang/admin/years").follow()
    assert page.request.path == "/chaoyang/admin/years/2024"
    for setting in rules_for("chaoyang").year_settings(2024):
        row = page.html.select_one(f"#setting-{setting.key}")
        assert setting.label in row.text and "插件默认值" in row.text
    assert page.forms["years"]["price_per_credit"].value == "1.00"
    assert page.forms["years"]["period_start"].value == "2024-02-01"


def test_an_admins_price_reaches_the_order_and_explain_and_is_audited(app, admin_browser, make_learner):
    form = admin_browser.get("/chaoyang/admin/years/2024").forms["years"]
    form["price_per_credit"] = "1.20"
    saved = form.submit().follow()
    assert "已保存2024年度设置：每学分价格。" in saved.text
    assert "管理员设置" in saved.html.select_one("#setting-price_per_credit").text

    user = learner(make_learner, "chaoyang")
    from cpe_core.services import orders

    (annual,) = [offer for offer in orders.offers(user, 2024) if offer.mode.code == "annual"]
    assert annual.quote.total_fen == 90 * 120
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "year_settings.change"))
    assert (entry.before, entry.after, entry.target) == ({"price_per_credit": 100}, {"price_per_credit": 120}, "chaoyang:2024")
    report = json.loads(app.test_cli_runner().invoke(
        args=["explain", "--region", "chaoyang", "--year", "2024", "--learner", user.login, "--json"]).output)
    codes = [f["code"] for f in report["findings"] if f["topic"] == "settings"]
    assert "setting_price_per_credit_admin" in codes and "setting_period_start_default" in codes
    assert [f["code"] for f in report["findings"] if f["topic"] == "year"] == ["current_year", "year_open"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price_per_credit", "200.00", "“每学分价格”不能晚于（大于）100.00元。"),
        ("period_end", "2024-03-01", "“学习截止日期”不能早于（小于）2024-06-30。"),
        ("period_start", "2023-12-31", "“学习开始日期”不能早于（小于）2024-01-01。"),
        ("exam_closes", "2024-01-05T00:00", "“在线考试关闭时间”不能早于（小于）2024-06-30 00:00。"),
    ],
)
def test_a_value_out_of_its_bounds_is_refused_in_chinese_and_nothing_saved(app, admin_browser, field, value, message):
    form = admin_browser.get("/chaoyang/admin/years/2024").forms["years"]
    form["price_per_credit"] = "0.50"  # a valid change beside the bad one is not saved either
    form[field] = value
    page = form.submit(status=422)
    assert message in page.text
    assert db.session.scalar(select(func.count()).select_from(YearSettingValue)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_value_before_the_one_it_follows_is_refused(app, make_staff):
    admin = make_staff("chaoyang")
    with pytest.raises(years.SettingsRefused) as refused:
        years.save(admin, "chaoyang", 2024, {"exam_opens": dt.datetime(2025, 6, 1, tzinfo=SHANGHAI),
                                            "exam_closes": dt.datetime(2025, 5, 1, tzinfo=SHANGHAI)})
    assert refused.value.problems == {"exam_closes": "“在线考试关闭时间”不能早于“在线考试开放时间”。"}


def test_restoring_the_default_removes_the_admins_value(app, admin_browser):
    form = admin_browser.get("/chaoyang/admin/years/2024").forms["years"]
    form["exam_max_attempts"] = "3"
    form.submit().follow()
    assert rules_for("chaoyang").exam_policy(2024).max_attempts == 3
    page = admin_browser.get("/chaoyang/admin/years/2024")
    page.forms["years"].submit("reset", value="exam_max_attempts").follow()
    assert rules_for("chaoyang").exam_policy(2024).max_attempts is None
    assert db.session.scalar(select(func.count()).select_from(YearSettingValue)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2


@pytest.mark.parametrize("who", ["learner", "reviewer", "another region's admin"])
def test_only_the_regions_admins_reach_the_years_page(app, testapp, make_staff, make_learner, who):
    if who == "learner":
        user, region = make_learner("chaoyang"), "chaoyang"
    elif who == "reviewer":
        user, region = make_staff("chaoyang", role="reviewer"), "chaoyang"
    else:
        user, region = make_staff("guangdong"), "guangdong"
    login(testapp, region, user.login)
    testapp.get("/chaoyang/admin/years/2024", status=403)
    assert db.session.scalar(select(func.count()).select_from(YearSettingValue)) == 0


def test_a_guangdong_admin_widens_the_invoice_window_for_one_year(app, make_staff):
    admin = make_staff("guangdong")
    rules = rules_for("guangdong")
    assert rules.invoice_deadline(dt.date(2024, 3, 15), 2024) == dt.date(2024, 4, 15)
    years.save(admin, "guangdong", 2024, {"invoice_window_months": 2})
    assert rules.invoice_deadline(dt.date(2024, 3, 15), 2024) == dt.date(2024, 5, 15)
    assert rules.invoice_deadline(dt.date(2025, 3, 15), 2025) == dt.date(2025, 4, 15)


# --- the demo follows the calendar -----------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-12-03", "2027-01-15", "2027-02-01"])
def test_the_demo_loads_the_current_year_with_a_learner_at_every_stage(app, clock, day):
    """Whatever day a newcomer runs ``make run``: this year's courses, a new learner, one ready
    for the exam (whose exam is open), one holding a certificate, and work in the staff queues."""
    from cpe_core.models import Certificate, Course, LearnerProfile, OffsetApplication, User
    from cpe_core.services import demo, exams
    from cpe_core.services.accounts import find_user

    at(clock, day)
    for rules in (rules_for("chaoyang"), rules_for("guangdong"), rules_for("cicpa")):
        report = demo.load(rules)
        year = years.current_year(rules.code)
        assert report.year == year
        assert not [line for line in report.stages if "stopped" in line or "refused" in line], report.stages
        assert db.session.scalar(select(func.count()).select_from(Course).where(
            Course.region == rules.code, Course.year == year)) == report.courses > 0
        data = rules.demo_data(year, years.today())
        for account in data.accounts:
            user = find_user(rules.code, account.login)
            if account.stage in ("ready_for_exam", "certified") and rules.exam_policy(year) is not None:
                state = exams.status(user.id, rules.code, year)
                assert state.open or exams.passed_attempt(user.id, rules.code, year), (account.name, state.reasons)
            if account.stage == "certified":
                assert db.session.scalar(select(Certificate.id).where(Certificate.user_id == user.id,
                                                                      Certificate.year == year)) is not None
        waiting = db.session.scalar(select(func.count()).select_from(OffsetApplication).where(
            OffsetApplication.region == rules.code, OffsetApplication.status == "submitted"))
        collected = db.session.scalar(select(func.count()).select_from(LearnerProfile).join(User).where(
            User.region == rules.code, LearnerProfile.collection_status == "submitted"))
        assert waiting + collected >= 1, f"{rules.code}: nothing waits for its reviewer"
