"""The privacy notice shown at registration (《个人信息保护法》第十七条) comes from the region's plugin
(``RegistrationSpec.privacy_notice``), the core's general one where a plugin gives none; the
learner must accept it, on the site and through the API, and the accepted version is kept."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cpe_core.clock import SECONDS, shanghai_text
from cpe_core.extensions import db
from cpe_core.models import User
from cpe_core.testing import api_captcha, id_number
from hookspecs import PrivacyNotice

CHAOYANG_ID = id_number("211302", "19880516", 31)
CHAOYANG_TITLE = "朝阳会计在线个人信息保护政策"


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def chaoyang_form(testapp, **overrides):
    page = testapp.get("/chaoyang/register")
    form = page.forms["register"]
    values = {"login": CHAOYANG_ID, "password": "Secret123", "password2": "Secret123", "name": "王小明",
              "qualification_level": "初级", "qualified_year": "2019", "employer": "朝阳市某某有限公司",
              "phone": "13904210099", "collection_region": "chaoyang", **overrides}
    for key, value in values.items():
        form[key] = value
    return page, form


@pytest.mark.parametrize("region, version, names", [
    ("chaoyang", "chaoyang-2024-01", "朝阳市财政局"),
    ("guangdong", "guangdong-2024-01", "广东省财政厅"),
    ("cicpa", "cicpa-2024-01", "中国注册会计师协会"),
])
def test_each_in_tree_region_gives_its_own_notice_naming_who_handles_the_data(testapp, region, version, names):
    form = testapp.get(f"/api/v1/regions/{region}/registration-form").json
    notice = form["privacy_notice"]
    assert notice["version"] == version and names in notice["text"]
    assert notice["title"] in testapp.get(f"/{region}/privacy").html.select_one("#privacy-notice h1").text


@pytest.fixture
def extra_plugins(recorder):
    return [("testland", recorder)]  # a region whose plugin describes no registration


def test_a_region_whose_plugin_gives_none_gets_the_cores_notice_naming_its_site(testapp):
    notice = testapp.get("/api/v1/regions/testland/registration-form").json["privacy_notice"]
    assert notice["version"] == "core-1"
    assert notice["text"].startswith("测试地区继续教育（由测试财政局主管，以下简称“本平台”）")
    assert "010-00000000" in notice["text"]


def test_the_registration_page_shows_the_notice_and_refuses_a_learner_who_does_not_accept_it(testapp, clock):
    page, form = chaoyang_form(testapp)
    assert page.html.select_one("#privacy-notice h2").text == CHAOYANG_TITLE
    assert "朝阳市财政局、朝阳市会计学会主办" in page.html.select_one("#privacy-notice").text

    refused = form.submit(status=422)

    assert f"请阅读并同意《{CHAOYANG_TITLE}》后再注册。" in refused.text
    assert users() == 0
    form = refused.forms["register"]
    form["password"], form["password2"], form["privacy_accepted"] = "Secret123", "Secret123", True
    assert "注册成功" in form.submit().follow().text
    learner = db.session.scalar(select(User).where(User.login == CHAOYANG_ID))
    assert learner.profile.details["privacy_notice"] == {
        "version": "chaoyang-2024-01", "accepted_at": shanghai_text(clock.now(), SECONDS)}


def test_the_api_refuses_registration_without_accepting_the_notice_and_records_the_version(testapp):
    body = {"login": CHAOYANG_ID, "password": "Secret123", "password2": "Secret123", "name": "赵学员",
            "qualification_level": "中级", "qualified_year": 2016, "employer": "朝阳某单位",
            "phone": "13904210123", "collection_region": "chaoyang"}

    refused = testapp.post_json("/api/v1/regions/chaoyang/register", {**body, **api_captcha(testapp)}, status=422).json
    assert refused["error"]["fields"] == {"privacy_accepted": f"请阅读并同意《{CHAOYANG_TITLE}》后再注册。"}
    assert users() == 0

    testapp.post_json("/api/v1/regions/chaoyang/register",
                      {**body, "privacy_accepted": True, **api_captcha(testapp)}, status=201)
    learner = db.session.scalar(select(User).where(User.login == CHAOYANG_ID))
    assert learner.profile.details["privacy_notice"]["version"] == "chaoyang-2024-01"


@pytest.mark.parametrize("field", ["version", "title", "text"])
def test_a_notice_with_an_empty_part_is_refused_when_the_plugin_builds_it(field):
    parts = {"version": "v1", "title": "个人信息保护政策", "text": "……", field: " "}
    with pytest.raises(ValueError, match=f"PrivacyNotice.{field}"):
        PrivacyNotice(**parts)
