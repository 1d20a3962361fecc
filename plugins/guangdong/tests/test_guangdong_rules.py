"""The Guangdong rulebook against the seed guide (guangdong-2021-learner-guide): one test per
seed number or rule, so changing any of them fails a test."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from hookspecs import KINDS, PROFESSIONAL, PUBLIC, DemoAccount, LearnerFacts, LearnerYear

from cpe_guangdong import content, demo, rules

SH = ZoneInfo("Asia/Shanghai")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def learner(**changes: object) -> LearnerFacts:
    """A Guangzhou accountant, qualified 初级 in 2015, collected in Guangdong."""
    base = LearnerFacts(
        learner_id=1,
        region="guangdong",
        name="陈家明",
        id_number="440106199003151231",
        qualification_level="初级",
        qualified_year=2015,
        collection_region="guangdong",
        collection_area="广州市天河区",
    )
    return dataclasses.replace(base, **changes)


def record(**changes: object) -> LearnerYear:
    base = LearnerYear(
        learner_id=1,
        region="guangdong",
        year=2021,
        name="陈家明",
        id_number="440106199003151231",
        credits={PROFESSIONAL: 60, PUBLIC: 30},
        total=90,
        complete=True,
        exam_score=80,
        study_minutes=1500,
    )
    return dataclasses.replace(base, **changes)


# --- Requirements (温馨提示) -----------------------------------------------------------------


def test_2021_requires_90_credits_in_total() -> None:
    assert rules.TOTAL_CREDITS == 90
    assert rules.year_requirements(2021).total == 90


def test_2021_requires_at_least_30_public_and_60_professional_credits() -> None:
    assert rules.year_requirements(2021).minimums == {PUBLIC: 30, PROFESSIONAL: 60}


def test_2021_year_runs_the_calendar_year_to_the_12_31_deadline() -> None:
    req = rules.year_requirements(2021)
    assert (req.period_start, req.period_end) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))


def test_missed_year_cannot_be_made_up_later() -> None:
    assert rules.ALLOWS_MAKEUP is False
    assert rules.year_requirements(2021).makeup_deadline is None


def test_requirements_are_counted_in_credits_for_guangdong() -> None:
    req = rules.year_requirements(2024)
    assert (req.region, req.year, req.unit) == ("guangdong", 2024, "credit")


# --- Eligibility (注册 / 信息采集) -----------------------------------------------------------


def test_guangzhou_accountant_with_a_qualification_may_study() -> None:
    result = rules.check_eligibility(learner(), 2021)
    assert result.allowed
    assert [reason.code for reason in result.reasons] == ["eligible"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"collection_region": None}, "not_collected_here"),
        ({"collection_region": "chaoyang"}, "not_collected_here"),
        ({"collection_area": "深圳市南山区"}, "shenzhen_excluded"),
        ({"collection_area": "深圳市"}, "shenzhen_excluded"),
        ({"qualification_level": None, "qualified_year": None}, "no_qualification"),
        ({"qualification_level": "会计从业资格", "qualified_year": 2010}, "no_qualification"),
        ({"qualified_year": 2021}, "obligation_not_started"),
        ({"qualified_year": None, "qualification_level": None, "work_start_year": 2021}, "obligation_not_started"),
    ],
)
def test_learner_is_refused_with_a_stable_reason_code(changes: dict[str, object], code: str) -> None:
    result = rules.check_eligibility(learner(**changes), 2021)
    assert not result.allowed
    assert [reason.code for reason in result.reasons] == [code]
    assert re.search(r"[\u4e00-\u9fff]", result.reasons[0].message)


def test_collection_outside_guangdong_is_refused_before_the_shenzhen_check() -> None:
    result = rules.check_eligibility(learner(collection_region="liaoning", collection_area="深圳市"), 2021)
    assert result.reasons[0].code == "not_collected_here"


@pytest.mark.parametrize("level", ["初级", "中级", "高级", "正高级", "中级会计师", "初级会计专业技术资格"])
def test_every_accounting_qualification_level_is_recognised(level: str) -> None:
    assert rules.check_eligibility(learner(qualification_level=level), 2021).allowed


def test_accountant_without_qualification_may_study_when_working_in_accounting() -> None:
    facts = learner(qualification_level=None, qualified_year=None, work_start_year=2018)
    assert rules.check_eligibility(facts, 2021).allowed


@pytest.mark.parametrize(("start_year", "year", "allowed"), [(2020, 2020, False), (2020, 2021, True)])
def test_obligation_starts_the_year_after_qualifying(start_year: int, year: int, allowed: bool) -> None:
    assert rules.check_eligibility(learner(qualified_year=start_year), year).allowed is allowed


def test_obligation_starts_after_the_earlier_of_work_and_qualification() -> None:
    facts = learner(qualified_year=2023, work_start_year=2016)
    assert rules.obligation_start_year(facts) == 2017
    assert rules.check_eligibility(facts, 2021).allowed


def test_obligation_message_names_the_first_year_to_study() -> None:
    reason = rules.check_eligibility(learner(qualified_year=2021), 2021).reasons[0]
    assert "2022年度" in reason.message


# --- Purchase (网上报名) -----------------------------------------------------------------------


def test_public_course_package_is_free_and_worth_30_credits() -> None:
    assert (rules.PUBLIC_PRICE_FEN, rules.PUBLIC_CREDITS) == (0, 30)


def test_professional_course_package_costs_90_yuan_for_60_credits() -> None:
    assert (rules.PROFESSIONAL_PRICE_FEN, rules.PROFESSIONAL_CREDITS) == (9000, 60)


def test_the_two_packages_together_make_the_year() -> None:
    assert rules.PUBLIC_CREDITS + rules.PROFESSIONAL_CREDITS == rules.TOTAL_CREDITS


@pytest.mark.parametrize(
    ("mode", "description", "price"),
    [
        ("public", "2021年度公需课（30学分）", 0),
        ("professional", "2021年度专业课（60学分）", 9000),
    ],
)
def test_quote_charges_one_line_per_year_type(mode: str, description: str, price: int) -> None:
    quote = rules.quote(2021, mode)
    assert quote is not None
    assert [(line.description, line.quantity, line.unit_price_fen) for line in quote.lines] == [
        (description, 1, price)
    ]
    assert quote.total_fen == price
    assert quote.mode == mode
    assert not quote.locks_courses


@pytest.mark.parametrize(("mode", "kind"), [("public", PUBLIC), ("professional", PROFESSIONAL)])
def test_each_package_opens_the_courses_of_its_own_kind_only(mode: str, kind: str) -> None:
    # The free public package must never open the ¥90 professional courses.
    (line,) = rules.quote(2021, mode).lines
    assert (line.opens_year, line.opens_kind) == (False, kind)


def test_quote_refuses_a_mode_guangdong_does_not_sell() -> None:
    assert rules.quote(2021, "annual") is None


def test_purchase_modes_offer_public_then_professional_to_an_eligible_learner() -> None:
    modes = rules.purchase_modes(learner(), 2021)
    assert [(mode.code, mode.available, mode.locks_courses) for mode in modes] == [
        ("public", True, False),
        ("professional", True, False),
    ]


def test_purchase_modes_are_closed_to_a_shenzhen_learner_with_the_reason() -> None:
    modes = rules.purchase_modes(learner(collection_area="深圳市南山区"), 2021)
    assert all(not mode.available for mode in modes)
    assert {mode.reason.code for mode in modes if mode.reason} == {"shenzhen_excluded"}


# --- Offsets -----------------------------------------------------------------------------------


def test_guangdong_accepts_no_offsets() -> None:
    assert rules.offset_types(2021) == []


# --- Exam (网上考试) ---------------------------------------------------------------------------


def test_exam_is_only_for_public_courses_after_30_public_credits() -> None:
    policy = rules.exam_policy(2021)
    assert policy.required_by_kind == {PUBLIC: 30}
    assert policy.required_total == 0
    assert policy.question_source == "public_courses"


def test_exam_needs_1393_minutes_of_study() -> None:
    assert rules.EXAM_MIN_STUDY_MINUTES == 1393
    assert rules.exam_policy(2021).min_study_minutes == 1393


def test_exam_passes_at_60_points() -> None:
    assert rules.exam_policy(2021).pass_mark == 60


def test_2021_exam_opens_06_01_and_closes_at_the_end_of_12_31_shanghai_time() -> None:
    policy = rules.exam_policy(2021)
    assert policy.opens_at == dt.datetime(2021, 6, 1, 0, 0, tzinfo=SH)
    assert policy.closes_at == dt.datetime(2021, 12, 31, 23, 59, 59, tzinfo=SH)
    assert policy.opens_at.utcoffset() == dt.timedelta(hours=8)


def test_exam_paper_is_10_single_and_10_true_false_of_5_points_in_60_minutes() -> None:
    policy = rules.exam_policy(2021)
    assert [(s.question_type, s.count, s.points) for s in policy.sections] == [
        ("single", 10, 5),
        ("truefalse", 10, 5),
    ]
    assert policy.full_marks == 100
    assert policy.time_limit_minutes == 60


def test_exam_allows_three_attempts() -> None:
    assert rules.EXAM_MAX_ATTEMPTS == 3
    assert rules.exam_policy(2021).max_attempts == 3


def test_exam_does_not_count_offsets() -> None:
    assert rules.exam_policy(2021).counts_offsets is False


# --- Credit export (继续教育查询) -------------------------------------------------------------


def test_export_columns_follow_the_provincial_record() -> None:
    assert rules.credit_export(2021).columns == (
        "姓名",
        "身份证号",
        "年度",
        "继续教育类型",
        "专业科目学分",
        "公需科目学分",
        "公需考试成绩",
        "学习时长（分钟）",
    )


def test_export_row_lists_credits_by_kind_in_column_order() -> None:
    row = rules.credit_export(2021).row(record())
    assert row == ("陈家明", "440106199003151231", 2021, "网络培训", 60, 30, 80, 1500)


def test_export_row_leaves_the_score_empty_before_the_exam() -> None:
    row = rules.export_row(record(exam_score=None, credits={PROFESSIONAL: 20}))
    assert row[4:7] == (20, 0, "")


def test_export_supports_files_and_a_push_to_the_province() -> None:
    export = rules.credit_export(2021)
    assert export.formats == ("csv", "xlsx", "push")
    assert export.push_url_setting == "CPE_GUANGDONG_PUSH_URL"


@pytest.mark.parametrize(
    ("minutes", "score", "ready"),
    [
        (1440, 60, True),
        (2000, 100, True),
        (1439, 60, False),
        (1440, 59, False),
        (1440, None, False),
        (0, 90, False),
    ],
)
def test_record_is_pushed_only_after_1440_minutes_and_a_score_of_60(
    minutes: int, score: int | None, ready: bool
) -> None:
    assert (rules.PUSH_MIN_STUDY_MINUTES, rules.PUSH_MIN_SCORE) == (1440, 60)
    assert rules.push_ready(record(study_minutes=minutes, exam_score=score)) is ready


def test_record_statuses_run_from_returned_to_pushed() -> None:
    assert rules.RECORD_STATUSES == (
        ("returned", "已回传"),
        ("reviewed", "已审核"),
        ("completed", "已完成"),
        ("pushed", "回传成功"),
    )


# --- Invoices (我的订单) ----------------------------------------------------------------------


def test_invoice_may_be_requested_for_one_month_and_is_emailed_within_7_working_days() -> None:
    assert rules.INVOICE_REQUEST_WINDOW_MONTHS == 1
    assert rules.INVOICE_EMAIL_WORKING_DAYS == 7


@pytest.mark.parametrize(
    ("purchased", "deadline"),
    [
        (dt.date(2021, 6, 21), dt.date(2021, 7, 21)),
        (dt.date(2021, 12, 15), dt.date(2022, 1, 15)),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29)),
        (dt.date(2023, 1, 31), dt.date(2023, 2, 28)),
    ],
)
def test_invoice_request_deadline_is_one_month_after_purchase(purchased: dt.date, deadline: dt.date) -> None:
    assert rules.invoice_request_deadline(purchased) == deadline


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        (dt.date(2024, 3, 4), dt.date(2024, 3, 13)),  # Monday -> Wednesday of the next week
        (dt.date(2024, 3, 8), dt.date(2024, 3, 19)),  # Friday: both weekends skipped
        (dt.date(2024, 3, 9), dt.date(2024, 3, 19)),  # Saturday counts from Monday
    ],
)
def test_invoice_email_is_due_7_working_days_after_the_request(requested: dt.date, due: dt.date) -> None:
    assert rules.invoice_email_due(requested) == due


# --- Site content ------------------------------------------------------------------------------


def test_region_info_names_guangdong_without_shenzhen() -> None:
    info = content.region_info()
    assert (info.code, info.name, info.authority) == ("guangdong", "广东省会计人员继续教育", "广东省财政厅（不含深圳）")
    assert (info.unit, info.login_field, info.current_year) == ("credit", "id_number", 2024)


def test_branding_is_teal_and_gold_with_an_inline_svg_logo() -> None:
    branding = content.region_info().branding
    assert re.fullmatch(r"#[0-9a-f]{6}", branding.primary_color)
    assert re.fullmatch(r"#[0-9a-f]{6}", branding.accent_color)
    assert branding.logo_svg.startswith("<svg") and branding.logo_svg.rstrip().endswith("</svg>")
    assert 'xmlns="http://www.w3.org/2000/svg"' in branding.logo_svg


def test_site_has_three_or_four_notices_with_unique_slugs_and_five_or_six_faq() -> None:
    info = content.region_info()
    assert 3 <= len(info.notices) <= 4
    assert len({notice.slug for notice in info.notices}) == len(info.notices)
    assert all(notice.published.year == info.current_year for notice in info.notices)
    assert 5 <= len(info.faq) <= 6


def test_programme_notice_states_the_current_rules() -> None:
    body = next(n.body for n in content.notices(2024) if n.slug == "2024-programme")
    for text in ("不少于90学分", "不少于30学分", "不少于60学分", "90元", "2024年12月31日", "不含深圳市"):
        assert text in body


def test_exam_notice_states_the_window_and_study_time() -> None:
    body = next(n.body for n in content.notices(2024) if n.slug == "2024-public-exam")
    for text in ("2024年6月1日", "2024年12月31日", "1393分钟", "60分为合格", "3次"):
        assert text in body


# --- Demo data ---------------------------------------------------------------------------------


def gb11643_valid(number: str) -> bool:
    """An independent GB 11643 check: 17 digits, a real birth date, the right check character."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], ID_WEIGHTS))
    return number[17] == "10X98765432"[total % 11]


def learners() -> list[DemoAccount]:
    return [account for account in demo.ACCOUNTS if account.role == "learner"]


def test_demo_learner_logins_are_valid_id_numbers() -> None:
    assert learners()
    assert all(gb11643_valid(account.login) for account in learners())


def test_demo_id_checker_rejects_a_wrong_check_digit() -> None:
    assert not gb11643_valid("440106199003151232")


def test_demo_has_guangzhou_learners_and_one_shenzhen_learner() -> None:
    guangzhou = [a for a in learners() if a.login.startswith("4401")]
    shenzhen = [a for a in learners() if a.login.startswith("4403")]
    assert len(guangzhou) == 5 and all(a.collection_area.startswith("广州市") for a in guangzhou)
    assert {a.stage for a in guangzhou} == {"new", "paid", "ready_for_exam", "certified"}
    assert [a.name for a in guangzhou if a.collection_status == "submitted"] == ["林小慧"]
    assert len(shenzhen) == 1 and shenzhen[0].collection_area == "深圳市南山区"


def test_demo_shenzhen_learner_is_refused_and_guangzhou_learners_are_allowed() -> None:
    for account in learners():
        facts = LearnerFacts(
            learner_id=1,
            region="guangdong",
            id_number=account.login,
            qualification_level=account.qualification_level,
            qualified_year=account.qualified_year,
            collection_region=account.collection_region,
            collection_area=account.collection_area,
        )
        result = rules.check_eligibility(facts, 2026)
        assert result.allowed is not account.login.startswith("4403")


def test_demo_has_one_reviewer_and_one_admin_with_staff_logins() -> None:
    staff = {account.role: account.login for account in demo.ACCOUNTS if account.role != "learner"}
    assert staff == {"reviewer": "gd-reviewer", "admin": "gd-admin"}


def test_demo_courses_add_up_past_every_requirement() -> None:
    req = rules.year_requirements(2026)
    by_kind = {kind: sum(c.credits for c in demo.COURSES if c.kind == kind) for kind in KINDS}
    assert by_kind[PUBLIC] > req.minimums[PUBLIC]
    assert by_kind[PROFESSIONAL] > req.minimums[PROFESSIONAL]
    assert sum(by_kind.values()) > req.total


def test_the_required_public_credits_hold_the_exams_study_minutes() -> None:
    # The exam asks 1,393 minutes and the push 1,440: 30 public credits of lectures hold both.
    public = [c for c in demo.courses(2026) if c.kind == PUBLIC]
    per_credit = {sum(ch.duration_seconds for ch in c.chapters) / 60 / c.credits for c in public}
    assert per_credit == {demo.PUBLIC_MINUTES_PER_CREDIT}
    assert rules.MIN_PUBLIC_CREDITS * demo.PUBLIC_MINUTES_PER_CREDIT >= rules.PUSH_MIN_STUDY_MINUTES
    assert rules.PUSH_MIN_STUDY_MINUTES >= rules.EXAM_MIN_STUDY_MINUTES


def test_any_public_courses_making_the_30_credits_hold_a_full_exam_paper() -> None:
    from itertools import combinations

    public = [c for c in demo.courses(2026) if c.kind == PUBLIC]
    for size in range(1, len(public) + 1):
        for chosen in combinations(public, size):
            if sum(c.credits for c in chosen) < rules.MIN_PUBLIC_CREDITS:
                continue
            questions = [q for c in chosen for ch in c.chapters for q in ch.questions]
            for kind in ("single", "truefalse"):
                assert sum(q.question_type == kind for q in questions) >= rules.EXAM_SINGLE_COUNT, chosen


def test_before_june_the_demo_opens_the_public_exam_on_the_years_first_day() -> None:
    early = demo.demo_data(2027, dt.date(2027, 1, 10))
    assert early.year_settings == {"exam_opens": dt.datetime(2027, 1, 1, tzinfo=rules.TZ)}
    assert demo.demo_data(2026, dt.date(2026, 12, 3)).year_settings == {}


def test_demo_has_six_to_ten_courses_with_unique_codes_at_a_listed_school() -> None:
    names = {institution.name for institution in demo.INSTITUTIONS}
    assert 6 <= len(demo.COURSES) <= 10
    assert len({course.code for course in demo.COURSES}) == len(demo.COURSES)
    assert all(course.institution in names for course in demo.COURSES)
    assert "源和大成教育" in names


def test_demo_includes_the_seed_courses() -> None:
    titles = {course.title: course.kind for course in demo.COURSES}
    assert titles["科技创新现状与发展趋势"] == PUBLIC
    assert titles["小企业会计准则"] == PROFESSIONAL


def test_demo_chapters_are_short_clips_with_one_single_and_one_true_false_question() -> None:
    for course in demo.COURSES:
        assert 2 <= len(course.chapters) <= 3, course.code
        for chapter in course.chapters:
            assert 60 <= chapter.duration_seconds <= 180, chapter.title
            assert sorted(q.question_type for q in chapter.questions) == ["single", "truefalse"]


def test_demo_questions_have_a_valid_answer_and_an_explanation() -> None:
    for course in demo.COURSES:
        for chapter in course.chapters:
            for question in chapter.questions:
                assert 0 <= question.answer < len(question.options), question.text
                assert question.explanation, question.text
                if question.question_type == "truefalse":
                    assert question.options == ("正确", "错误")
                else:
                    assert len(question.options) == 4


def test_pushed_records_follow_the_seeds_four_statuses_with_configurable_receiver() -> None:
    # guangdong-2021-learner-guide 继续教育查询: 远程机构 已回传, 财政管理机构 已审核, 完成状态 已完成,
    # 省专业技术人员继续教育平台 回传成功.
    export = rules.credit_export(2021)
    assert [label for _code, label in export.push_statuses] == ["已回传", "已审核", "已完成", "回传成功"]
    assert (export.push_url_setting, export.push_token_setting) == (
        "CPE_GUANGDONG_PUSH_URL",
        "CPE_GUANGDONG_PUSH_TOKEN",
    )


def test_learning_resources_list_the_schools_and_a_face_to_face_provider_in_the_guides_tabs() -> None:
    resources = rules.learning_resources(2024)
    distance = [p for p in resources.providers if p.mode == "distance"]
    assert [p.name for p in distance] == list(rules.INSTITUTIONS)
    assert {p.area for p in resources.providers} == {"广州市"}
    assert distance[0].phone == "4008087802"  # 源和大成教育's line in the guide's list
    assert [p.mode for p in resources.providers].count("face_to_face") == 1
    assert resources.kind_label("professional") == "专业课" and resources.kind_label("public") == "公需课"


def test_the_invoice_delivery_promise_is_seven_working_days() -> None:
    promised = rules.invoice_delivery(dt.date(2024, 6, 14))  # a Friday
    assert promised.due == dt.date(2024, 6, 25)  # Mon 17 .. Tue 25: seven weekdays
    assert "7个工作日" in promised.promise
