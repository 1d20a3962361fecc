"""Each region's whole journey in headless Chromium, on the real clock, over the demo a newcomer
gets from ``make run`` today: register, eligibility, institution, study plan, pay through the
sandbox, watch a real short chapter to its end, pass its exercise, sit the exam, download the
certificate and open its verification page; then the staff side: review what waits in the queue,
approve it, export the year.

One test per region. The only shortcuts are the demo's own (``cpe_core.services.demo``): the
chapter watched in the browser is made 4 seconds long before the learner starts it, and the
rest of the plan is recorded as watched in full, as the demo's learner who is ready for the exam
has it. Nothing is done around a rule: the ledger, the exam's conditions, payment and
entitlement decide as they would for anyone.
"""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from cpe_core.clock import SystemClock
from cpe_core.extensions import db
from cpe_core.models import Chapter, Course, Question, StudyPlanItem, User
from cpe_core.regions import rules_for
from cpe_core.services import demo, years
from cpe_core.testing import CAPTCHA_TEST_ANSWER, id_number, own_login_choice

pytestmark = pytest.mark.browser

PASSWORD = "Secret123"
DEMO_PASSWORD = "Demo@2024"
SHORT = 4  # seconds: the chapter watched for real


@pytest.fixture
def clock():
    """Today, as a newcomer has it: the programme year, the exam window and every deadline are
    the real ones."""
    return SystemClock()


@pytest.fixture
def cpe_test_config(cpe_test_config, tmp_path):
    return {**cpe_test_config, "CPE_HEARTBEAT_INTERVAL_SECONDS": 1, "CPE_UPLOAD_DIR": str(tmp_path / "uploads"),
            "CPE_EXPORT_DIR": str(tmp_path / "exports"), "CPE_OUTBOX_DIR": str(tmp_path / "outbox")}


# --- steps every region shares ------------------------------------------------------------------


def load_demo(region: str) -> int:
    """``make run``'s demo for the region; the year that applies today."""
    report = demo.load(rules_for(region))
    assert not [line for line in report.stages if "stopped" in line or "refused" in line], report.stages
    assert report.year == years.current_year(region)
    db.session.remove()  # no read transaction left open under the live server's writes
    return report.year


def sign_in(page, region: str, login: str, password: str) -> None:
    page.goto(f"/{region}/login")
    page.locator("input[name=login]").fill(login)
    page.get_by_label("密码").fill(password)
    if page.locator("input[name=login_choice]").count():  # CICPA: 选择用户类型
        page.locator(f"input[name=login_choice][value='{own_login_choice(region, login)}']").check()
    if page.locator("input[name=captcha]").count():
        page.locator("input[name=captcha]").fill(CAPTCHA_TEST_ANSWER)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(rf"/{region}/"))


def sign_out(page, region: str) -> None:
    page.goto(f"/{region}/")
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="退出登录").click()


def learner_named(region: str, name: str) -> User:
    user = db.session.scalar(select(User).where(User.region == region, User.name == name))
    assert user is not None, ",".join(u.name for u in db.session.scalars(select(User).where(User.region == region)))
    return user


def plan_course_ids(user_id: int, year: int) -> list[int]:
    return list(db.session.scalars(select(StudyPlanItem.course_id).where(
        StudyPlanItem.user_id == user_id, StudyPlanItem.year == year, StudyPlanItem.removed_at.is_(None)
    ).order_by(StudyPlanItem.id)))


def shorten_first_chapter(course_id: int) -> int:
    """The chapter the learner will watch in the browser, made short (nobody has watched it)."""
    chapter = db.session.scalar(select(Chapter).where(Chapter.course_id == course_id, Chapter.position == 1))
    chapter.duration_seconds = SHORT
    chapter_id = chapter.id
    db.session.commit()
    db.session.remove()
    return chapter_id


def watch_and_pass(page, region: str, chapter_id: int) -> None:
    """Play the chapter to its end in the player, then answer its exercise right."""
    from playwright.sync_api import expect

    page.goto(f"/{region}/learn/{chapter_id}")
    expect(page.locator("video#lesson")).to_be_visible()
    page.evaluate("document.getElementById('lesson').play()")
    expect(page.locator("#exercise-link")).to_be_visible(timeout=30_000)
    page.locator("#exercise-link a").click()
    right = {q.text: q.options[q.answer] for q in db.session.scalars(select(Question).where(Question.chapter_id == chapter_id))}
    db.session.remove()
    for fieldset in page.locator("fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        (text,) = [t for t in right if t in legend]
        fieldset.get_by_label(right[text], exact=True).check()
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator(".outcome")).to_contain_text("练习通过")


def finish_the_plan(region: str, name: str, year: int) -> None:
    """The rest of the plan recorded as watched in full (the demo's ready-for-exam learner)."""
    demo.study_everything(learner_named(region, name), year)
    db.session.remove()


def pay_in_the_sandbox(page, region: str, mode: str, amount: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"/{region}/orders/new")
    expect(page.locator(f"#mode-{mode} .total")).to_have_text(amount)
    page.locator(f"#order-{mode} button").click()
    if amount == "¥0.00":
        expect(page.locator("#order-status")).to_have_text("已支付")
        return
    expect(page.locator("#order-status")).to_have_text("待支付")
    page.locator("#pay-button").click()  # the only provider is chosen already
    expect(page.locator("#amount")).to_have_text(amount)
    page.locator("#confirm-pay").click()
    expect(page.locator("#order-status")).to_have_text("已支付")


def sit_the_exam_and_pass(page, region: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"/{region}/exam/")
    expect(page.locator("#exam-status")).to_contain_text("已满足考试条件")
    page.get_by_role("button", name="开始考试").click()
    questions = page.locator("fieldset.question")
    expect(questions.first).to_be_visible()
    ids = [int(q) for q in questions.evaluate_all("els => els.map(e => e.dataset.question)")]
    right = {q.id: q.answer for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    db.session.remove()
    for question_id in ids:
        page.locator(f"#question-{question_id} input[value='{right[question_id]}']").check()
    page.get_by_role("button", name="交卷").click()
    expect(page.locator("#result")).to_contain_text("考试合格")


def download_certificate_and_verify(page, region: str, button: str, name: str, artifact_dir, shot: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"/{region}/certificates/")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=button).click()
    pdf = open(download_info.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    page.goto(f"/{region}/certificates/")
    page.get_by_role("link", name="核验页面").first.click()
    expect(page.locator("#verdict")).to_contain_text("真实有效")
    expect(page.locator("#sha256")).to_have_text(hashlib.sha256(pdf).hexdigest())
    expect(page.locator("#fields")).to_contain_text(name)
    page.screenshot(path=artifact_dir / f"{shot}-certificate-verified.png", full_page=True)


def shoot_home(page, region: str, artifact_dir) -> None:
    """The learner's home at the journey's end, at a laptop's width: README's picture of the
    region (docs/screenshots/ holds copies of these)."""
    page.goto(f"/{region}/")
    page.screenshot(path=artifact_dir / f"journey-{region}-home.png")


def export_the_year(page, region: str, year: int, name: str) -> None:
    """The admin exports the year as CSV (a background job) and finds the learner in it."""
    from playwright.sync_api import expect

    page.goto(f"/{region}/admin/exports")
    form = page.locator("form#export")
    form.locator("[name=year]").fill(str(year))
    form.locator("[name=format]").select_option("csv")
    form.locator("button").click()
    page.goto(f"/{region}/admin/exports")
    link = page.get_by_role("link", name="下载").first
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    text = open(download_info.value.path(), "rb").read().decode("utf-8-sig")
    assert name in text


def review_first_waiting_application(page, region: str, applicant: str, decision: str, artifact_dir, shot: str,
                                     status: str) -> None:
    """Review the applicant's waiting application; ``status`` is the region's word for the result."""
    from playwright.sync_api import expect

    page.goto(f"/{region}/review/offsets?status=submitted")
    row = page.locator("#queue tbody tr", has_text=applicant)
    row.get_by_role("link", name="查看").click()
    expect(page.locator("img.evidence").first).to_be_visible()
    page.screenshot(path=artifact_dir / f"{shot}-review.png", full_page=True)
    page.get_by_role("button", name=decision).click()
    expect(page.locator("#status")).to_contain_text(status)


# --- 朝阳 ----------------------------------------------------------------------------------------


def test_chaoyang_journey_from_registration_to_a_verified_certificate_and_the_staff_side(app, page, live_server,
                                                                                        artifact_dir):
    from playwright.sync_api import expect

    year = load_demo("chaoyang")
    login = id_number("211302", "19900415", 321)

    page.goto("/chaoyang/")
    page.locator(".mainnav").get_by_role("link", name="注册").click()
    form = page.locator("form#register")
    form.get_by_label("身份证号").fill(login)
    form.get_by_label(re.compile(r"^\*?密码$")).fill(PASSWORD)
    form.get_by_label("确认密码").fill(PASSWORD)
    form.get_by_label("姓名").fill("赵新学")
    form.get_by_label("专业技术资格").select_option("中级")
    form.get_by_label("取得资格年份").fill(str(year - 5))
    form.get_by_label("工作单位").fill("朝阳市新华书店")
    form.get_by_label("手机号码").fill("13904219999")
    form.get_by_label("信息采集地区").select_option("chaoyang")
    form.get_by_label("验证码").fill(CAPTCHA_TEST_ANSWER)
    form.locator("[name=privacy_accepted]").check()
    form.get_by_role("button", name="注册").click()
    expect(page.get_by_text(f"符合朝阳市{year}年度会计继续教育学习条件")).to_be_visible()

    page.goto("/chaoyang/institution")
    page.locator("form#institution select[name=institution_id]").select_option(label="朝阳市会计学会")
    page.locator("form#institution select[name=level]").select_option("中级")
    page.locator("form#institution button").click()
    page.goto("/chaoyang/plan")
    page.get_by_role("button", name="一键选课").click()
    chapter_id = shorten_first_chapter(plan_course_ids(learner_named("chaoyang", "赵新学").id, year)[0])

    pay_in_the_sandbox(page, "chaoyang", "annual", "¥90.00")
    watch_and_pass(page, "chaoyang", chapter_id)
    page.screenshot(path=artifact_dir / "journey-chaoyang-exercise.png", full_page=True)
    finish_the_plan("chaoyang", "赵新学", year)
    page.goto("/chaoyang/credits")
    expect(page.locator("main")).to_contain_text("已完成")
    sit_the_exam_and_pass(page, "chaoyang")
    download_certificate_and_verify(page, "chaoyang", "下载会计专业技术人员继续教育合格证", "赵新学", artifact_dir,
                                    "journey-chaoyang")
    shoot_home(page, "chaoyang", artifact_dir)
    sign_out(page, "chaoyang")

    sign_in(page, "chaoyang", "cy-reviewer", DEMO_PASSWORD)
    review_first_waiting_application(page, "chaoyang", "陈晓燕", "通过", artifact_dir, "journey-chaoyang", "已通过")
    sign_out(page, "chaoyang")
    sign_in(page, "chaoyang", "cy-admin", DEMO_PASSWORD)
    export_the_year(page, "chaoyang", year, "赵新学")


# --- 广东 ----------------------------------------------------------------------------------------


def fill_step(page, values: dict[str, str], files: dict[str, bytes] | None = None) -> None:
    """One info-collection step: its fields and attachments, then 保存并下一步."""
    form = page.locator("form#step")
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    for code, content in (files or {}).items():
        form.locator(f"input[type=file][name={code}]").set_input_files(
            {"name": f"{code}.jpg", "mimeType": "image/jpeg", "buffer": content})
    form.get_by_role("button", name="保存并下一步").click()


def test_guangdong_journey_with_info_collection_two_packages_and_the_public_exam(app, page, live_server, artifact_dir):
    from playwright.sync_api import expect

    year = load_demo("guangdong")
    login = id_number("440106", "19910620", 456)

    page.goto("/guangdong/register")
    questions = page.locator("form#questions")  # 图5: at least one yes
    questions.locator("input[name=works_in_guangdong][value=yes]").check()
    questions.locator("input[name=lives_or_studies_with_qualification][value=no]").check()
    questions.get_by_role("button", name="确定").click()
    form = page.locator("form#register")
    form.locator("[name=login]").fill(login)
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("[name=password2]").fill(PASSWORD)
    form.locator("[name=name]").fill("梁新文")
    form.locator("[name=phone]").fill("13800009999")
    form.locator("[name=captcha]").fill(CAPTCHA_TEST_ANSWER)
    form.locator("[name=privacy_accepted]").check()
    form.get_by_role("button", name="注册").click()
    expect(page).to_have_url(re.compile(r"/guangdong/me"))

    scan = demo.evidence_image("身份证")
    page.goto("/guangdong/me/collection/personal")
    fill_step(page, {"id_type": "居民身份证", "country": "中国（内地）", "gender": "男", "birth_date": "1990-01-01",
                     "email": "liangxinwen@example.org", "is_student": "0", "collection_area": "广州市",
                     "address": "广州市天河区体育西路"},
              {"id_front": scan, "id_back": scan, "photo": scan})
    fill_step(page, {"education_level": "本科", "school": "暨南大学", "major": "会计学"})
    fill_step(page, {"employer": "广州天河会计服务有限公司", "work_start_year": str(year - 8)})
    fill_step(page, {"qualification_level": "中级", "qualified_year": str(year - 4)})
    page.locator("form#submit").get_by_role("button", name="提交").click()
    page.goto("/guangdong/me")
    expect(page.locator("main")).to_contain_text("信息采集正在审核中")  # under review: may study meanwhile

    # 学习资源 (图 7): the institution list with its tabs, search and 去学习.
    page.get_by_role("link", name="学习资源").first.click()
    expect(page.locator("#resource-kinds a[aria-current]")).to_have_text("专业课")
    expect(page.locator("#providers tr.provider-face_to_face")).to_have_count(1)  # 面授机构 beside 远程机构
    page.locator("form#resource-search input[name=q]").fill("源和")
    page.locator("form#resource-search").get_by_role("button", name="搜索").click()
    row = page.locator("#providers tr.provider")
    expect(row).to_have_count(1)
    expect(row.locator(".area")).to_have_text("广州市")
    expect(row.locator(".phone")).to_have_text("4008087802")
    page.screenshot(path=artifact_dir / "journey-guangdong-learning-resources.png", full_page=True)
    row.get_by_role("link", name="去学习").click()
    expect(page.locator("form#institution select[name=institution_id] option:checked")).to_have_text("源和大成教育")
    page.locator("form#institution button").click()
    page.goto("/guangdong/plan")
    page.get_by_role("button", name="一键选课").click()
    user_id = learner_named("guangdong", "梁新文").id
    professional = [c for c in plan_course_ids(user_id, year) if db.session.get(Course, c).kind == "professional"]
    chapter_id = shorten_first_chapter(professional[0])

    # Both types in one order (确认购买), each with its 关闭时间, paid once.
    page.goto("/guangdong/orders/new")
    expect(page.locator("#combined-modes .closes-on")).to_have_text([f"{year}-12-31", f"{year}-12-31"])
    expect(page.locator("#combined-total")).to_contain_text("共计¥90.00")
    page.locator("form#order-combined").get_by_role("button", name="确认购买").click()
    expect(page.locator("#order-total")).to_have_text("¥90.00")
    expect(page.locator("#order-times")).to_contain_text("下单时间")
    page.locator("#pay-button").click()
    expect(page.locator("#amount")).to_have_text("¥90.00")
    page.locator("#confirm-pay").click()
    expect(page.locator("#order-status")).to_have_text("已支付")
    expect(page.locator("#unlocked .opens-scope")).to_have_count(2)  # public and professional courses
    page.screenshot(path=artifact_dir / "journey-guangdong-combined-order.png", full_page=True)
    watch_and_pass(page, "guangdong", chapter_id)
    finish_the_plan("guangdong", "梁新文", year)  # the public lectures: 1,440 minutes, past the exam's 1,393
    page.goto("/guangdong/exam/")  # 考试概况: deadlines, progress, result
    summary = page.locator("#exam-summary")
    expect(summary.locator("tr", has_text="学习截止")).to_contain_text(f"{year}-12-31")
    expect(summary.locator("tr", has_text="学习进度（公需科目）")).to_contain_text("/30学分")
    expect(summary.locator("tr", has_text="通过情况")).to_contain_text("未通过")
    sit_the_exam_and_pass(page, "guangdong")
    page.goto("/guangdong/exam/")
    expect(page.locator("#exam-summary tr", has_text="通过情况")).to_contain_text("已通过")
    download_certificate_and_verify(page, "guangdong", "下载会计人员继续教育合格证", "梁新文", artifact_dir,
                                    "journey-guangdong")
    shoot_home(page, "guangdong", artifact_dir)
    sign_out(page, "guangdong")

    sign_in(page, "guangdong", "gd-reviewer", DEMO_PASSWORD)
    page.goto("/guangdong/admin/learners?collection=submitted")
    page.locator("tr", has_text="林小慧").get_by_role("link", name="查看").click()
    expect(page.locator("img.evidence")).to_have_count(3)
    page.screenshot(path=artifact_dir / "journey-guangdong-collection-review.png", full_page=True)
    page.locator("form#review select[name=decision]").select_option("approve")
    page.locator("form#review").get_by_role("button", name="提交审核结果").click()
    expect(page.locator("main")).to_contain_text("审核通过")
    sign_out(page, "guangdong")
    sign_in(page, "guangdong", "gd-admin", DEMO_PASSWORD)
    export_the_year(page, "guangdong", year, "梁新文")


# --- 中注协 --------------------------------------------------------------------------------------


def test_cicpa_journey_of_a_non_practising_member_with_hours_and_an_hours_certificate(app, page, live_server,
                                                                                        artifact_dir):
    from playwright.sync_api import expect

    year = load_demo("cicpa")
    member = "440000039999"

    page.goto("/cicpa/register")
    form = page.locator("form#register")
    form.locator("[name=login]").fill(member)
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("[name=password2]").fill(PASSWORD)
    form.locator("[name=member_type]").select_option("non_practising")
    form.locator("[name=name]").fill("何会员")
    form.locator("[name=id_number]").fill(id_number("440106", "19870301", 765))
    form.locator("[name=phone]").fill("13710039999")
    form.locator("[name=captcha]").fill(CAPTCHA_TEST_ANSWER)
    form.locator("[name=privacy_accepted]").check()
    form.get_by_role("button", name="注册").click()
    expect(page.get_by_text("您是非执业会员，可参加本年度继续教育。")).to_be_visible()

    page.goto("/cicpa/institution")  # non-practising members study at one institute a year
    page.locator("form#institution select[name=institution_id]").select_option(label="上海国家会计学院")
    page.locator("form#institution button").click()
    page.goto("/cicpa/plan")
    page.get_by_role("button", name="一键选课").click()
    chapter_id = shorten_first_chapter(plan_course_ids(learner_named("cicpa", "何会员").id, year)[0])
    page.goto("/cicpa/orders/new")
    expect(page.locator("main")).to_contain_text("免费")  # nothing to pay: the courses open as selected
    watch_and_pass(page, "cicpa", chapter_id)
    finish_the_plan("cicpa", "何会员", year)

    page.goto("/cicpa/offsets")
    page.get_by_role("link", name="申请投入式学时").click()
    page.get_by_label("主办单位").fill("广东省注册会计师协会")
    page.get_by_label("学时途径").select_option(index=1)
    page.get_by_label("申请学时数").fill("8")
    page.get_by_label(re.compile("^证明材料")).set_input_files(
        {"name": "certificate.jpg", "mimeType": "image/jpeg", "buffer": demo.evidence_image()})
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#my-applications tbody tr").first).to_contain_text("8学时")
    # The list queried by 学时年度 and 主办方单位名称, then exported as the query shows it.
    filters = page.locator("form#my-filters")
    filters.get_by_label("学时年度").select_option(str(year))
    filters.get_by_label("主办方单位名称").fill("广东省注册")
    filters.get_by_role("button", name="查询").click()
    expect(page.locator("#my-applications tbody tr")).to_have_count(1)
    expect(page.locator("#my-applications .status").first).to_have_text("未确认")
    with page.expect_download() as exported:
        page.locator("#my-export").get_by_role("link", name="CSV").click()
    rows = open(exported.value.path(), encoding="utf-8-sig").read().splitlines()
    assert len(rows) == 2 and "广东省注册会计师协会" in rows[1] and "未确认" in rows[1], rows
    filters.get_by_label("主办方单位名称").fill("北京")
    filters.get_by_role("button", name="查询").click()
    expect(page.locator("#my-applications tbody tr")).to_have_count(0)
    page.screenshot(path=artifact_dir / "journey-cicpa-filtered-applications.png", full_page=True)

    page.goto("/cicpa/certificates/")
    for box in page.locator("form#issue input[type=checkbox]").all():
        box.check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="注册会计师继续教育学时证明下载").click()
    pdf = open(download_info.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    page.goto("/cicpa/certificates/")
    page.get_by_role("link", name="核验页面").first.click()
    expect(page.locator("#verdict")).to_contain_text("真实有效")
    expect(page.locator("#sha256")).to_have_text(hashlib.sha256(pdf).hexdigest())
    page.screenshot(path=artifact_dir / "journey-cicpa-certificate-verified.png", full_page=True)
    shoot_home(page, "cicpa", artifact_dir)
    sign_out(page, "cicpa")

    sign_in(page, "cicpa", "cicpa-reviewer", DEMO_PASSWORD)
    # CICPA's words (cpe_application_statuses): the institute confirms, 已确认.
    review_first_waiting_application(page, "cicpa", "何会员", "通过", artifact_dir, "journey-cicpa", "已确认")
    sign_out(page, "cicpa")
    sign_in(page, "cicpa", "cicpa-admin", DEMO_PASSWORD)
    export_the_year(page, "cicpa", year, "何会员")
