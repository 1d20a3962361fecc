"""Helpers for writing a region plugin in few lines: the defaults most regions agree on.

Nothing here is a rule of the core: these are shortcuts a plugin may use or ignore.

- :func:`region_plugin` turns plain functions into the plugin object pluggy registers, so a
  plugin needs no module of ``@hookimpl`` glue::

      plugin = kit.region_plugin(content.REGION_INFO, year_requirements=rules.year_requirements,
                                 quote=rules.quote)

  Each keyword names a hook without its ``cpe_`` prefix; the function is registered as that
  hook's implementation and, as any implementation, takes only the arguments it needs (a
  subset of the spec's, by name).
- :func:`calendar_year` is a year that runs 1 January to 31 December with the national
  numbers of 《会计专业技术人员继续教育规定》 (90 credits, at least 60 professional) unless
  told otherwise.
- :func:`collected_in` is the usual eligibility rule: study here only after info collection
  (信息采集) chose this region.
- :func:`whole_year_quote` prices a purchase mode as one line opening the whole year.
"""
from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable, Mapping
from typing import Any

from .markers import hookimpl
from .types import (
    PROFESSIONAL,
    Cart,
    Eligibility,
    LearnerFacts,
    Quote,
    QuoteLine,
    Reason,
    RegionInfo,
    Requirements,
)

#: 《会计专业技术人员继续教育规定》(财会〔2018〕10号): 90 credits a year, two thirds professional.
NATIONAL_TOTAL = 90
NATIONAL_MINIMUMS: Mapping[str, int] = {PROFESSIONAL: 60}


def region_plugin(*regions: RegionInfo, contract: str | None = None, **hooks: Callable[..., Any]) -> Any:
    """A plugin object declaring ``regions`` and implementing one hook per keyword.

    :param regions: what ``cpe_regions`` returns.
    :param contract: the plugin's ``CPE_CONTRACT`` specifier, e.g. ``">=1.3,<2"``.
    :param hooks: ``year_requirements=f`` makes ``f`` the plugin's ``cpe_year_requirements``.
    """
    namespace: dict[str, Any] = {"cpe_regions": staticmethod(hookimpl(lambda: list(regions)))} if regions else {}
    for short, function in hooks.items():
        name = f"cpe_{short}"
        # A fresh function per hook: marking the plugin's own function would leave a hookimpl
        # attribute on it, and registering its module directly would then register it twice.
        namespace[name] = staticmethod(hookimpl(types.FunctionType(
            function.__code__, function.__globals__, name, function.__defaults__, function.__closure__)))
    if contract is not None:
        namespace["CPE_CONTRACT"] = contract
    # An instance of a class of its own: pluggy keys plugins by object, so it must be hashable.
    return type("RegionPlugin", (), namespace)()


def calendar_year(region: str, year: int, *, total: int = NATIONAL_TOTAL,
                  minimums: Mapping[str, int] = NATIONAL_MINIMUMS) -> Requirements:
    """A programme year from 1 January to 31 December of ``year``."""
    return Requirements(region=region, year=year, period_start=dt.date(year, 1, 1),
                        period_end=dt.date(year, 12, 31), total=total, minimums=dict(minimums))


def collected_in(region: str, place: str) -> Callable[[LearnerFacts], Eligibility]:
    """An eligibility rule: only learners whose info collection chose ``region`` study here;
    the others are told, in Chinese, to collect in ``place`` (e.g. ``"海南省"``) first."""
    refusal = Reason("not_collected_here", f"您的信息采集地不是{place}，请先在{place}完成会计人员信息采集。")

    def check_eligibility(learner: LearnerFacts) -> Eligibility:
        return Eligibility.ok() if learner.collection_region == region else Eligibility.refused(refusal)

    return check_eligibility


def whole_year_quote(cart: Cart, price_fen: int, description: str) -> Quote:
    """One line for the cart's year at ``price_fen``, opening every course of the year once paid."""
    return Quote(cart.mode, (QuoteLine(f"year:{cart.year}", description, 1, price_fen, opens_year=True),))
