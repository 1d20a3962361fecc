"""Pricing hooks: the ways to buy a year and the price of a cart, in integer fen."""
from __future__ import annotations

from .markers import hookspec
from .types import Cart, LearnerFacts, PurchaseMode, Quote, YearSettings


@hookspec(firstresult=True)
def cpe_purchase_modes(learner: LearnerFacts, year: int, settings: YearSettings) -> list[PurchaseMode] | None:
    """List the purchase modes of ``learner``'s region for ``year``, each marked available or
    not for this learner (with a Chinese reason when not).

    Called on the order page and by ``cpe explain``; only on the learner's region plugin and
    region-agnostic ones. ``learner.offset_credits`` holds the approved offsets of ``year``.

    :param settings: the year's values of what :func:`~hookspecs.years.cpe_year_settings`
        declares (defaults, or what the region's admin set on 年度设置); empty when the region
        declares none.

    :returns: the modes in the order they are offered; None if the region sells nothing (all
        study is free), in which case the core skips payment.
    """


@hookspec(firstresult=True)
def cpe_quote(cart: Cart, settings: YearSettings) -> Quote | None:
    """Price ``cart`` in integer fen.

    Called when the learner reviews an order and again when the order is created: the price is
    fixed on the order then. Only on ``cart.region``'s plugin and region-agnostic ones.

    :param cart: region, year, purchase mode, the learner and the items selected (read-only).
        For whole-year modes ``items`` may be empty. ``institution`` and ``level`` name the
        learner's enrolment (报名) of the year when there is one; where the region enrols before
        paying (``InstitutionPolicy.enrol_then_pay``) they are always set, so the fee can
        depend on the institution or the level.
    :param settings: ``cart.year``'s values of what :func:`~hookspecs.years.cpe_year_settings`
        declares (defaults, or what the region's admin set on 年度设置); empty when the region
        declares none.
    :returns: a :class:`~hookspecs.types.Quote` with one line per thing charged (a line may be
        0 fen), each saying which courses it opens for study once paid: by default only the
        course whose cart item has the line's ``sku``; ``opens_year=True`` every course of the
        year; ``opens_kind`` every course of that kind in the year (see
        :class:`~hookspecs.types.QuoteLine`). Nothing else opens a course, unless study is free
        (:func:`cpe_purchase_modes` offers nothing). None if the mode is not one of the
        region's, which the core reports as ``unknown_purchase_mode``.
    :raises ValueError: with a Chinese message when the cart cannot be sold as it is (e.g. a
        credit purchase with no course selected).
    """
