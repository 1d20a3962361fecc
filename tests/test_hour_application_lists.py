"""The CICPA manual's hour pages, row by row (issue 20): the statuses in the manual's words
(未确认, 已确认, 不予确认), each application list queried by 学时年度 and 主办方单位名称 with
【查看】, 【附件信息】 and 【导出】, 学时查询's 导出, and 继续教育在线学时 — through the real
site and API. What is CICPA's comes from its plugin (``cpe_application_statuses``,
``OffsetField.filter_label``); the core pages are the same for every region."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from cpe_core.extensions import db
from cpe_core.models import OffsetApplication, OffsetAttachment
from cpe_core.services import ledger, stored_files
from cpe_core.testing import login

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def cpe_test_config(cpe_test_config, tmp_path):
    return {**cpe_test_config, "CPE_UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def member(make_learner, testapp):
    user = make_learner("cicpa", name="钱会员", member_number="M0020")
    login(testapp, "cicpa", user.login)
    return user


def application(user, type_code, status, year=2024, host="", hours=8, files=()):
    fields = {"route": "x", "hours": hours, "note": None}
    if type_code == "input":
        fields["host_unit"] = host
    if type_code == "exemption":
        fields = {"condition": "x", "note": None}
    found = OffsetApplication(
        user_id=user.id, region="cicpa", year=year, offset_type=type_code,
        role="exempt" if type_code == "exemption" else "hours", quantity=hours, fields=fields,
        credits=hours, status=status, review_comment="证明不清晰" if status == "rejected" else None,
    )
    for name in files:
        found.attachments.append(OffsetAttachment(
            storage_key=stored_files.store(PDF, "pdf"), filename=name, content_type="application/pdf",
            size=len(PDF),
        ))
    db.session.add(found)
    db.session.commit()
    return found


def test_cicpa_applications_show_the_manuals_statuses_everywhere_and_keep_their_codes(
    app, testapp, member, make_staff
):
    for status in ("submitted", "approved", "rejected"):
        application(member, "input", status, host="江苏省注册会计师协会", files=["证明.pdf"])

    mine = testapp.get("/cicpa/offsets")
    statuses = [cell.text for cell in mine.html.select("#my-applications .status")]
    assert statuses == ["不予确认", "已确认", "未确认"]
    assert "待审核" not in mine.text and "已通过" not in mine.text
    listed = testapp.get("/api/v1/me/offsets").json["applications"]
    assert [(a["status"], a["status_label"]) for a in listed] == [
        ("rejected", "不予确认"), ("approved", "已确认"), ("submitted", "未确认"),
    ]

    testapp.reset()
    make_staff("cicpa", role="reviewer")
    dashboard = login(testapp, "cicpa", "cicpa-reviewer").follow()
    assert dashboard.html.select_one(".queue-offsets .queue-label").text == "未确认的学时申请"
    queue = testapp.get("/cicpa/review/offsets")
    options = [o.text for o in queue.html.select("#filters select[name=status] option")]
    assert options == ["全部", "未确认", "已确认", "不予确认"]
    assert testapp.get("/cicpa/review/offsets?status=submitted").html.select("#queue tbody tr")[0].text.count("未确认") == 1
    detail = testapp.get(f"/cicpa/review/offsets/{listed[1]['id']}")
    assert detail.html.select_one("#status").text == "已确认"
    exported = testapp.get("/cicpa/review/offsets/export.csv").body.decode("utf-8-sig")
    assert {row[7] for row in list(csv.reader(io.StringIO(exported)))[1:]} == {"未确认", "已确认", "不予确认"}


def test_a_member_queries_each_list_by_year_and_host_views_attachments_and_exports(testapp, member):
    confirmed = application(member, "input", "approved", host="江苏省注册会计师协会", hours=12,
                            files=["培训证明.pdf"])
    application(member, "input", "submitted", host="北京国家会计学院", hours=6)
    application(member, "input", "submitted", year=2023, host="江苏省注册会计师协会", hours=4)
    application(member, "output", "approved", hours=8)

    page = testapp.get("/cicpa/offsets")
    query = page.forms["my-filters"]
    labels = [label.contents[0].strip() for label in page.html.select("#my-filters label")]
    assert labels == ["类型", "学时年度", "主办方单位名称"]
    query["type"], query["year"], query["f_host_unit"] = "input", "2024", "江苏"
    found = query.submit()
    rows = found.html.select("#my-applications tbody tr")
    assert [row["data-id"] for row in rows] == [str(confirmed.id)]
    assert testapp.get("/cicpa/offsets?type=output&year=2024").html.select("#my-applications tbody tr")[0].text.count("产出式学时") == 1
    api = testapp.get("/api/v1/me/offsets", {"type": "input", "year": "2024", "host_unit": "江苏"}).json
    assert [a["id"] for a in api["applications"]] == [confirmed.id]
    assert testapp.get("/api/v1/me/offsets?year=x", status=422).json["error"]["code"] == "invalid_year"

    # 【查看】 of a confirmed application, read-only, with its 【附件信息】 to download.
    view = found.click("查看", index=0)
    assert view.html.select_one("#status").text == "已确认"
    assert "江苏省注册会计师协会" in view.html.select_one("#application-fields").text
    assert not view.html.select("#application-fields input")
    attachments = view.html.select_one("#attachments")
    assert "附件信息" in attachments.text and "培训证明.pdf" in attachments.text
    download = testapp.get(attachments.select("a[download]")[0]["href"])
    assert download.body == PDF

    # 【导出】 the list as queried.
    export = found.html.select_one("#my-export a[href*='export.xlsx']")["href"]
    book = load_workbook(io.BytesIO(testapp.get(export).body))
    sheet = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert len(sheet) == 2 and sheet[1][0] == confirmed.id and "已确认" in sheet[1]
    assert "主办单位：江苏省注册会计师协会" in sheet[1][-1]

    # 学时查询: "可通过点击“导出”按钮，将查询的学时进行导出".
    ledger.record_credit(user_id=member.id, region="cicpa", year=2024, kind="professional", credits=12,
                         source="offset", source_id=confirmed.id, description="投入式学时")
    db.session.commit()
    hours = testapp.get("/cicpa/credits?year=2024")
    assert "导出" in hours.html.select_one("#credits-export").text
    table = hours.click("CSV").body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["年度", "来源", "名称", "分类", "学时"]
    assert rows[1] == ["2024", "学时申请", "投入式学时", "专业科目", "12"]
    assert ["2024", "合计", "", "", "12"] in rows


def test_online_hours_list_the_completed_courses_from_the_ledger(testapp, member, make_course):
    done = make_course("cicpa", 2024, credits=6, title="企业内部控制实务")
    make_course("cicpa", 2024, credits=8, title="还没学完的课程")
    ledger.record_credit(user_id=member.id, region="cicpa", year=2024, kind=done.kind, credits=6,
                         source="course", source_id=done.id, description=done.title)
    ledger.record_credit(user_id=member.id, region="cicpa", year=2024, kind="professional", credits=10,
                         source="offset", source_id=999, description="投入式学时")
    db.session.commit()

    page = testapp.get("/cicpa/credits?year=2024").click("继续教育在线学时")
    assert "在线学习已完成课程" in page.text
    rows = [[td.text.strip() for td in tr.select("td")] for tr in page.html.select("#online-courses tbody tr")]
    assert [row[0] for row in rows] == ["企业内部控制实务"] and rows[0][3] == "6"
    assert page.html.select_one("#online-total").text == "6"


def test_recommended_study_groups_the_courses_by_institute_with_a_preview(testapp, make_course):
    from cpe_core.models import Institution

    institutes = [Institution(region="cicpa", name=name) for name in ("北京国家会计学院", "上海国家会计学院")]
    db.session.add_all(institutes)
    db.session.commit()
    make_course("cicpa", 2024, title="审计准则解读", institution_id=institutes[0].id, preview_url="/p/1.mp4")
    make_course("cicpa", 2024, title="税法新规", institution_id=institutes[1].id)

    home = testapp.get("/cicpa/")
    page = home.click("推荐学习")
    assert page.html.select_one("h1").contents[0].strip() == "推荐学习"
    groups = {
        section.h2.text: [a.text for a in section.select("tbody td a") if a.text != "试听"]
        for section in page.html.select(".institution-courses")
    }
    assert groups == {"北京国家会计学院": ["审计准则解读"], "上海国家会计学院": ["税法新规"]}
    assert page.click("试听").html.select_one("#preview")
    assert "课程中心" in testapp.get("/chaoyang/courses").html.select_one("h1").text


def test_a_region_naming_an_unknown_status_code_is_refused_with_the_code_named():
    from hookspecs import hookimpl
    from cpe_core.plugins import load_plugins
    from cpe_core.regions import Regions

    class Typo:
        @hookimpl
        def cpe_application_statuses(self):
            return {"pending": "待确认"}

    plugins = load_plugins("chaoyang", extra=[("typo", Typo())])
    with pytest.raises(ValueError, match="unknown status code.*pending"):
        Regions(plugins).get("chaoyang").application_statuses()


# --- 选择用户类型 at sign-in ----------------------------------------------------------------------


def test_cicpa_members_choose_their_user_type_to_sign_in_and_staff_choose_staff(app, testapp, make_learner, make_staff):
    from cpe_core.testing import CAPTCHA_TEST_ANSWER, api_captcha

    user = make_learner("cicpa", name="孙非执业", member_number="M0021", member_type="non_practising")
    page = testapp.get("/cicpa/login")
    assert page.html.select_one("#login-choice legend").text == "请选择用户类型"
    labels = [label.text.strip() for label in page.html.select("#login-choice label")]
    assert labels == ["注册会计师", "非执业会员", "工作人员"]

    def attempt(choice):
        form = testapp.get("/cicpa/login").forms["login"]
        form["login"], form["password"] = user.login, "Passw0rd!"
        if choice is not None:
            form["login_choice"] = choice
        if "captcha" in form.fields:
            form["captcha"] = CAPTCHA_TEST_ANSWER
        return form.submit(expect_errors=True)

    assert "请选择用户类型。" in attempt(None).text
    assert "账号或密码错误。" in attempt("practising").text  # not their type: refused like a bad password
    assert attempt("non_practising").status_int == 302
    testapp.reset()
    staff = make_staff("cicpa", "reviewer")
    form = testapp.get("/cicpa/login").forms["login"]
    form["login"], form["password"], form["login_choice"] = staff.login, "Passw0rd!", "staff"
    if "captcha" in form.fields:
        form["captcha"] = CAPTCHA_TEST_ANSWER
    assert form.submit().status_int == 302
    # The API asks the same when the client sends the choice, and says which field it is.
    assert testapp.get("/api/v1/regions/cicpa/registration-form").json["login_choice"] == "member_type"
    body = {"login": user.login, "password": "Passw0rd!", "login_choice": "practising", **api_captcha(testapp)}
    assert testapp.post_json("/api/v1/regions/cicpa/login", body, status=401).json["error"]["code"] == "bad_credentials"
    body = {"login": user.login, "password": "Passw0rd!", "login_choice": "non_practising", **api_captcha(testapp)}
    assert testapp.post_json("/api/v1/regions/cicpa/login", body).json["token"]
