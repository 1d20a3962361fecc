"""What a region offers comes from its hooks, in one place (:mod:`cpe_core.services.capabilities`):
the menu offers only that, the pages of anything else answer 404 with the reason, the export page
offers a push only where a receiver exists, and staff land on a dashboard of their region's work.
"""
from __future__ import annotations

import datetime as dt

import pytest

from cpe_core.extensions import db
from cpe_core.models import OffsetApplication
from cpe_core.services.capabilities import capabilities
from cpe_core.testing import login
from hookspecs import (
    Branding,
    CertificateTemplate,
    Contact,
    CreditExport,
    ExamPolicy,
    ExamSection,
    ExportColumn,
    OffsetRole,
    OffsetType,
    RegionInfo,
    Requirements,
    hookimpl,
)

YEAR = 2024


class Bare:
    """A region plugin that answers only what every region must: no exam, no certificate, no
    offsets, nothing sold, no export."""

    code = "bareland"

    @hookimpl
    def cpe_regions(self):
        return [RegionInfo(code=self.code, name="测试地区继续教育", authority="测试财政局",
                           branding=Branding("#123456", "#654321", "<svg xmlns='http://www.w3.org/2000/svg'/>"),
                           contact=Contact(phone="010-00000000"))]

    @hookimpl
    def cpe_year_requirements(self, year):
        return Requirements(self.code, year, dt.date(year, 1, 1), dt.date(year, 12, 31), total=10)


class Full(Bare):
    """The same region with an exam, a certificate, one offset kind and a push export."""

    code = "fullland"

    @hookimpl
    def cpe_exam_policy(self, year):
        return ExamPolicy(self.code, year, "年度考试", (ExamSection("single", 1, 100),), 30, 60)

    @hookimpl
    def cpe_certificate_template(self, year):
        return CertificateTemplate(self.code, year, "合格证", "{name}完成{year}年度学习。", "测试财政局", "T")

    @hookimpl
    def cpe_offset_types(self, year):
        return [OffsetType("paper", "论文", "professional", (OffsetRole("alone", "独立", 10),))]

    @hookimpl
    def cpe_credit_export(self, year):
        return CreditExport(self.code, year, fields=(ExportColumn("姓名", "name"),), formats=("csv", "push"),
                            push_url_setting="CPE_FULLLAND_PUSH_URL")


@pytest.fixture
def cpe_plugins():
    return "chaoyang,guangdong,cicpa"


@pytest.fixture
def extra_plugins():
    return [("bareland", Bare()), ("fullland", Full())]


def menu(page) -> list[str]:
    return [a.text.strip() for a in page.html.select(".mainnav a")]


def signed_in(testapp, make_learner, region: str, **profile):
    user = make_learner(region, **profile)
    login(testapp, region, user.login)
    return user


# --- one place, from the hooks ---------------------------------------------------------------


def test_capabilities_follow_the_hooks_not_the_region_code(app):
    bare, full = capabilities("bareland", YEAR), capabilities("fullland", YEAR)
    assert (bare.exam, bare.certificates, bare.offsets, bare.export, bare.push, bare.sales) == (False,) * 6
    assert (full.exam, full.certificates, full.offsets, full.offset_applications, full.push) == (True,) * 5
    assert full.export_formats == ("csv", "push")
    cicpa = capabilities("cicpa", YEAR)
    assert not cicpa.exam and cicpa.certificates and cicpa.offsets and not cicpa.push and not cicpa.sales
    guangdong = capabilities("guangdong", YEAR)
    assert guangdong.exam and guangdong.push and guangdong.sales and not guangdong.offsets


@pytest.mark.parametrize(("region", "offered", "missing"), [
    ("bareland", ["学习计划", "学分查询"], ["在线考试", "我的证书", "学分抵免", "我的订单", "学分上报"]),
    ("fullland", ["在线考试", "我的证书", "学分抵免", "学分上报"], ["我的订单"]),
    ("cicpa", ["学时查询", "学时申请", "我的证书", "学时上报"], ["在线考试", "我的订单", "学分查询", "学时抵免"]),
    ("guangdong", ["在线考试", "我的证书", "我的订单"], ["学分抵免", "学分申请"]),
    ("chaoyang", ["在线考试", "我的证书", "学分抵免", "我的订单"], []),
])
def test_the_menu_offers_only_what_the_region_has(testapp, make_learner, region, offered, missing):
    signed_in(testapp, make_learner, region)
    items = menu(testapp.get(f"/{region}/"))
    assert all(item in items for item in offered), items
    assert not any(item in items for item in missing), items


@pytest.mark.parametrize(("path", "message"), [
    ("/bareland/exam/", "本地区本年度不设考试。"),
    ("/bareland/certificates/", "本地区本年度不颁发证书。"),
    ("/bareland/offsets", "本地区不受理学分抵免申请。"),
    ("/bareland/offsets/new/paper", "本地区不受理学分抵免申请。"),
    ("/bareland/orders/", "本地区学习免费，无需缴费。"),
    ("/bareland/orders/new", "本地区学习免费，无需缴费。"),
    ("/bareland/credits/reporting", "本地区不上报学分。"),
    ("/cicpa/exam/", "本地区本年度不设考试。"),
    ("/cicpa/orders/", "本地区学习免费，无需缴费。"),
    ("/guangdong/offsets", "本地区不受理学分抵免申请。"),
])
def test_a_page_the_region_does_not_offer_answers_404_with_the_reason(testapp, make_learner, path, message):
    signed_in(testapp, make_learner, path.split("/")[1])
    refused = testapp.get(path, status=404)
    assert refused.html.select_one("main h1").text == "本地区未开设此项"
    assert message in refused.html.select_one("main").text


def test_the_pages_the_region_has_still_open(testapp, make_learner):
    signed_in(testapp, make_learner, "fullland")
    for path in ("/fullland/exam/", "/fullland/certificates/", "/fullland/offsets", "/fullland/offsets/new/paper"):
        assert testapp.get(path).status_int == 200, path


@pytest.mark.parametrize(("region", "formats", "heading"), [
    ("guangdong", ["csv", "xlsx", "push"], "导出与上报"),
    ("chaoyang", ["csv", "xlsx"], "学分导出"),  # pushes back to the Liaoning hub only where configured
    ("cicpa", ["csv", "xlsx"], "学时导出"),
])
def test_the_export_page_offers_a_push_only_where_the_region_has_a_receiver(
    testapp, make_staff, region, formats, heading
):
    make_staff(region, "admin")
    login(testapp, region, f"{region}-admin")
    page = testapp.get(f"/{region}/admin/exports")
    assert [value for value, *_ in page.forms["export"]["format"].options] == formats
    assert page.html.select_one("h1.page-title").text.startswith(heading)
    assert heading in menu(page)
    progress = testapp.get(f"/{region}/admin/progress")
    assert ("推送失败的记录" in progress.text) == ("push" in formats)


# --- where people land -----------------------------------------------------------------------


def test_staff_land_on_their_dashboard_with_the_queues_and_counts(testapp, make_learner, make_staff):
    learner = signed_in(testapp, make_learner, "chaoyang")
    for status in ("submitted", "submitted", "draft", "approved"):
        db.session.add(OffsetApplication(user_id=learner.id, region="chaoyang", year=YEAR, offset_type="paper",
                                         role="alone", status=status, credits=30, fields={}))
    db.session.commit()
    make_staff("chaoyang", "reviewer", login="cy-reviewer")
    landed = login(testapp, "chaoyang", "cy-reviewer").follow()
    assert landed.request.path == "/chaoyang/admin/"
    queue = landed.html.select_one(".queue-offsets")
    assert queue.select_one(".queue-count").text == "2" and "待审核的学分抵免" in queue.text
    assert testapp.get(queue.a["href"]).html.select("#queue tr[data-id]").__len__() == 2
    assert "工作台" in menu(landed) and "导出与上报" not in landed.text, "a reviewer does not export"
    assert "年度设置" not in landed.text, "the year settings are the admins' work"


def test_the_guangdong_dashboard_counts_collections_waiting_and_links_the_year_settings(
    testapp, make_learner, make_staff
):
    make_learner("guangdong", collection_status="submitted")
    make_learner("guangdong", collection_status="draft")
    make_staff("guangdong", "admin")
    landed = login(testapp, "guangdong", "guangdong-admin").follow()
    queue = landed.html.select_one(".queue-collections")
    assert queue.select_one(".queue-count").text == "1"
    listed = testapp.get(queue.a["href"]).html.select("tbody tr")
    assert len(listed) == 1
    assert landed.html.select_one("#years-link")["href"] == "/guangdong/admin/years"
    assert landed.html.select_one("#exports-link").text == "导出与上报"


def test_a_learner_does_not_reach_the_dashboard(testapp, make_learner):
    signed_in(testapp, make_learner, "chaoyang")
    testapp.get("/chaoyang/admin/", status=403)


def test_a_signed_in_learner_sees_the_year_and_the_next_step_not_a_sign_in_button(testapp, make_learner):
    assert "登录学习" in testapp.get("/chaoyang/").text
    signed_in(testapp, make_learner, "chaoyang", name="李会计", collection_region="chaoyang",
              qualified_year=2015, qualification_level="初级")
    home = testapp.get("/chaoyang/")
    assert "登录学习" not in home.text
    assert "李会计，您好！" in home.text
    assert home.html.select_one("#my-progress").text == "本年度已取得0学分，要求90学分。"
    step = home.html.select_one("#next-step")
    assert step["data-step"] == "institution" and step.text == "请选择本年度的培训机构。"
    assert home.html.select_one("#next-step-action")["href"] == "/chaoyang/institution"


def test_the_cicpa_home_counts_hours(testapp, make_learner):
    signed_in(testapp, make_learner, "cicpa", member_type="practising")
    home = testapp.get("/cicpa/")
    assert home.html.select_one("#my-progress").text == "本年度已取得0学时，要求40学时。"
    assert home.html.select_one("#next-step")["data-step"] == "choose_courses"
