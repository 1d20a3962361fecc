"""The Hainan rulebook as plain typed code: every number is a named constant."""
from __future__ import annotations

from hookspecs import (PROFESSIONAL, PUBLIC, Cart, CreditExport, InstitutionPolicy, LearnerYear, PurchaseMode, Quote,
                       Requirements, kit)

REGION = "hainan"

#: Credits a learner must earn each year, and the least of each kind.
ANNUAL_CREDITS = 90
PROFESSIONAL_MINIMUM = 60
PUBLIC_MINIMUM = 30

#: One way to buy: the whole year's courses for ¥60 (money is always integer fen).
YEAR_MODE = "year"
YEAR_PRICE_FEN = 6000

#: Enrol, then pay (报名后缴费), as on the Liaoning platform: year, level, institution.
LEVELS: tuple[str, ...] = ("初级及以下", "中级", "高级")
#: The year's fee by the level enrolled at; a level not listed pays YEAR_PRICE_FEN.
LEVEL_PRICES_FEN = {"初级及以下": YEAR_PRICE_FEN, "中级": 8000, "高级": 10000}
SOCIETY = "海南省会计学会"
#: A school for senior accountants only (its Institution.level is 高级), on the list from 2024.
SENIOR_CENTRE = "海南高级会计人才培训中心"
SENIOR_CENTRE_FROM = 2024


def year_requirements(year: int) -> Requirements:
    """90 credits, at least 60 professional and 30 public, from Y-01-01 to Y-12-31."""
    minimums = {PROFESSIONAL: PROFESSIONAL_MINIMUM, PUBLIC: PUBLIC_MINIMUM}
    return kit.calendar_year(REGION, year, total=ANNUAL_CREDITS, minimums=minimums)


#: Only learners whose info collection (信息采集) chose Hainan study here.
check_eligibility = kit.collected_in(REGION, "海南省")


def purchase_modes() -> list[PurchaseMode]:
    """年度购买 only: every course of the year for one price."""
    return [PurchaseMode(YEAR_MODE, "年度购买", f"{YEAR_PRICE_FEN // 100}元，本年度课程任选")]


def quote(cart: Cart) -> Quote | None:
    """One line for the enrolment's year at its level's fee, whatever was selected, opening
    every course of the year once paid; None for a mode Hainan lacks."""
    if cart.mode != YEAR_MODE:
        return None
    where = f"（{cart.institution}，{cart.level}）" if cart.institution and cart.level else ""
    price = LEVEL_PRICES_FEN.get(cart.level or "", YEAR_PRICE_FEN)
    return kit.whole_year_quote(cart, price, f"{cart.year}年度继续教育{where}")


def institution_policy(year: int) -> InstitutionPolicy:
    """Choose level and school, enrol, then pay that enrolment; cancel to switch until paid."""
    schools = (SOCIETY, SENIOR_CENTRE) if year >= SENIOR_CENTRE_FROM else (SOCIETY,)
    return InstitutionPolicy(
        region=REGION, year=year, institutions=schools, levels=LEVELS, enrol_then_pay=True,
        note="请选择培训年度、等级和培训机构，确认报名后缴费学习；缴费前可取消报名更换机构，缴费后需申请退费，退费后自动取消报名。",
    )


EXPORT_COLUMNS = ("身份证号", "姓名", "年度学分", "是否完成")


def export_row(record: LearnerYear) -> tuple[object, ...]:
    """One CSV row, in the order of EXPORT_COLUMNS."""
    return (record.id_number, record.name, record.total, "是" if record.complete else "否")


def credit_export(year: int) -> CreditExport:
    """A CSV file of every learner's year for the finance department."""
    return CreditExport(region=REGION, year=year, columns=EXPORT_COLUMNS, row=export_row, formats=("csv",))
