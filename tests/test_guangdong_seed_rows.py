"""Guangdong's learner guide, row by row (issue 20): 学习资源 with its tabs, provider types and
search; study-card orders and the e-invoice's due date; the personal fields collected; buying
both course types in one order. Guangdong's words come from its plugin; the pages are the core's."""
from __future__ import annotations

import pytest

from cpe_core.testing import login

YEAR = 2024
SCHOOLS = ("源和大成教育", "中华会计网校", "东奥会计在线", "广东财经大学继续教育学院")


@pytest.fixture
def learner(make_learner, make_institution, testapp):
    for name in SCHOOLS:
        make_institution("guangdong", name)
    user = make_learner(
        "guangdong", collection_region="guangdong", collection_area="广州市", qualification_level="初级",
        qualified_year=2020, employer="广州某公司", collection_status="approved",
    )
    login(testapp, "guangdong", user.login)
    return user


def provider_rows(page):
    return [
        (row.select_one(".area").text, row.select("td")[1].text, row.select_one(".name").text,
         row.select_one(".mode").text, row.select_one(".phone").text)
        for row in page.html.select("#providers tr.provider")
    ]


def test_guangdong_learning_resources_list_schools_with_area_year_phone_and_go_study(app, testapp, learner):
    home = testapp.get("/guangdong/")
    page = home.click("学习资源", index=0)
    assert page.request.path == "/guangdong/resources"
    headings = [th.text for th in page.html.select("#providers thead th")]
    assert headings == ["行政区划", "年度", "机构名称", "机构类型", "客服电话", "操作"]
    assert [a.text for a in page.html.select("#resource-kinds a")] == ["专业课", "公需课"]
    assert page.html.select_one("#resource-kinds a[aria-current]").text == "专业课"
    rows = provider_rows(page)
    assert rows[0] == ("广州市", str(YEAR), "源和大成教育", "远程机构", "4008087802")
    assert [r[2] for r in rows] == [*SCHOOLS, "广州会计人员面授培训中心"]
    assert rows[-1][3] == "面授机构"  # face-to-face providers beside the distance ones
    # 去学习 on a school of this site leads to choosing it, preselected; then it is chosen.
    choose = page.click("去学习", index=0)
    form = choose.forms["institution"]
    assert form["institution_id"].value == str(_id_of(choose, "源和大成教育"))
    plan = form.submit().follow()
    assert "已选择培训机构" in plan.text


def _id_of(page, name):
    return next(int(o["value"]) for o in page.html.select("select[name=institution_id] option") if o.text == name)


def test_guangdong_learning_resources_tabs_types_and_search_by_name(app, testapp, learner):
    public = testapp.get(f"/guangdong/resources?year={YEAR}&kind=public")
    assert public.html.select_one("#resource-kinds a[aria-current]").text == "公需课"
    assert [r[2] for r in provider_rows(public)] == list(SCHOOLS)  # no face-to-face public course
    face = testapp.get(f"/guangdong/resources?year={YEAR}&kind=professional&mode=face_to_face")
    assert [r[2:4] for r in provider_rows(face)] == [("广州会计人员面授培训中心", "面授机构")]
    assert not face.html.select("#providers .go-study")  # signed up for by phone
    form = testapp.get(f"/guangdong/resources?year={YEAR}").forms["resource-search"]
    assert form["q"].attrs["placeholder"] == "请输入机构名称"
    form["q"] = "会计网校"
    found = form.submit()
    assert [r[2] for r in provider_rows(found)] == ["中华会计网校"]
    form = found.forms["resource-search"]
    form["q"] = "不存在的机构"
    assert "没有符合条件的机构。" in form.submit().text


def test_a_region_without_learning_resources_has_no_such_page(app, testapp, make_learner):
    user = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区")
    login(testapp, "chaoyang", user.login)
    assert "学习资源" not in testapp.get("/chaoyang/").text
    assert "本地区没有学习资源列表。" in testapp.get("/chaoyang/resources", status=404).text


# --- study-card orders and the e-invoice's due date -------------------------------------------


def card_for(testapp, make_staff, year=YEAR):
    """A Guangdong admin issues one card (学习卡) for ``year``; returns (number, secret)."""
    admin = make_staff("guangdong", "admin")
    login(testapp, "guangdong", admin.login)
    form = testapp.get("/guangdong/admin/cards").forms["generate"]
    form["year"], form["count"] = str(year), "1"
    page = form.submit()
    testapp.reset()
    return page.html.select_one("#issued td.number").text, page.html.select_one("#issued td.secret").text


def test_a_card_paid_guangdong_order_offers_no_invoice_form_but_the_distributor(app, testapp, make_staff, make_learner):
    number, secret = card_for(testapp, make_staff)
    user = make_learner(
        "guangdong", collection_region="guangdong", collection_area="广州市", qualification_level="初级",
        qualified_year=2020, employer="广州某公司", collection_status="approved",
    )
    login(testapp, "guangdong", user.login)
    order_page = testapp.get(f"/guangdong/orders/new?year={YEAR}").forms["order-professional"].submit().follow()
    form = order_page.forms["card"]
    form["number"], form["secret"] = number, secret
    paid = form.submit().follow()
    assert paid.html.select_one("#order-status").text == "已支付"
    assert "invoice-form" not in paid.forms
    assert "学习卡开发票请联系您的开发商" in paid.html.select_one("#card-invoice").text
    # Posting the form anyway is refused with the same words.
    token = paid.forms["refund"]["csrf_token"].value
    again = testapp.post(paid.request.path + "/invoice", {
        "csrf_token": token, "kind": "personal", "title": "张三", "email": "a@example.org",
    }).follow()
    assert "学习卡开发票请联系您的开发商" in again.text
    from sqlalchemy import select

    from cpe_core.extensions import db
    from cpe_core.models import Invoice

    assert db.session.scalar(select(Invoice.id)) is None


def test_a_requested_guangdong_e_invoice_shows_the_seven_working_day_due_date(app, testapp, clock, make_learner):
    import datetime as dt

    from test_orders import buy_through_sandbox
    from webtest import TestApp

    user = make_learner(
        "guangdong", collection_region="guangdong", collection_area="广州市", qualification_level="初级",
        qualified_year=2020, employer="广州某公司", collection_status="approved",
    )
    order = buy_through_sandbox(app, testapp, TestApp(app), user, "guangdong", "professional")
    form = testapp.get(f"/guangdong/orders/{order.number}").forms["invoice-form"]
    form["kind"], form["title"], form["email"] = "personal", "李四", "lisi@example.org"
    page = form.submit().follow()
    today = clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    due, left = today, 7
    while left:  # seven Monday-to-Friday days after the request
        due += dt.timedelta(days=1)
        left -= due.weekday() < 5
    assert page.html.select_one("#invoice-due").text == (
        f"电子发票会在申请后的7个工作日之内发送到邮箱。预计{due:%Y年%m月%d日}前发送到lisi@example.org。"
    )
    assert testapp.get("/api/v1/orders").json["orders"][0]["invoice"]["due"] == due.isoformat()


# --- personal fields of 信息采集 -----------------------------------------------------------------


def test_guangdong_collects_id_type_country_birth_date_and_email_and_the_reviewer_sees_them(
    app, testapp, make_learner, make_staff, tmp_path
):
    import io

    from PIL import Image

    app.config["CPE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    user = make_learner("guangdong")
    login(testapp, "guangdong", user.login)
    page = testapp.get("/guangdong/me/collection/personal")
    labels = [label.text.strip().lstrip("*") for label in page.html.select("form[name=step] label")]
    for seed_label in ("证件类型", "所在国家或地区", "出生日期", "邮箱"):
        assert any(label.startswith(seed_label) for label in labels), seed_label
    form = page.forms["step"]
    assert [o[0] for o in form["country"].options][1] == "中国（内地）"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, "JPEG")
    values = {"id_type": "居民身份证", "country": "中国（内地）", "gender": "女", "birth_date": "1987-03-06",
              "email": "not-an-address", "is_student": "0", "collection_area": "广州市", "address": "广州市天河区"}
    for key, value in values.items():
        form[key] = value
    for key in ("id_front", "id_back", "photo"):
        form[key] = (f"{key}.jpg", buffer.getvalue())
    refused = form.submit(expect_errors=True)
    assert refused.status_int == 422 and "“邮箱”不是有效的电子邮箱。" in refused.text
    form = refused.forms["step"]
    form["email"], form["birth_date"] = "chen@example.org", "1987-02-30"
    for key in ("id_front", "id_back", "photo"):
        form[key] = (f"{key}.jpg", buffer.getvalue())
    assert "出生日期" in form.submit(expect_errors=True).html.select_one(".field-error").text
    form = testapp.get("/guangdong/me/collection/personal").forms["step"]
    for key, value in {**values, "email": "chen@example.org"}.items():
        form[key] = value
    for key in ("id_front", "id_back", "photo"):
        form[key] = (f"{key}.jpg", buffer.getvalue())
    assert form.submit().status_int == 302
    again = testapp.get("/guangdong/me/collection/personal").forms["step"]
    assert (again["id_type"].value, again["birth_date"].value, again["email"].value) == (
        "居民身份证", "1987-03-06", "chen@example.org")
    from cpe_core.extensions import db

    db.session.expire_all()
    assert user.email == "chen@example.org"  # the account's e-mail, e.g. for invoices

    testapp.reset()
    reviewer = make_staff("guangdong", "reviewer")
    login(testapp, "guangdong", reviewer.login)
    shown = testapp.get(f"/guangdong/admin/learners/{user.id}")
    answers = {dd["data-field"]: dd.text for dd in shown.html.select("#collection-answers dd")}
    assert answers["id_type"] == "居民身份证" and answers["country"] == "中国（内地）"
    assert answers["birth_date"] == "1987-03-06" and answers["email"] == "chen@example.org"


# --- both course types in one order ---------------------------------------------------------


def test_guangdong_buys_public_and_professional_courses_in_one_order_with_one_confirmation(app, testapp, learner):
    from sqlalchemy import select
    from webtest import TestApp

    from cpe_core.extensions import db
    from cpe_core.models import Order, Payment
    from test_orders import sandbox, start_paying

    page = testapp.get(f"/guangdong/orders/new?year={YEAR}")
    rows = [[td.text.strip() for td in tr.select("td")[:4]] for tr in page.html.select("#combined-modes tbody tr")]
    assert rows == [
        [f"{YEAR}年", f"{YEAR}年度公需课", f"{YEAR}-12-31", "¥0.00"],
        [f"{YEAR}年", f"{YEAR}年度专业课", f"{YEAR}-12-31", "¥90.00"],
    ]
    assert page.html.select_one("#combined-total").text == f"已选择：{YEAR}年度公需课；{YEAR}年度专业课，共计¥90.00"
    assert [p.text for p in page.html.select(".offer .closes-on")] == [f"关闭时间：{YEAR}-12-31"] * 2
    form = page.forms["order-combined"]
    assert form.fields["modes"][0].checked and form.fields["modes"][1].checked
    shown = form.submit().follow()
    assert [td.text for td in shown.html.select("table tbody tr td:first-child")] == [
        f"{YEAR}年度公需课（30学分）", f"{YEAR}年度专业课（60学分）"]
    assert shown.html.select_one("#order-total").text == "¥90.00"
    # Confirming again reuses the unpaid order; a single type in it is not ordered twice.
    again = testapp.get(f"/guangdong/orders/new?year={YEAR}").forms["order-combined"].submit()
    assert again.location.endswith(shown.request.path)
    single = testapp.get(f"/guangdong/orders/new?year={YEAR}").forms["order-professional"].submit().follow()
    assert "已在未支付的订单" in single.text
    # One payment opens both kinds.
    start_paying(testapp, shown)
    ref = db.session.scalar(select(Payment.provider_ref))
    db.session.rollback()
    sandbox(app).pay(ref)
    body, headers = sandbox(app).notification(ref)
    TestApp(app).post("/payments/notify/sandbox", body, headers=headers)
    paid = testapp.get(shown.request.path)
    assert paid.html.select_one("#order-status").text == "已支付"
    assert {p.text for p in paid.html.select("#unlocked .opens-scope")} == {
        f"本订单开通{YEAR}年度全部公需科目课程，选课后即可学习。", f"本订单开通{YEAR}年度全部专业科目课程，选课后即可学习。"}
    assert db.session.scalar(select(Order.mode)) == "public+professional"
    db.session.rollback()
    bought = testapp.get(f"/guangdong/orders/new?year={YEAR}").forms["order-professional"].submit().follow()
    assert f"您已购买{YEAR}年度{YEAR}年度专业课，无需重复购买。" in bought.text


def test_modes_a_region_does_not_let_combine_are_refused_as_one_order(app, testapp, make_learner):
    user = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)
    login(testapp, "chaoyang", user.login)
    page = testapp.get(f"/chaoyang/orders/new?year={YEAR}")
    assert "order-combined" not in page.forms
    refused = testapp.post_json("/api/v1/orders", {"year": YEAR, "mode": "annual+credit"}, status=422).json
    assert refused["error"]["code"] == "modes_not_combinable"


# --- the help page: 用户操作手册, recommended browsers, customer service ---------------------------


def test_guangdong_help_page_has_the_manual_browsers_and_customer_service(app, testapp):
    page = testapp.get("/guangdong/").click("帮助中心", index=0)
    assert page.html.select_one("#manual h2").text == "用户操作手册"
    assert "学习资源" in page.html.select_one("#manual").text and "确认购买" in page.html.select_one("#manual").text
    assert [li.text for li in page.html.select("#browsers li")] == ["Google浏览器", "360极速浏览器", "火狐浏览器", "IE11及以上"]
    service = dict(zip([dt.text for dt in page.html.select("#service dt")], [dd.text for dd in page.html.select("#service dd")]))
    assert service["工作时间"] == "周一至周五 9:00-12:00，14:00-17:30（法定节假日除外）"
    assert "客服电话" in service
    testapp.get("/chaoyang/help", status=404)  # a region without a help page


# --- 最近听课记录 on the learner's home -------------------------------------------------------------


def test_the_learner_home_lists_the_chapters_studied_last_newest_first(app, testapp, make_learner, clock):
    from study_support import add_to_plan, api_heartbeat, course, learner, sign_in

    user = learner(make_learner, "guangdong")
    sign_in(testapp, user)
    home = testapp.get("/guangdong/")
    assert home.html.select_one("#recent-study h2").text == "最近听课记录"
    assert "您还未学习过任何课程" in home.html.select_one("#recent-study").text
    first = course("guangdong", chapters=1, duration=60, kind="public", title="科技创新现状与发展趋势")
    second = course("guangdong", chapters=1, duration=60, kind="public", title="政府会计准则解释第1号")
    for studied in (first, second):
        add_to_plan(user, studied)
    for studied in (first, second):
        api_heartbeat(testapp, studied.chapters[0].id, 0)
        clock.advance(seconds=10)
        api_heartbeat(testapp, studied.chapters[0].id, 10)
    listed = [
        a.text for a in testapp.get("/guangdong/").html.select("#recent-study li a")]
    assert listed == ["政府会计准则解释第1号", "科技创新现状与发展趋势"]


# --- courses grouped by subject category (课程分类) ----------------------------------------------


def test_the_plan_groups_courses_by_subject_category_as_the_guide_lists_them(app, testapp, learner, make_course):
    make_course("guangdong", YEAR, title="政府会计准则解释第1号", category="行政事业")
    make_course("guangdong", YEAR, title="小企业会计准则", category="企业会计")
    make_course("guangdong", YEAR, title="关于彩票机构执行《政府会计制度》的补充规定", category="行政事业")
    form = testapp.get(f"/guangdong/institution?year={YEAR}").forms["institution"]
    form["institution_id"] = _id_of(testapp.get(f"/guangdong/institution?year={YEAR}"), "源和大成教育")
    form.submit()
    page = testapp.get(f"/guangdong/plan?year={YEAR}")
    rows = [tr.text.strip().split("\n")[0].strip() if "category-row" in tr.get("class", []) else tr.select("td")[1].a.text
            for tr in page.html.select("table.catalogue tbody tr")]
    assert rows == ["—— 企业会计 ——", "小企业会计准则", "—— 行政事业 ——", "政府会计准则解释第1号",
                    "关于彩票机构执行《政府会计制度》的补充规定"]


# --- 往年继续教育查询 with records kept before this platform ------------------------------------------


PAST_CSV = """身份证号,姓名,年度,继续教育类型,内容,成绩/学分,状态,行政区划,学习方式,远程机构状态,远程机构时间,远程机构备注,财政管理机构状态,财政管理机构时间,财政管理机构备注,完成状态状态,完成状态时间,完成状态备注,省专业技术人员继续教育平台状态,省专业技术人员继续教育平台时间,省专业技术人员继续教育平台备注
{id},陈往年,2019,网络培训,2019年度专业课,60,已完成,广州市,远程,已回传,2019-11-02 10:00,,已审核,2019-11-05 09:30,学时核对无误,已完成,2019-11-05 09:30,,回传成功,2019-11-06 08:00,
{id},陈往年,2015,面授培训,2015年度公需课,30,已完成,广州市,面授,已回传,2015-10-01 10:00,,已审核,2015-10-08 15:00,,已完成,2015-10-08 15:00,,回传成功,2015-10-09 08:00,
440106199003151231,别人,2019,网络培训,2019年度专业课,60,已完成,广州市,远程,已回传,,,已审核,,,已完成,,,回传成功,,
"""


def test_guangdong_learners_query_past_years_with_imported_records_and_each_records_stages(
    app, testapp, make_learner, tmp_path
):
    from cpe_core.testing import id_number

    login_id = id_number("440104", "19800101", 7)
    user = make_learner("guangdong", login=login_id, id_number=login_id, name="陈往年")
    source = tmp_path / "past.csv"
    source.write_text(PAST_CSV.format(id=login_id), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["records", "import", "--region", "guangdong", str(source)])
    assert result.exit_code == 0 and "imported 3 record(s), updated 0" in result.output
    again = app.test_cli_runner().invoke(args=["records", "import", "--region", "guangdong", str(source)])
    assert "imported 0 record(s), updated 3" in again.output  # importing twice changes nothing

    login(testapp, "guangdong", user.login)
    page = testapp.get("/guangdong/").click("往年继续教育查询")
    headings = [th.text for th in page.html.select("#history-records thead th")]
    assert headings == ["姓名", "身份证明号", "继续教育类型", "内容", "年度", "成绩/学分", "状态", "操作"]
    rows = [(tr.select_one(".year").text, tr.select_one(".type").text, tr.select_one(".content").text,
             tr.select_one(".result").text, tr.select_one(".status").text)
            for tr in page.html.select("#history-records tbody tr[id]")]
    assert rows == [("2019", "网络培训", "2019年度专业课", "60", "已完成"), ("2015", "面授培训", "2015年度公需课", "30", "已完成")]
    form = page.forms["history-query"]
    form["year"] = "2015"
    only = form.submit()
    assert [tr.select_one(".year").text for tr in only.html.select("#history-records tbody tr[id]")] == ["2015"]
    detail = page.click("详情", index=0)
    steps = [(li.select_one(".stage").text, li.select_one(".step-status").text) for li in detail.html.select("#record-steps li")]
    assert steps == [("远程机构", "已回传"), ("财政管理机构", "已审核"), ("完成状态", "已完成"),
                     ("省专业技术人员继续教育平台", "回传成功")]
    cells = [td.text for td in detail.html.select("#record-detail tbody td")]
    assert cells == ["广州市", "2019", "远程", "60", "2019-11-02 10:00", "2019-11-05 09:30", "已审核", "学时核对无误"]
    # Another person's record is not this learner's to open.
    from sqlalchemy import select

    from cpe_core.extensions import db
    from cpe_core.models import PastRecord

    others = db.session.scalar(select(PastRecord.id).where(PastRecord.name == "别人"))
    db.session.rollback()
    testapp.get(f"/guangdong/history/{others}", status=404)
    testapp.get("/chaoyang/history", status=403)


# --- 我的签到 on the learner's home -----------------------------------------------------------------


def test_guangdong_learners_sign_in_once_a_day_on_their_home_page(app, testapp, learner, clock):
    home = testapp.get("/guangdong/")
    assert home.html.select_one("#check-in h2").text == "我的签到"
    assert "累计签到0天" in home.html.select_one("#check-in").text
    home = home.forms["check-in-form"].submit().follow()
    assert "今日已签到" in home.html.select_one("#check-in").text and "check-in-form" not in home.forms
    token = home.html.select_one("input[name=csrf_token]")["value"]
    testapp.post("/guangdong/check-in", {"csrf_token": token}).follow()  # twice the same day: still one
    clock.advance(days=1)
    testapp.reset()
    login(testapp, "guangdong", learner.login)
    home = testapp.get("/guangdong/")
    home = home.forms["check-in-form"].submit().follow()
    days = [span.text for span in home.html.select("#check-in .check-in-day")]
    assert "累计签到2天" in home.html.select_one("#check-in").text and len(days) == 2 and days[0] > days[1]
    assert "我的签到" not in testapp.get("/chaoyang/").text  # a region without it
