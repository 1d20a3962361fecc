"""The CICPA hooks through a real pluggy PluginManager, as the core calls them."""
from __future__ import annotations

import datetime as dt

import pluggy
import pytest

import hookspecs
from hookspecs import Cart, LearnerFacts, LearnerYear
import cpe_cicpa.hooks


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A fresh manager with every spec and only this plugin registered."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    for module in hookspecs.SPEC_MODULES:
        manager.add_hookspecs(module)
    manager.register(cpe_cicpa.hooks, name="cicpa")
    manager.check_pending()
    return manager


def _member(member_type: str | None) -> LearnerFacts:
    return LearnerFacts(learner_id=1, region="cicpa", name="张明远", member_type=member_type)


def test_plugin_declares_the_cicpa_region(pm: pluggy.PluginManager) -> None:
    (regions,) = pm.hook.cpe_regions()
    assert [(r.code, r.unit, r.login_field) for r in regions] == [("cicpa", "hour", "member_number")]


def test_plugin_does_not_send_sms(pm: pluggy.PluginManager) -> None:
    assert pm.hook.cpe_send_sms.get_hookimpls() == []


def test_year_requirements_are_40_hours_in_the_calendar_year(pm: pluggy.PluginManager) -> None:
    req = pm.hook.cpe_year_requirements(region="cicpa", year=2024, settings={})
    assert (req.total, req.unit, dict(req.minimums)) == (40, "hour", {})
    assert (req.period_start.isoformat(), req.period_end.isoformat()) == ("2024-01-01", "2024-12-31")


@pytest.mark.parametrize("member_type, allowed, code", [
    ("practising", True, "eligible"),
    ("non_practising", True, "eligible"),
    (None, False, "not_a_member"),
])
def test_eligibility_admits_members_only(
    pm: pluggy.PluginManager, member_type: str | None, allowed: bool, code: str,
) -> None:
    answer = pm.hook.cpe_check_eligibility(learner=_member(member_type), year=2024)
    assert answer.allowed is allowed
    assert answer.reasons[0].code == code


def test_nothing_is_sold_so_there_are_no_purchase_modes(pm: pluggy.PluginManager) -> None:
    assert pm.hook.cpe_purchase_modes(learner=_member("practising"), year=2024, settings={}) is None


def test_no_cart_is_priced(pm: pluggy.PluginManager) -> None:
    cart = Cart(region="cicpa", year=2024, mode="annual", learner=_member("practising"))
    assert pm.hook.cpe_quote(cart=cart, settings={}) is None


def test_offset_types_are_the_three_hour_applications(pm: pluggy.PluginManager) -> None:
    types = pm.hook.cpe_offset_types(region="cicpa", year=2024)
    assert [t.code for t in types] == ["input", "output", "exemption"]
    by_code = {t.code: t for t in types}
    assert by_code["input"].credits_for("hours", 12) == 12
    assert by_code["exemption"].credits_for("exempt") == 40


def test_cicpa_holds_no_exam(pm: pluggy.PluginManager) -> None:
    assert pm.hook.cpe_exam_policy(region="cicpa", year=2024, settings={}) is None


def test_credit_export_writes_one_row_per_member(pm: pluggy.PluginManager) -> None:
    export = pm.hook.cpe_credit_export(region="cicpa", year=2024)
    record = LearnerYear(
        learner_id=1, region="cicpa", year=2024, name="李婉清", id_number="310000020002",
        credits={"professional": 36}, total=36, complete=False,
    )
    assert (export.region, export.year, export.formats) == ("cicpa", 2024, ("csv", "xlsx"))
    assert dict(zip(export.columns, export.row(record))) == {
        "会员编号": "310000020002", "姓名": "李婉清", "会员类型": "", "年度": 2024, "学时": 36, "是否完成": "否",
    }


def test_demo_data_loads_the_institutes_courses_and_accounts(pm: pluggy.PluginManager) -> None:
    data = pm.hook.cpe_demo_data(region="cicpa", year=2024, today=dt.date(2024, 6, 15))
    assert data.year == 2024
    assert len(data.institutions) == 3
    assert {c.institution for c in data.courses} == {i.name for i in data.institutions}
    assert sorted(a.role for a in data.accounts) == ["admin", "learner", "learner", "learner", "learner", "reviewer"]
    assert [a.name for a in data.accounts if a.stage == "certified"] == ["王海涛"]
    assert [a.offset_type for a in data.applications] == ["input"]
