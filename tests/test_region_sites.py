"""Each enabled region has its own branded site under /<region>/."""
from __future__ import annotations

import datetime as dt

import pytest

from cpe_core.regions import rules_for
from cpe_core.views.site import phone_numbers

REGIONS = ["chaoyang", "guangdong", "cicpa"]


def test_root_page_lists_every_enabled_region(testapp):
    page = testapp.get("/")
    for code in REGIONS:
        info = rules_for(code).info
        assert info.name in page.text
        assert f'href="/{code}/"' in page.text


@pytest.mark.parametrize("cpe_plugins", ["guangdong"])
def test_root_page_lists_only_enabled_regions(testapp):
    page = testapp.get("/")
    assert "广东省会计人员继续教育" in page.text
    assert "朝阳会计在线" not in page.text
    testapp.get("/chaoyang/", status=404)


@pytest.mark.parametrize("code", REGIONS)
def test_region_home_shows_branding_notices_faq_and_contact(testapp, code):
    info = rules_for(code).info
    page = testapp.get(f"/{code}/")
    assert f"<strong>{info.name}</strong>" in page.text
    assert f"--primary: {info.branding.primary_color}" in page.text
    assert f"/{code}/logo.svg" in page.text
    assert info.notices[0].title in page.text
    assert info.faq[0].question in page.text
    assert all(f'href="tel:{number.replace(" ", "")}"' in page.text for number in phone_numbers(info.contact.phone))
    assert "通知公告" in page.text and "常见问题" in page.text
    assert '<meta name="viewport"' in page.text


@pytest.mark.parametrize("code", REGIONS)
def test_region_logo_is_served_as_svg(testapp, code):
    logo = testapp.get(f"/{code}/logo.svg")
    assert logo.content_type == "image/svg+xml"
    assert logo.text == rules_for(code).info.branding.logo_svg


@pytest.mark.parametrize("code", REGIONS)
def test_notice_pages_and_faq_show_the_regions_texts(testapp, code):
    info = rules_for(code).info
    listing = testapp.get(f"/{code}/notices")
    for notice in info.notices:
        assert notice.title in listing.text
        detail = testapp.get(f"/{code}/notices/{notice.slug}")
        assert notice.title in detail.text
    faq = testapp.get(f"/{code}/faq")
    assert all(entry.question in faq.text for entry in info.faq)


def test_unknown_region_and_notice_answer_404_in_chinese(testapp):
    assert "页面不存在" in testapp.get("/atlantis/", status=404).text
    testapp.get("/chaoyang/notices/no-such-notice", status=404)


def test_region_names_match_the_seeds(app):
    assert rules_for("chaoyang").info.name == "朝阳会计在线"
    assert rules_for("cicpa").info.unit == "hour"


def test_demo_courses_appear_on_the_region_site(app, testapp):
    from cpe_core.services import demo

    demo.load(rules_for("chaoyang"))
    data = rules_for("chaoyang").demo_data(2024, dt.date(2024, 6, 15))
    page = testapp.get("/chaoyang/courses")
    assert all(course.title in page.text for course in data.courses)
    # Another region's site never lists Chaoyang's courses.
    assert data.courses[0].title not in testapp.get("/guangdong/courses").text


def test_json_api_lists_regions_and_requirements(testapp):
    regions = testapp.get("/api/v1/regions").json["regions"]
    assert [r["code"] for r in regions] == ["chaoyang", "cicpa", "guangdong"]
    req = testapp.get("/api/v1/regions/chaoyang/requirements/2024").json
    assert (req["period_start"], req["period_end"], req["total"]) == ("2024-02-01", "2025-01-31", 90)
    assert req["minimums"] == {"professional": 60}
    missing = testapp.get("/api/v1/regions/atlantis", status=404).json
    assert missing["error"]["code"] == "unknown_region"


def test_an_oversized_request_is_refused_before_it_is_read(app, testapp):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    page = testapp.post("/chaoyang/login", {"login": "x" * 4096}, status=413)
    assert "上传内容过大" in page.text
    api = testapp.post_json("/api/v1/regions/chaoyang/login", {"x": "y" * 4096}, status=413)
    assert api.json["error"]["code"] == "request_too_large"


def test_each_contact_number_has_its_own_tel_link(testapp):
    # Chaoyang lists two numbers in one field: "0421-2558456，0421-2880899".
    page = testapp.get("/chaoyang/")
    links = [a["href"] for a in page.html.select('a[href^="tel:"]')]
    assert set(links) == {"tel:0421-2558456", "tel:0421-2880899"}
    assert not any("，" in link for link in links)
    # A space groups digits inside one number; it is not a separator.
    assert {a["href"] for a in testapp.get("/guangdong/").html.select('a[href^="tel:"]')} == {"tel:020-88880000"}


def test_favicon_is_served_and_region_pages_link_their_logo(testapp):
    icon = testapp.get("/favicon.ico")
    assert icon.content_type == "image/vnd.microsoft.icon" and icon.body[:4] == b"\x00\x00\x01\x00"
    page = testapp.get("/cicpa/")
    assert page.html.select_one('link[rel="icon"]')["href"] == "/cicpa/logo.svg"
    assert testapp.get("/").html.select_one('link[rel="icon"]')["href"].endswith("/static/favicon.svg")


def test_cicpa_pages_count_hours_and_never_call_them_credits_or_offsets(testapp, make_learner, make_course):
    from cpe_core.extensions import db
    from cpe_core.models import CreditRecord, StudyPlanItem
    from cpe_core.testing import login

    member = make_learner("cicpa", member_type="practising")
    course = make_course("cicpa", 2024, credits=4)
    db.session.add(StudyPlanItem(user_id=member.id, course_id=course.id, year=2024))
    db.session.add(CreditRecord(user_id=member.id, region="cicpa", year=2024, kind="professional", credits=12,
                                source="offset", source_id=1, description="投入式学时申请"))
    db.session.commit()
    login(testapp, "cicpa", member.login)
    for path in ("/", "/plan", "/credits", "/credits/reporting", "/offsets", "/certificates/",
                 f"/courses/{course.id}"):
        page = testapp.get(f"/cicpa{path}")
        text = page.html.select_one("header").text + page.html.select_one("main").text
        assert "学时" in text, path
        assert "学分" not in text and "抵免" not in text, (path, [line for line in text.split() if "学分" in line or "抵免" in line])
