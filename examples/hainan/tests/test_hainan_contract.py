"""The Hainan plugin meets the region contract, and its rulebook says what the docs say.

Runs both ways::

    pip install -e examples/hainan && pytest examples/hainan/tests      # installed: loaded by name
    PYTHONPATH=examples/hainan pytest examples/hainan/tests             # on the path: registered directly
"""
from __future__ import annotations

import importlib.metadata as metadata

import pytest

import cpe_hainan.hooks
from cpe_core.testing import RegionContract
from cpe_hainan import content, rules
from hookspecs import Cart, LearnerFacts


def installed() -> bool:
    """Is the ``hainan`` entry point installed (``pip install -e examples/hainan``)?"""
    return any(ep.name == "hainan" for ep in metadata.entry_points(group="cpe.plugins"))


@pytest.fixture
def cpe_plugins() -> str:
    # Installed: enable it by name, as a deployment would. Otherwise enable no entry point.
    return "hainan" if installed() else ""


@pytest.fixture
def extra_plugins() -> list[tuple[str, object]]:
    # Only importable (PYTHONPATH): register the hooks module directly under the same name.
    return [] if installed() else [("hainan", cpe_hainan.hooks.plugin)]


class TestHainanContract(RegionContract):
    region = "hainan"


def learner(collection_region: str | None) -> LearnerFacts:
    return LearnerFacts(learner_id=1, region="hainan", collection_region=collection_region)


def test_a_year_is_90_credits_60_professional_30_public_in_the_calendar_year() -> None:
    req = rules.year_requirements(2024)
    assert (req.total, dict(req.minimums)) == (90, {"professional": 60, "public": 30})
    assert (req.period_start.isoformat(), req.period_end.isoformat()) == ("2024-01-01", "2024-12-31")


@pytest.mark.parametrize("collection_region, allowed, code", [
    ("hainan", True, "eligible"),
    ("chaoyang", False, "not_collected_here"),
    (None, False, "not_collected_here"),
])
def test_only_learners_collected_in_hainan_may_study(collection_region, allowed, code) -> None:
    answer = rules.check_eligibility(learner(collection_region))
    assert answer.allowed is allowed
    assert [reason.code for reason in answer.reasons] == [code]


def test_the_whole_year_costs_60_yuan_whatever_is_selected() -> None:
    cart = Cart(region="hainan", year=2024, mode="year", learner=learner("hainan"))
    assert rules.quote(cart).total_fen == 6000
    assert rules.quote(Cart(region="hainan", year=2024, mode="credit", learner=learner("hainan"))) is None


def test_learners_enrol_at_a_level_and_school_then_pay_the_level_fee() -> None:
    policy = rules.institution_policy(2024)
    assert policy.enrol_then_pay and policy.levels == ("初级及以下", "中级", "高级")
    assert policy.institutions == ("海南省会计学会", "海南高级会计人才培训中心")
    assert rules.institution_policy(2023).institutions == ("海南省会计学会",)
    cart = Cart(region="hainan", year=2024, mode="year", learner=learner("hainan"),
                institution="海南省会计学会", level="中级")
    (line,) = rules.quote(cart).lines
    assert (line.description, line.amount_fen) == ("2024年度继续教育（海南省会计学会，中级）", 8000)
    assert line.opens_year  # once paid, every course of the year opens for study


def test_the_demo_learner_has_a_valid_id_number_and_may_study() -> None:
    (account,) = [a for a in content.demo_data(2024).accounts if a.role == "learner"]
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(account.login[:17], weights))
    assert account.login.startswith("4601") and account.login[17] == "10X98765432"[total % 11]
    assert rules.check_eligibility(learner(account.collection_region)).allowed
