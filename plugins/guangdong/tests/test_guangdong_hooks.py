"""The Guangdong hooks through a real pluggy PluginManager, as the core calls them."""
from __future__ import annotations

import datetime as dt

import pluggy
import pytest

import hookspecs
from hookspecs import PROFESSIONAL, PUBLIC, Cart, LearnerFacts, LearnerYear

import cpe_guangdong.hooks

IMPLEMENTED = {
    "cpe_invoice_deadline",
    "cpe_learning_resources",
    "cpe_invoice_delivery",
    "cpe_year_settings",
    "cpe_regions",
    "cpe_year_requirements",
    "cpe_check_eligibility",
    "cpe_purchase_modes",
    "cpe_quote",
    "cpe_offset_types",
    "cpe_exam_policy",
    "cpe_certificate_template",
    "cpe_credit_export",
    "cpe_demo_data",
    "cpe_registration_form",
    "cpe_collection_steps",
    "cpe_institution_policy",
    "cpe_study_plan_policy",
}


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A fresh manager with every spec module and only the Guangdong plugin."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    for module in hookspecs.SPEC_MODULES:
        manager.add_hookspecs(module)
    manager.register(cpe_guangdong.hooks, name="guangdong")
    manager.check_pending()
    return manager


def guangzhou_learner(**changes: object) -> LearnerFacts:
    facts = dict(
        learner_id=7,
        region="guangdong",
        name="李晓敏",
        id_number="440104198611022241",
        qualification_level="中级",
        qualified_year=2012,
        collection_region="guangdong",
        collection_area="广州市越秀区",
    )
    facts.update(changes)
    return LearnerFacts(**facts)  # type: ignore[arg-type]


def test_plugin_implements_every_applicable_hook_but_not_sms(pm: pluggy.PluginManager) -> None:
    implemented = {
        name
        for name in dir(pm.hook)
        if name.startswith("cpe_")
        and any(impl.plugin_name == "guangdong" for impl in getattr(pm.hook, name).get_hookimpls())
    }
    assert implemented == IMPLEMENTED


def test_plugin_is_found_through_its_entry_point_declaration() -> None:
    import configparser
    from pathlib import Path

    config = configparser.ConfigParser()
    config.read(Path(cpe_guangdong.hooks.__file__).parents[1] / "setup.cfg", encoding="utf-8")
    assert config["metadata"]["name"] == "cpe-guangdong"
    assert config["options.entry_points"]["cpe.plugins"].strip() == "guangdong = cpe_guangdong.hooks"


def test_regions_hook_declares_guangdong(pm: pluggy.PluginManager) -> None:
    [[info]] = pm.hook.cpe_regions()
    assert info.code == "guangdong"
    assert info.authority == "广东省财政厅（不含深圳）"


def test_year_requirements_hook_gives_2021_numbers(pm: pluggy.PluginManager) -> None:
    req = pm.hook.cpe_year_requirements(region="guangdong", year=2021, settings={})
    assert (req.total, dict(req.minimums), req.period_end, req.makeup_deadline) == (
        90,
        {PROFESSIONAL: 60, PUBLIC: 30},
        dt.date(2021, 12, 31),
        None,
    )


@pytest.mark.parametrize(
    ("changes", "allowed", "code"),
    [
        ({}, True, "eligible"),
        ({"collection_region": None}, False, "not_collected_here"),
        ({"collection_area": "深圳市福田区"}, False, "shenzhen_excluded"),
        ({"qualification_level": None}, False, "no_qualification"),
        ({"qualified_year": 2024}, False, "obligation_not_started"),
    ],
)
def test_eligibility_hook_answers_with_a_reason(
    pm: pluggy.PluginManager, changes: dict[str, object], allowed: bool, code: str
) -> None:
    result = pm.hook.cpe_check_eligibility(learner=guangzhou_learner(**changes), year=2024)
    assert result.allowed is allowed
    assert result.reasons[0].code == code


def test_purchase_modes_hook_offers_both_year_types(pm: pluggy.PluginManager) -> None:
    modes = pm.hook.cpe_purchase_modes(learner=guangzhou_learner(), year=2024, settings={})
    assert [mode.code for mode in modes] == ["public", "professional"]
    assert all(mode.available for mode in modes)


@pytest.mark.parametrize(
    ("mode", "description", "total"),
    [("public", "2024年度公需课（30学分）", 0), ("professional", "2024年度专业课（60学分）", 9000)],
)
def test_quote_hook_prices_a_year_type_in_fen(
    pm: pluggy.PluginManager, mode: str, description: str, total: int
) -> None:
    cart = Cart(region="guangdong", year=2024, mode=mode, learner=guangzhou_learner())
    quote = pm.hook.cpe_quote(cart=cart, settings={})
    assert [line.description for line in quote.lines] == [description]
    assert quote.total_fen == total


def test_quote_hook_returns_none_for_an_unknown_mode(pm: pluggy.PluginManager) -> None:
    cart = Cart(region="guangdong", year=2024, mode="credit", learner=guangzhou_learner())
    assert pm.hook.cpe_quote(cart=cart, settings={}) is None


def test_offset_types_hook_returns_an_empty_catalogue(pm: pluggy.PluginManager) -> None:
    assert pm.hook.cpe_offset_types(region="guangdong", year=2024) == []


def test_exam_policy_hook_sets_the_public_exam(pm: pluggy.PluginManager) -> None:
    policy = pm.hook.cpe_exam_policy(region="guangdong", year=2024, settings={})
    assert (policy.pass_mark, policy.min_study_minutes, policy.max_attempts) == (60, 1393, 3)
    assert dict(policy.required_by_kind) == {PUBLIC: 30}
    assert policy.opens_at.date() == dt.date(2024, 6, 1)


def test_credit_export_hook_pushes_only_ready_records(pm: pluggy.PluginManager) -> None:
    export = pm.hook.cpe_credit_export(region="guangdong", year=2024)
    ready = LearnerYear(7, "guangdong", 2024, "李晓敏", "440104198611022241", {PUBLIC: 30}, 30, False, 75, 1440)
    short = LearnerYear(7, "guangdong", 2024, "李晓敏", "440104198611022241", {PUBLIC: 30}, 30, False, 75, 1000)
    assert "push" in export.formats
    assert export.push_ready(ready) and not export.push_ready(short)
    assert len(export.row(ready)) == len(export.columns)


def test_demo_data_hook_loads_the_guangdong_demo(pm: pluggy.PluginManager) -> None:
    data = pm.hook.cpe_demo_data(region="guangdong", year=2024, today=dt.date(2024, 6, 15))
    assert data.year == 2024
    assert "源和大成教育" in {institution.name for institution in data.institutions}
    assert {account.role for account in data.accounts} == {"learner", "reviewer", "admin"}


def test_invoice_deadline_is_one_month_after_purchase(pm: pluggy.PluginManager) -> None:
    import datetime as dt

    def ask(paid_on: dt.date, **settings: object) -> dt.date:
        return pm.hook.cpe_invoice_deadline(region="guangdong", paid_on=paid_on, year=paid_on.year, settings=settings)

    assert ask(dt.date(2021, 3, 15)) == dt.date(2021, 4, 15)
    assert ask(dt.date(2021, 1, 31)) == dt.date(2021, 2, 28)
    assert ask(dt.date(2021, 12, 20)) == dt.date(2022, 1, 20)
    # A year's notice may widen the window (年度设置).
    assert ask(dt.date(2021, 3, 15), invoice_window_months=3) == dt.date(2021, 6, 15)
