"""The CICPA rulebook: one test per number and rule, so a change to any of them is deliberate."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from hookspecs import PROFESSIONAL, PUBLIC, LearnerYear, OffsetType
from cpe_cicpa import content, demo, rules


# --- The year's requirement -----------------------------------------------------------------

def test_a_year_asks_for_40_hours() -> None:
    assert rules.ANNUAL_HOURS == 40
    assert rules.year_requirements(2024).total == 40


def test_requirements_are_counted_in_hours() -> None:
    assert rules.year_requirements(2024).unit == "hour"


def test_no_subject_kind_has_a_minimum_of_its_own() -> None:
    assert dict(rules.year_requirements(2024).minimums) == {}


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_the_programme_year_is_the_calendar_year(year: int) -> None:
    req = rules.year_requirements(year)
    assert (req.period_start, req.period_end) == (dt.date(year, 1, 1), dt.date(year, 12, 31))


def test_there_is_no_makeup_deadline() -> None:
    assert rules.year_requirements(2024).makeup_deadline is None


# --- Who may study --------------------------------------------------------------------------

def test_member_types_are_practising_then_non_practising_with_their_labels() -> None:
    assert list(rules.MEMBER_TYPES.items()) == [
        ("practising", "注册会计师"),
        ("non_practising", "非执业会员"),
    ]


@pytest.mark.parametrize("member_type", ["practising", "non_practising"])
def test_members_may_study(member_type: str) -> None:
    answer = rules.check_eligibility(member_type)
    assert answer.allowed
    assert rules.MEMBER_TYPES[member_type] in answer.reasons[0].message


@pytest.mark.parametrize("member_type", [None, "", "student", "PRACTISING", "注册会计师"])
def test_non_members_are_refused_as_not_a_member(member_type: str | None) -> None:
    answer = rules.check_eligibility(member_type)
    assert not answer.allowed
    assert [r.code for r in answer.reasons] == ["not_a_member"]
    assert "会员" in answer.reasons[0].message


@pytest.mark.parametrize("value, ok", [
    ("110000010001", True),
    ("310000020002", True),
    ("11000001000", False),     # 11 digits
    ("1100000100011", False),   # 13 digits
    ("11000001000X", False),
    ("１１００００１０００１", False),  # full-width digits
    ("", False),
])
def test_member_numbers_are_12_ascii_digits(value: str, ok: bool) -> None:
    assert rules.is_member_number(value) is ok


# --- Where non-practising members study -----------------------------------------------------

def test_the_three_national_accounting_institutes() -> None:
    assert rules.NATIONAL_INSTITUTES == ("北京国家会计学院", "上海国家会计学院", "厦门国家会计学院")


def test_one_institute_a_year() -> None:
    assert rules.INSTITUTES_PER_YEAR == 1


@pytest.mark.parametrize("member_type, bound", [
    ("non_practising", True),
    ("practising", False),
    (None, False),
])
def test_only_non_practising_members_are_bound_to_one_institute(member_type: str | None, bound: bool) -> None:
    assert rules.must_choose_one_institute(member_type) is bound


@pytest.mark.parametrize("institute, already_chosen, started, allowed", [
    ("上海国家会计学院", None, False, True),                  # first choice of the year
    ("上海国家会计学院", "上海国家会计学院", True, True),       # choosing the same again changes nothing
    ("厦门国家会计学院", "北京国家会计学院", False, True),       # switch before any study
    ("厦门国家会计学院", "北京国家会计学院", True, False),       # no second institute once studying
    ("某某财经大学", None, False, False),                      # not a national accounting institute
])
def test_may_choose_institute(institute: str, already_chosen: str | None, started: bool, allowed: bool) -> None:
    assert rules.may_choose_institute(institute, already_chosen, started) is allowed


# --- Hour applications ----------------------------------------------------------------------

def test_hour_applications_are_input_output_and_exemption_in_that_order() -> None:
    types = rules.offset_types()
    assert [(t.code, t.label) for t in types] == [
        ("input", "投入式学时"), ("output", "产出式学时"), ("exemption", "豁免学时"),
    ]


def test_every_hour_application_counts_as_professional_and_needs_an_application() -> None:
    assert {(t.kind, t.needs_application) for t in rules.offset_types()} == {(PROFESSIONAL, True)}


def _fields(offset_type: OffsetType) -> list[tuple[str, str, bool]]:
    return [(f.name, f.type, f.required) for f in offset_type.fields]


def test_input_hours_ask_for_host_unit_route_hours_and_note() -> None:
    t = rules.input_hours()
    assert _fields(t) == [
        ("host_unit", "text", True), ("route", "choice", True), ("hours", "int", True), ("note", "text", False),
    ]
    assert [f.label for f in t.fields] == ["主办单位", "学时途径", "申请学时数", "备注"]


def test_output_hours_ask_for_route_hours_and_note() -> None:
    assert _fields(rules.output_hours()) == [
        ("route", "choice", True), ("hours", "int", True), ("note", "text", False),
    ]


def test_exemption_asks_for_condition_and_note() -> None:
    assert _fields(rules.exemption_hours()) == [("condition", "choice", True), ("note", "text", False)]


@pytest.mark.parametrize("factory, choices", [
    (rules.input_hours, rules.INPUT_ROUTES),
    (rules.output_hours, rules.OUTPUT_ROUTES),
    (rules.exemption_hours, rules.EXEMPTION_CONDITIONS),
])
def test_choice_fields_offer_the_rulebook_lists(factory: Callable[[], OffsetType], choices: tuple[str, ...]) -> None:
    (choice_field,) = [f for f in factory().fields if f.type == "choice"]
    assert choice_field.choices == choices


@pytest.mark.parametrize("choices, expected", [
    (rules.INPUT_ROUTES, {"参加培训班", "授课"}),
    (rules.OUTPUT_ROUTES, {"发表专业论文", "出版专业著作", "承担研究课题"}),
    (rules.EXEMPTION_CONDITIONS, {"生育（产假）", "出国（境）学习或工作"}),
])
def test_choice_lists_include_the_usual_routes_and_end_with_other(choices: tuple[str, ...], expected: set[str]) -> None:
    assert expected <= set(choices)
    assert choices[-1].startswith("其他")


def test_one_application_claims_at_most_40_hours() -> None:
    assert (rules.INPUT_MAX_HOURS, rules.OUTPUT_MAX_HOURS) == (40, 40)
    assert rules.input_hours().max_quantity == 40
    assert rules.output_hours().max_quantity == 40


@pytest.mark.parametrize("factory", [rules.input_hours, rules.output_hours])
@pytest.mark.parametrize("hours", [1, 8, 40])
def test_claimed_hours_are_worth_one_hour_each(factory: Callable[[], OffsetType], hours: int) -> None:
    assert factory().credits_for("hours", hours) == hours


@pytest.mark.parametrize("factory", [rules.input_hours, rules.output_hours])
def test_claiming_more_than_the_cap_is_refused(factory: Callable[[], OffsetType]) -> None:
    with pytest.raises(ValueError):
        factory().credits_for("hours", 41)


def test_a_confirmed_exemption_covers_the_whole_year() -> None:
    assert rules.exemption_hours().credits_for("exempt") == rules.ANNUAL_HOURS == 40


@pytest.mark.parametrize("factory", [rules.input_hours, rules.output_hours, rules.exemption_hours])
def test_evidence_is_one_to_three_pdf_or_image_files_kept_on_edit(factory: Callable[[], OffsetType]) -> None:
    evidence = factory().evidence
    assert (evidence.min_files, evidence.max_files) == (1, 3)
    assert evidence.content_types == ("application/pdf", "image/jpeg", "image/png")
    assert evidence.reupload_on_edit is False


def test_application_statuses_and_their_labels() -> None:
    assert list(rules.APPLICATION_STATUSES.items()) == [
        ("submitted", "未确认"), ("approved", "已确认"), ("rejected", "不予确认"),
    ]


@pytest.mark.parametrize("status, editable", [
    ("submitted", True),
    ("rejected", True),
    ("approved", False),
])
def test_only_unconfirmed_or_rejected_applications_may_be_edited_or_deleted(status: str, editable: bool) -> None:
    assert rules.may_edit(status) is editable


def test_an_unknown_status_is_an_error_not_a_silent_no() -> None:
    with pytest.raises(ValueError):
        rules.may_edit("confirmed")


# --- Reporting ------------------------------------------------------------------------------

def _record(total: int, complete: bool) -> LearnerYear:
    return LearnerYear(
        learner_id=7, region="cicpa", year=2024, name="张明远", id_number="110000010001",
        credits={PROFESSIONAL: total}, total=total, complete=complete,
    )


def test_export_columns() -> None:
    assert rules.credit_export(2024).columns == ("会员编号", "姓名", "会员类型", "年度", "学时", "是否完成")


def test_export_formats_are_csv_and_excel_without_push() -> None:
    export = rules.credit_export(2024)
    assert export.formats == ("csv", "xlsx")
    assert export.push_url_setting is None and export.push_ready is None


@pytest.mark.parametrize("total, complete, flag", [(40, True, "是"), (32, False, "否")])
def test_export_row_reports_hours_and_completion(total: int, complete: bool, flag: str) -> None:
    row = rules.credit_export(2024).row(_record(total, complete))
    assert row == ("110000010001", "张明远", "", 2024, total, flag)


def test_export_row_uses_member_number_and_type_once_the_record_carries_them() -> None:
    class MemberYear:  # a record with the fields LearnerYear lacks today
        learner_id, region, year, name, id_number = 7, "cicpa", 2024, "李婉清", ""
        credits, total, complete = {PROFESSIONAL: 40}, 40, True
        member_number, member_type = "310000020002", "non_practising"

    assert rules.export_row(MemberYear()) == ("310000020002", "李婉清", "非执业会员", 2024, 40, "是")


# --- Site content ---------------------------------------------------------------------------

def test_region_info() -> None:
    info = content.REGION_INFO
    assert (info.code, info.name, info.authority) == ("cicpa", "中注协继续教育", "中国注册会计师协会")
    assert (info.unit, info.login_field, info.current_year) == ("hour", "member_number", 2024)


def test_branding_is_a_deep_red_with_a_valid_svg_logo() -> None:
    branding = content.BRANDING
    for color in (branding.primary_color, branding.accent_color):
        assert re.fullmatch(r"#[0-9a-f]{6}", color)
    red, green, blue = (int(branding.primary_color[i:i + 2], 16) for i in (1, 3, 5))
    assert red > 0x80 and green < 0x40 and blue < 0x40
    assert branding.logo_svg.startswith("<svg") and branding.logo_svg.rstrip().endswith("</svg>")


def test_three_or_four_notices_with_unique_slugs_and_five_or_six_faq_entries() -> None:
    slugs = [n.slug for n in content.NOTICES]
    assert 3 <= len(slugs) <= 4 and len(set(slugs)) == len(slugs)
    assert 5 <= len(content.FAQ) <= 6


# --- Demo data ------------------------------------------------------------------------------

def test_demo_institutions_are_the_three_national_institutes() -> None:
    assert tuple(i.name for i in demo.INSTITUTIONS) == rules.NATIONAL_INSTITUTES


def test_demo_courses_come_from_the_institutes_and_offer_a_full_year() -> None:
    courses = demo.COURSES
    assert 6 <= len(courses) <= 10
    assert {c.institution for c in courses} == set(rules.NATIONAL_INSTITUTES)
    assert all(1 <= c.credits <= 4 for c in courses)
    assert sum(c.credits for c in courses) >= rules.ANNUAL_HOURS
    assert {c.kind for c in courses} == {PROFESSIONAL, PUBLIC}
    assert len({c.code for c in courses}) == len(courses)


def test_demo_chapters_are_short_clips_with_one_single_choice_and_one_true_false_question() -> None:
    for course in demo.COURSES:
        assert 2 <= len(course.chapters) <= 3, course.code
        for chapter in course.chapters:
            assert 60 <= chapter.duration_seconds <= 180, chapter.title
            assert [q.question_type for q in chapter.questions] == ["single", "truefalse"], chapter.title
            for q in chapter.questions:
                assert 0 <= q.answer < len(q.options) and q.explanation, q.text
                if q.question_type == "truefalse":
                    assert q.options == ("正确", "错误")


def test_demo_accounts_are_a_practising_cpa_a_non_practising_member_a_reviewer_and_an_admin() -> None:
    learners = [a for a in demo.ACCOUNTS if a.role == "learner"]
    assert sorted(a.member_type for a in learners) == ["non_practising", "non_practising", "practising", "practising"]
    assert all(rules.is_member_number(a.login) for a in learners)
    staff = {a.role: a.login for a in demo.ACCOUNTS if a.role != "learner"}
    assert staff == {"reviewer": "cicpa-reviewer", "admin": "cicpa-admin"}
    assert all(rules.check_eligibility(a.member_type).allowed for a in learners)


def test_hour_applications_take_their_quantity_from_the_hours_field() -> None:
    assert {t.code: t.quantity_field for t in rules.offset_types()} == {
        "input": "hours", "output": "hours", "exemption": None,
    }
