"""One test per seed number and rule of Chaoyang (朝财〔2024〕6号 and the 2021 training flow)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cpe_chaoyang import rules
from hookspecs import PROFESSIONAL, PUBLIC, Cart, CartItem, LearnerFacts, LearnerYear

SHANGHAI = ZoneInfo("Asia/Shanghai")


def learner(**facts: object) -> LearnerFacts:
    """A learner collected in Chaoyang, qualified in 2019, unless ``facts`` say otherwise."""
    defaults: dict[str, object] = {
        "learner_id": 1,
        "region": "chaoyang",
        "collection_region": "chaoyang",
        "collection_area": "朝阳市双塔区",
        "qualified_year": 2019,
    }
    defaults.update(facts)
    return LearnerFacts(**defaults)  # type: ignore[arg-type]


# --- 学习时间 ---------------------------------------------------------------------------------


def test_2024_year_runs_from_february_2024_to_january_2025() -> None:
    assert rules.programme_period(2024) == (dt.date(2024, 2, 1), dt.date(2025, 1, 31))


@pytest.mark.parametrize(
    ("year", "start", "end"),
    [
        (2021, dt.date(2021, 2, 1), dt.date(2022, 1, 31)),
        (2023, dt.date(2023, 2, 1), dt.date(2024, 1, 31)),
        (2025, dt.date(2025, 2, 1), dt.date(2026, 1, 31)),
        (2027, dt.date(2027, 2, 1), dt.date(2028, 1, 31)),
    ],
)
def test_every_year_runs_from_february_first_to_january_thirty_first(
    year: int, start: dt.date, end: dt.date
) -> None:
    assert rules.programme_period(year) == (start, end)


def test_consecutive_years_neither_overlap_nor_leave_a_gap() -> None:
    _, end_2024 = rules.programme_period(2024)
    start_2025, _ = rules.programme_period(2025)
    assert start_2025 - end_2024 == dt.timedelta(days=1)


def test_missed_2023_must_be_made_up_by_the_end_of_2024() -> None:
    requirements = rules.year_requirements(2024)
    assert requirements is not None
    assert requirements.makeup_deadline == dt.date(2024, 12, 31)


def test_years_before_the_platform_are_not_offered() -> None:
    assert rules.FIRST_PROGRAMME_YEAR == 2021
    assert rules.year_requirements(2020) is None
    assert rules.year_requirements(2021) is not None


# --- 学分管理 ---------------------------------------------------------------------------------


def test_year_requires_90_credits() -> None:
    requirements = rules.year_requirements(2024)
    assert requirements is not None
    assert requirements.total == 90
    assert requirements.unit == "credit"


def test_year_requires_at_least_60_professional_credits() -> None:
    requirements = rules.year_requirements(2024)
    assert requirements is not None
    assert requirements.minimums[PROFESSIONAL] == 60


def test_public_subjects_have_no_minimum_of_their_own_from_the_2024_notice() -> None:
    for year in (2024, 2026):
        requirements = rules.year_requirements(year)
        assert requirements is not None
        assert PUBLIC not in requirements.minimums


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_the_2021_flow_asked_60_professional_and_30_public_credits(year: int) -> None:
    """"本课程一共最低学满90学分，专业课最低60学分和公需课30学分" (2021 training flow), until the 2024
    notice dropped the public minimum; the exam asks the year's own minimums."""
    requirements = rules.year_requirements(year)
    assert (requirements.total, dict(requirements.minimums)) == (90, {PROFESSIONAL: 60, PUBLIC: 30})
    assert dict(rules.exam_policy(year).required_by_kind) == {PROFESSIONAL: 60, PUBLIC: 30}


# --- 继续教育对象 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "year", "code"),
    [
        ({"collection_region": None}, 2024, "not_collected"),
        ({"collection_region": ""}, 2024, "not_collected"),
        ({"collection_region": "liaoning-shenyang"}, 2024, "collected_elsewhere"),
        ({"collection_region": "guangdong"}, 2024, "collected_elsewhere"),
        ({"qualified_year": 2024}, 2024, "obligation_not_started"),
        ({"qualified_year": 2023}, 2024, "eligible"),
        ({"qualified_year": None, "work_start_year": 2024}, 2024, "obligation_not_started"),
        ({"qualified_year": None, "work_start_year": 2023}, 2024, "eligible"),
        ({"qualified_year": None, "work_start_year": None}, 2024, "eligible"),
        ({"collection_area": "朝阳市凌源市"}, 2024, "eligible"),
        # Handed over from the Liaoning hub: its collection area decides.
        ({"collection_region": "liaoning", "collection_area": "朝阳市双塔区"}, 2024, "eligible"),
        ({"collection_region": "liaoning", "collection_area": "沈阳市和平区"}, 2024, "collected_elsewhere"),
        ({"collection_region": "liaoning", "collection_area": None}, 2024, "collected_elsewhere"),
    ],
)
def test_eligibility_table(facts: dict[str, object], year: int, code: str) -> None:
    answer = rules.check_eligibility(learner(**facts), year)
    assert [reason.code for reason in answer.reasons] == [code]
    assert answer.allowed is (code == "eligible")


def test_qualification_year_names_the_start_when_it_is_the_earlier_date() -> None:
    answer = rules.check_eligibility(learner(qualified_year=2024, work_start_year=2024), 2024)
    assert answer.reasons[0].code == "obligation_not_started"
    assert "2024年取得会计专业技术资格" in answer.reasons[0].message
    assert "2025年度起" in answer.reasons[0].message


def test_collected_elsewhere_message_names_chaoyang_and_the_liaoning_platform() -> None:
    answer = rules.check_eligibility(learner(collection_region="dalian"), 2024)
    assert "朝阳市" in answer.reasons[0].message
    assert "辽宁省会计管理综合服务平台" in answer.reasons[0].message


def test_not_collected_is_reported_before_anything_else() -> None:
    answer = rules.check_eligibility(learner(collection_region=None, qualified_year=2024), 2024)
    assert [reason.code for reason in answer.reasons] == ["not_collected"]


# --- 缴费 -----------------------------------------------------------------------------------


def test_one_credit_costs_one_yuan() -> None:
    assert rules.PRICE_PER_CREDIT_FEN == 100


def test_annual_purchase_costs_90_yuan() -> None:
    quote = rules.quote(Cart("chaoyang", 2024, "annual", learner()))
    assert quote is not None
    assert [(line.quantity, line.unit_price_fen) for line in quote.lines] == [(90, 100)]
    assert quote.total_fen == 9000
    assert quote.locks_courses is False


def test_credit_purchase_charges_each_selected_course_by_its_credits() -> None:
    items = (CartItem("CY2024-P01", "政府会计准则制度解读", PROFESSIONAL, 20),
             CartItem("CY2024-G01", "会计职业道德", PUBLIC, 10))
    quote = rules.quote(Cart("chaoyang", 2024, "credit", learner(offset_credits={PROFESSIONAL: 60}), items))
    assert quote is not None
    assert [(line.sku, line.quantity, line.unit_price_fen, line.amount_fen) for line in quote.lines] == [
        ("CY2024-P01", 20, 100, 2000),
        ("CY2024-G01", 10, 100, 1000),
    ]
    assert quote.total_fen == 3000


def test_annual_purchase_opens_every_course_of_the_year() -> None:
    (line,) = rules.quote(Cart("chaoyang", 2024, "annual", learner())).lines
    assert (line.opens_year, line.opens_kind) == (True, None)


def test_credit_purchase_opens_only_the_courses_it_charges_for() -> None:
    items = (CartItem("CY2024-P01", "政府会计准则制度解读", PROFESSIONAL, 20),)
    (line,) = rules.quote(Cart("chaoyang", 2024, "credit", learner(offset_credits={PROFESSIONAL: 60}), items)).lines
    # The course's own sku, nothing wider: QuoteLine's default opens that course alone.
    assert (line.sku, line.opens_year, line.opens_kind) == ("CY2024-P01", False, None)


def test_credit_purchase_locks_selected_courses() -> None:
    items = (CartItem("CY2024-P05", "新租赁准则要点", PROFESSIONAL, 10),)
    quote = rules.quote(Cart("chaoyang", 2024, "credit", learner(offset_credits={PROFESSIONAL: 30}), items))
    assert quote is not None and quote.locks_courses is True


def test_credit_purchase_without_courses_cannot_be_sold() -> None:
    with pytest.raises(ValueError, match="^请先选择要购买学分的课程$"):
        rules.quote(Cart("chaoyang", 2024, "credit", learner(offset_credits={PROFESSIONAL: 30})))


def test_unknown_purchase_mode_is_not_priced() -> None:
    assert rules.quote(Cart("chaoyang", 2024, "professional_package", learner())) is None


@pytest.mark.parametrize(
    ("offsets", "annual", "credit"),
    [
        ({}, True, False),
        ({PROFESSIONAL: 0}, True, False),
        ({PROFESSIONAL: 30}, False, True),
        ({PROFESSIONAL: 90}, False, True),
    ],
)
def test_offsets_decide_which_purchase_mode_is_open(
    offsets: dict[str, int], annual: bool, credit: bool
) -> None:
    modes = {mode.code: mode for mode in rules.purchase_modes(learner(offset_credits=offsets), 2024)}
    assert (modes["annual"].available, modes["credit"].available) == (annual, credit)


def test_closed_purchase_modes_say_why() -> None:
    without = {m.code: m for m in rules.purchase_modes(learner(), 2024)}
    with_offsets = {m.code: m for m in rules.purchase_modes(learner(offset_credits={PROFESSIONAL: 30}), 2024)}
    assert without["credit"].reason is not None and without["credit"].reason.code == "no_offsets"
    assert with_offsets["annual"].reason is not None and with_offsets["annual"].reason.code == "has_offsets"
    assert without["annual"].reason is None and with_offsets["credit"].reason is None


def test_purchase_modes_are_annual_then_credit_and_only_credit_locks_courses() -> None:
    modes = rules.purchase_modes(learner(), 2024)
    assert [(m.code, m.name, m.locks_courses) for m in modes] == [
        ("annual", "年度购买", False),
        ("credit", "学分购买", True),
    ]


# --- 视同培训 -------------------------------------------------------------------------------


def test_seven_offset_kinds_in_the_notices_order() -> None:
    assert [t.code for t in rules.OFFSET_TYPES] == [
        "exam", "degree", "research", "paper", "book", "training", "contest",
    ]


@pytest.mark.parametrize(
    ("kind", "role", "credits"),
    [
        ("exam", "passed", 90),
        ("degree", "course_passed", 90),
        ("research", "alone", 90),
        ("research", "leader", 90),
        ("research", "member", 60),
        ("paper", "alone", 30),
        ("paper", "first_author", 30),
        ("paper", "other_author", 10),
        ("book", "alone", 90),
        ("book", "first_author", 90),
        ("book", "other_author", 60),
        ("training", "participant", 30),
        ("contest", "participant", 90),
    ],
)
def test_offset_role_values(kind: str, role: str, credits: int) -> None:
    offset = {t.code: t for t in rules.OFFSET_TYPES}[kind]
    assert offset.credits_for(role) == credits


@pytest.mark.parametrize(("days", "credits"), [(1, 30), (2, 60), (3, 90)])
def test_training_earns_30_credits_per_day(days: int, credits: int) -> None:
    assert rules.TRAINING_OFFSET.role("participant").per_unit == "day"
    assert rules.TRAINING_OFFSET.credits_for("participant", days) == credits


def test_training_claims_stop_at_the_days_that_fill_the_year() -> None:
    assert rules.TRAINING_MAX_DAYS == 3
    with pytest.raises(ValueError):
        rules.TRAINING_OFFSET.credits_for("participant", 4)


def test_only_the_exam_offset_is_registered_without_an_application() -> None:
    assert {t.code: t.needs_application for t in rules.OFFSET_TYPES} == {
        "exam": False, "degree": True, "research": True, "paper": True,
        "book": True, "training": True, "contest": True,
    }


def test_offsets_count_as_professional_credits() -> None:
    assert {t.kind for t in rules.OFFSET_TYPES} == {PROFESSIONAL}


def test_evidence_is_at_most_three_images_uploaded_again_on_every_edit() -> None:
    for offset in rules.OFFSET_TYPES:
        assert offset.evidence.max_files == 3
        assert set(offset.evidence.content_types) == {"image/jpeg", "image/png"}
        assert offset.evidence.reupload_on_edit is True


def test_paper_form_asks_for_the_journals_cn_number() -> None:
    types = {f.name: f.type for f in rules.PAPER_OFFSET.fields}
    assert types["cn_number"] == "cn_number"


def test_training_form_asks_for_the_number_of_days() -> None:
    types = {f.name: f.type for f in rules.TRAINING_OFFSET.fields}
    assert types["days"] == "int"


# --- 在线考试 -------------------------------------------------------------------------------


def test_exam_is_five_single_choice_and_five_true_false_at_ten_points() -> None:
    policy = rules.exam_policy(2024)
    assert policy is not None
    assert [(s.question_type, s.count, s.points) for s in policy.sections] == [
        ("single", 5, 10), ("truefalse", 5, 10),
    ]
    assert policy.full_marks == 100


def test_exam_lasts_60_minutes_and_passes_at_60() -> None:
    policy = rules.exam_policy(2024)
    assert policy is not None
    assert (policy.time_limit_minutes, policy.pass_mark) == (60, 60)


def test_exam_opens_at_90_credits_with_60_professional_offsets_included() -> None:
    policy = rules.exam_policy(2024)
    assert policy is not None
    assert policy.required_total == 90
    assert dict(policy.required_by_kind) == {PROFESSIONAL: 60}
    assert policy.counts_offsets is True


def test_exam_attempts_are_unlimited_by_default() -> None:
    assert rules.EXAM_MAX_ATTEMPTS is None
    policy = rules.exam_policy(2024)
    assert policy is not None and policy.max_attempts is None


def test_exam_draws_on_the_learners_own_courses() -> None:
    policy = rules.exam_policy(2024)
    assert policy is not None and policy.question_source == "own_courses"


def test_exam_window_runs_from_the_years_start_to_its_makeup_deadline_in_shanghai_time() -> None:
    # "须在2024年12月31日前完成上一年度的培训任务": a learner making 2023 up in 2024 sits 2023's exam.
    policy = rules.exam_policy(2024)
    assert policy is not None
    assert policy.opens_at == dt.datetime(2024, 2, 1, 0, 0, tzinfo=SHANGHAI)
    assert policy.closes_at == dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
    assert policy.closes_at.date() == rules.makeup_deadline(2025)
    assert policy.opens_at.utcoffset() == dt.timedelta(hours=8)


def test_year_settings_default_to_the_notices_rules() -> None:
    settings = {setting.key: setting.default for setting in rules.year_settings(2026)}
    assert settings["period_start"] == dt.date(2026, 2, 1)
    assert settings["period_end"] == dt.date(2027, 1, 31)
    assert settings["makeup_deadline"] == dt.date(2026, 12, 31)
    assert settings["price_per_credit"] == 100
    assert settings["exam_max_attempts"] is None


def test_a_years_settings_move_its_period_price_and_exam() -> None:
    settings = {"period_end": dt.date(2027, 2, 28), "price_per_credit": 120, "exam_max_attempts": 3}
    assert rules.year_requirements(2026, settings).period_end == dt.date(2027, 2, 28)
    from hookspecs import Cart, LearnerFacts

    cart = Cart("chaoyang", 2026, rules.ANNUAL, LearnerFacts(learner_id=1, region="chaoyang"))
    assert rules.quote(cart, settings).total_fen == 90 * 120
    assert rules.exam_policy(2026, settings).max_attempts == 3


# --- 学分上报 -------------------------------------------------------------------------------


def test_export_columns_match_the_provincial_import_sheet() -> None:
    assert rules.EXPORT_COLUMNS == (
        "身份证号", "姓名", "年度", "专业科目学分", "公需科目学分", "总学分", "是否完成",
    )


@pytest.mark.parametrize(("complete", "flag"), [(True, "是"), (False, "否")])
def test_export_row_reports_credits_per_kind_and_completion(complete: bool, flag: str) -> None:
    record = LearnerYear(
        learner_id=1, region="chaoyang", year=2024, name="张丽华", id_number="211302198805161828",
        credits={PROFESSIONAL: 60, PUBLIC: 30}, total=90, complete=complete,
    )
    assert rules.export_row(record) == ("211302198805161828", "张丽华", 2024, 60, 30, 90, flag)


def test_export_row_writes_zero_for_a_kind_without_credits() -> None:
    record = LearnerYear(
        learner_id=2, region="chaoyang", year=2024, name="李建国", id_number="21130319910322731X",
        credits={PROFESSIONAL: 90}, total=90, complete=True,
    )
    assert rules.export_row(record)[3:5] == (90, 0)


def test_work_before_qualification_starts_the_obligation_earlier():
    from hookspecs import LearnerFacts

    from cpe_chaoyang.rules import check_eligibility, obligation_start_year

    learner = LearnerFacts(learner_id=1, region="chaoyang", collection_region="chaoyang",
                           qualified_year=2024, work_start_year=2010)
    assert obligation_start_year(learner) == 2011
    assert check_eligibility(learner, 2024).allowed


def test_only_training_is_claimed_by_the_day_and_its_days_field_gives_the_quantity() -> None:
    per_unit = {t.code: t.quantity_field for t in rules.OFFSET_TYPES if any(r.per_unit for r in t.roles)}
    assert per_unit == {"training": "days"}
    days = next(f for f in rules.TRAINING_OFFSET.fields if f.name == "days")
    assert days.type == "int" and days.required


@pytest.mark.parametrize("year, reviewed", [(2021, True), (2023, True), (2024, False), (2026, False)])
def test_credits_are_reviewed_and_merged_before_the_exam_under_the_2021_flow_only(year: int, reviewed: bool) -> None:
    policy = rules.exam_policy(year)
    assert policy.credit_review is reviewed
    assert ("审核、合并" in policy.credit_review_note) is reviewed
