"""The Hainan rulebook as plain typed code: every number is a named constant."""
from __future__ import annotations

import datetime as dt

from hookspecs import (
    PROFESSIONAL,
    PUBLIC,
    Cart,
    CreditExport,
    Eligibility,
    LearnerFacts,
    LearnerYear,
    PurchaseMode,
    Quote,
    QuoteLine,
    Reason,
    Requirements,
)

REGION = "hainan"

#: Credits a learner must earn each year, and the least of each kind.
ANNUAL_CREDITS = 90
PROFESSIONAL_MINIMUM = 60
PUBLIC_MINIMUM = 30

#: One way to buy: the whole year's courses for ¥60 (money is always integer fen).
YEAR_MODE = "year"
YEAR_PRICE_FEN = 6000


def year_requirements(year: int) -> Requirements:
    """90 credits, at least 60 professional and 30 public, from Y-01-01 to Y-12-31."""
    return Requirements(
        region=REGION,
        year=year,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        total=ANNUAL_CREDITS,
        minimums={PROFESSIONAL: PROFESSIONAL_MINIMUM, PUBLIC: PUBLIC_MINIMUM},
    )


def check_eligibility(learner: LearnerFacts) -> Eligibility:
    """Only learners whose info collection (信息采集) chose Hainan study here."""
    if learner.collection_region != REGION:
        return Eligibility.refused(
            Reason("not_collected_here", "您的信息采集地不是海南省，请先在海南省完成会计人员信息采集。")
        )
    return Eligibility.ok()


def purchase_modes() -> list[PurchaseMode]:
    """年度购买 only: every course of the year for one price."""
    return [PurchaseMode(YEAR_MODE, "年度购买", f"{YEAR_PRICE_FEN // 100}元，本年度课程任选")]


def quote(cart: Cart) -> Quote | None:
    """One line of YEAR_PRICE_FEN whatever was selected; None for a mode Hainan lacks."""
    if cart.mode != YEAR_MODE:
        return None
    line = QuoteLine(f"year:{cart.year}", f"{cart.year}年度继续教育", 1, YEAR_PRICE_FEN)
    return Quote(YEAR_MODE, (line,))


EXPORT_COLUMNS = ("身份证号", "姓名", "年度学分", "是否完成")


def export_row(record: LearnerYear) -> tuple[object, ...]:
    """One CSV row, in the order of EXPORT_COLUMNS."""
    return (record.id_number, record.name, record.total, "是" if record.complete else "否")


def credit_export(year: int) -> CreditExport:
    """A CSV file of every learner's year for the finance department."""
    return CreditExport(region=REGION, year=year, columns=EXPORT_COLUMNS, row=export_row, formats=("csv",))
