"""The Chaoyang hooks called through a real pluggy manager, as the core calls them."""
from __future__ import annotations

import ast
import configparser
import datetime as dt
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pluggy
import pytest

import cpe_chaoyang
import cpe_chaoyang.hooks
import hookspecs
from hookspecs import PROFESSIONAL, PUBLIC, Cart, CartItem, LearnerFacts, LearnerYear

PLUGIN_DIR = Path(cpe_chaoyang.__file__).resolve().parent.parent
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Chaoyang's county-level codes (GB/T 2260): 双塔区, 龙城区, 朝阳县, 建平县, 喀左县, 北票市, 凌源市.
CHAOYANG_AREA_CODES = {"211302", "211303", "211321", "211322", "211324", "211381", "211382"}


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A fresh manager holding every spec and only this plugin."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    for module in hookspecs.SPEC_MODULES:
        manager.add_hookspecs(module)
    manager.register(cpe_chaoyang.hooks, name="chaoyang")
    manager.check_pending()
    return manager


def facts(**overrides: object) -> LearnerFacts:
    values: dict[str, object] = {
        "learner_id": 7, "region": "chaoyang", "collection_region": "chaoyang",
        "collection_area": "朝阳市双塔区", "qualified_year": 2019,
    }
    values.update(overrides)
    return LearnerFacts(**values)  # type: ignore[arg-type]


# --- Packaging and contract -----------------------------------------------------------------


def test_every_hook_but_sms_is_implemented(pm: pluggy.PluginManager) -> None:
    specs = {name for module in hookspecs.SPEC_MODULES for name in dir(module) if name.startswith("cpe_")}
    implemented = {hook.name for hook in pm.get_hookcallers(cpe_chaoyang.hooks) or []}
    # Payment providers and SMS gateways are region-agnostic plugins; Chaoyang sets no invoice deadline, its
    # seeds ask for no sign-in by SMS code (the core's default SMS policy serves it), and its
    # application statuses are the core's words (待审核, 已通过, 已退回); it has no 学习资源
    # list and promises no invoice delivery date.
    assert implemented == specs - {"cpe_send_sms", "cpe_sms_gateways", "cpe_payment_providers", "cpe_payment_missing_settings",
                                   "cpe_invoice_deadline", "cpe_sms_policy", "cpe_application_statuses",
                                   "cpe_learning_resources", "cpe_invoice_delivery"}


def test_entry_point_names_the_hooks_module() -> None:
    config = configparser.ConfigParser()
    config.read(PLUGIN_DIR / "setup.cfg", encoding="utf-8")
    assert config["metadata"]["name"] == "cpe-chaoyang"
    assert config["metadata"]["version"] == cpe_chaoyang.__version__ == "0.1.0"
    assert config["options.entry_points"]["cpe.plugins"].strip() == "chaoyang = cpe_chaoyang.hooks"
    assert hookspecs.ENTRY_POINT_GROUP == "cpe.plugins"


def test_plugin_imports_only_hookspecs_and_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"hookspecs", "cpe_chaoyang"}
    for source in (PLUGIN_DIR / "cpe_chaoyang").glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, f"{source.name} imports {roots}"


# --- cpe_regions -----------------------------------------------------------------------------


def test_declares_chaoyang_signed_in_by_id_number(pm: pluggy.PluginManager) -> None:
    [regions] = pm.hook.cpe_regions()
    [info] = regions
    assert (info.code, info.name, info.authority) == ("chaoyang", "朝阳会计在线", "朝阳市财政局 · 朝阳市会计学会")
    assert (info.unit, info.login_field, info.current_year) == ("credit", "id_number", 2024)
    assert "0421-2558456" in info.contact.phone


def test_branding_is_hex_colours_and_a_well_formed_svg_logo(pm: pluggy.PluginManager) -> None:
    [[info]] = pm.hook.cpe_regions()
    for colour in (info.branding.primary_color, info.branding.accent_color):
        assert re.fullmatch(r"#[0-9a-f]{6}", colour)
    root = ET.fromstring(info.branding.logo_svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_site_has_three_to_four_notices_and_five_to_six_faq_entries(pm: pluggy.PluginManager) -> None:
    [[info]] = pm.hook.cpe_regions()
    assert 3 <= len(info.notices) <= 4
    assert len({notice.slug for notice in info.notices}) == len(info.notices)
    assert all(re.fullmatch(r"[a-z0-9-]+", notice.slug) for notice in info.notices)
    assert 5 <= len(info.faq) <= 6


def test_annual_notice_states_the_seed_dates(pm: pluggy.PluginManager) -> None:
    [[info]] = pm.hook.cpe_regions()
    notice = {n.slug: n for n in info.notices}["2024-annual-notice"]
    assert notice.published == dt.date(2024, 1, 23)
    assert "2024年2月1日至2025年1月31日" in notice.body


# --- Rules -----------------------------------------------------------------------------------


def test_year_requirements_through_the_hook(pm: pluggy.PluginManager) -> None:
    requirements = pm.hook.cpe_year_requirements(region="chaoyang", year=2024, settings={})
    assert (requirements.region, requirements.total, dict(requirements.minimums)) == (
        "chaoyang", 90, {PROFESSIONAL: 60},
    )
    assert (requirements.period_start, requirements.period_end) == (dt.date(2024, 2, 1), dt.date(2025, 1, 31))


def test_year_not_offered_answers_none(pm: pluggy.PluginManager) -> None:
    assert pm.hook.cpe_year_requirements(region="chaoyang", year=2020, settings={}) is None


def test_learner_collected_elsewhere_is_refused(pm: pluggy.PluginManager) -> None:
    answer = pm.hook.cpe_check_eligibility(learner=facts(collection_region="shenyang"), year=2024)
    assert answer.allowed is False
    assert answer.reasons[0].code == "collected_elsewhere"


def test_learner_collected_in_chaoyang_is_allowed(pm: pluggy.PluginManager) -> None:
    answer = pm.hook.cpe_check_eligibility(learner=facts(), year=2024)
    assert answer.allowed is True and answer.reasons[0].code == "eligible"


# --- Pricing ---------------------------------------------------------------------------------


def test_learner_without_offsets_is_offered_the_annual_purchase(pm: pluggy.PluginManager) -> None:
    modes = pm.hook.cpe_purchase_modes(learner=facts(), year=2024, settings={})
    assert [(m.code, m.available) for m in modes] == [("annual", True), ("credit", False)]


def test_learner_with_offsets_is_offered_the_credit_purchase(pm: pluggy.PluginManager) -> None:
    modes = pm.hook.cpe_purchase_modes(learner=facts(offset_credits={PROFESSIONAL: 30}), year=2024, settings={})
    assert [(m.code, m.available) for m in modes] == [("annual", False), ("credit", True)]


def test_annual_quote_through_the_hook_is_9000_fen(pm: pluggy.PluginManager) -> None:
    quote = pm.hook.cpe_quote(cart=Cart("chaoyang", 2024, "annual", facts()), settings={})
    assert quote.total_fen == 9000 and quote.mode == "annual"


def test_credit_quote_through_the_hook_locks_selected_courses(pm: pluggy.PluginManager) -> None:
    cart = Cart("chaoyang", 2024, "credit", facts(offset_credits={PROFESSIONAL: 30}),
                (CartItem("CY2024-P01", "政府会计准则制度解读", PROFESSIONAL, 20, course_id=1),
                 CartItem("CY2024-P02", "新收入准则实务", PROFESSIONAL, 20, course_id=2),
                 CartItem("CY2024-G01", "会计职业道德", PUBLIC, 10, course_id=7),
                 CartItem("CY2024-G02", "《会计法》修正要点", PUBLIC, 10, course_id=8)))
    quote = pm.hook.cpe_quote(cart=cart, settings={})
    assert quote.total_fen == 6000 and quote.locks_courses is True
    assert all(line.amount_fen == line.quantity * line.unit_price_fen for line in quote.lines)


def test_empty_credit_cart_raises_the_chinese_message(pm: pluggy.PluginManager) -> None:
    with pytest.raises(ValueError, match="请先选择要购买学分的课程"):
        pm.hook.cpe_quote(cart=Cart("chaoyang", 2024, "credit", facts(offset_credits={PROFESSIONAL: 30})), settings={})


def test_unknown_mode_quote_is_none(pm: pluggy.PluginManager) -> None:
    assert pm.hook.cpe_quote(cart=Cart("chaoyang", 2024, "study_card", facts()), settings={}) is None


# --- Offsets, exam, export -----------------------------------------------------------------


def test_offset_catalogue_through_the_hook(pm: pluggy.PluginManager) -> None:
    types = pm.hook.cpe_offset_types(region="chaoyang", year=2024)
    assert len(types) == 7
    paper = {t.code: t for t in types}["paper"]
    assert [(r.code, r.credits) for r in paper.roles] == [("alone", 30), ("first_author", 30), ("other_author", 10)]


def test_exam_policy_through_the_hook(pm: pluggy.PluginManager) -> None:
    policy = pm.hook.cpe_exam_policy(region="chaoyang", year=2025, settings={})
    assert policy.title == "朝阳市2025年度会计专业技术人员继续教育在线考试"
    assert policy.full_marks == 100 and policy.pass_mark == 60
    assert policy.opens_at.date() == dt.date(2025, 2, 1)
    assert policy.closes_at.date() == dt.date(2026, 12, 31)  # the make-up deadline for 2025


def test_credit_export_through_the_hook(pm: pluggy.PluginManager) -> None:
    export = pm.hook.cpe_credit_export(region="chaoyang", year=2024)
    assert export.formats == ("csv", "xlsx", "push") and not export.push_required
    record = LearnerYear(1, "chaoyang", 2024, "张丽华", "211302198805161828",
                         {PROFESSIONAL: 70, PUBLIC: 20}, 90, True)
    row = export.row(record)
    assert len(row) == len(export.columns)
    assert dict(zip(export.columns, row, strict=True))["是否完成"] == "是"


# --- Demo data -------------------------------------------------------------------------------


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@pytest.fixture
def demo(pm: pluggy.PluginManager) -> hookspecs.DemoData:
    return pm.hook.cpe_demo_data(region="chaoyang", year=2024, today=dt.date(2024, 6, 15))


def test_demo_learners_have_valid_chaoyang_id_numbers(demo: hookspecs.DemoData) -> None:
    learners = [a for a in demo.accounts if a.role == "learner"]
    assert learners
    for account in learners:
        login = account.login
        assert re.fullmatch(r"\d{17}[\dX]", login)
        assert login[:6] in CHAOYANG_AREA_CODES
        dt.date(int(login[6:10]), int(login[10:12]), int(login[12:14]))  # a real birth date
        assert login[17] == check_char(login[:17])


def test_demo_accounts_are_learners_at_each_stage_a_reviewer_and_an_admin(demo: hookspecs.DemoData) -> None:
    roles = sorted(a.role for a in demo.accounts)
    assert roles == ["admin"] + ["learner"] * 5 + ["reviewer"]
    assert {a.stage for a in demo.accounts if a.role == "learner"} == set(hookspecs.DEMO_STAGES)
    assert [a.offset_type for a in demo.applications] == ["paper"]
    staff = [a.login for a in demo.accounts if a.role != "learner"]
    assert all(login.startswith("cy-") for login in staff)
    assert all(a.password == "Demo@2024" for a in demo.accounts)


def test_demo_learners_may_study_in_the_demo_year(pm: pluggy.PluginManager, demo: hookspecs.DemoData) -> None:
    for number, account in enumerate(a for a in demo.accounts if a.role == "learner"):
        learner = LearnerFacts(
            learner_id=number, region="chaoyang", name=account.name, id_number=account.login,
            qualification_level=account.qualification_level, qualified_year=account.qualified_year,
            collection_region=account.collection_region, collection_area=account.collection_area,
        )
        assert pm.hook.cpe_check_eligibility(learner=learner, year=demo.year).allowed


def test_demo_courses_add_up_past_the_year(pm: pluggy.PluginManager, demo: hookspecs.DemoData) -> None:
    requirements = pm.hook.cpe_year_requirements(region="chaoyang", year=demo.year, settings={})
    by_kind = {kind: sum(c.credits for c in demo.courses if c.kind == kind) for kind in (PROFESSIONAL, PUBLIC)}
    assert 6 <= len(demo.courses) <= 10
    assert sum(by_kind.values()) > requirements.total
    assert by_kind[PROFESSIONAL] >= requirements.minimums[PROFESSIONAL]
    assert by_kind[PUBLIC] > 0
    assert len({c.code for c in demo.courses}) == len(demo.courses)


def test_demo_courses_belong_to_the_one_recognised_school(demo: hookspecs.DemoData) -> None:
    assert [i.name for i in demo.institutions] == ["朝阳市会计学会"]
    assert {c.institution for c in demo.courses} == {"朝阳市会计学会"}


def test_demo_chapters_are_short_clips_with_one_single_and_one_true_false_question(
    demo: hookspecs.DemoData,
) -> None:
    for course in demo.courses:
        assert 2 <= len(course.chapters) <= 3, course.code
        for chapter in course.chapters:
            assert 60 <= chapter.duration_seconds <= 180, chapter.title
            assert sorted(q.question_type for q in chapter.questions) == ["single", "truefalse"]
            for question in chapter.questions:
                assert 0 <= question.answer < len(question.options)
                assert question.explanation
                if question.question_type == "truefalse":
                    assert question.options == ("正确", "错误")
                else:
                    assert len(question.options) == 4
