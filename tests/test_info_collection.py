"""Guangdong's step-by-step info collection (信息采集), its attachments and its status."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from cpe_core.testing import id_number, login

LEARNER_ID = id_number("440106", "19900101", 5)


def jpeg(size: int = 0, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, fmt)
    data = buffer.getvalue()
    if size > len(data):
        data += b"\0" * (size - len(data))  # trailing bytes: still a JPEG, just a big file
    return data


@pytest.fixture
def learner(app, testapp, make_learner, tmp_path):
    app.config["CPE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    user = make_learner("guangdong", login=LEARNER_ID, id_number=LEARNER_ID, work_start_year=2015)
    login(testapp, "guangdong", LEARNER_ID)
    return user


def fill_personal(testapp, **overrides):
    form = testapp.get("/guangdong/me/collection/personal").forms["step"]
    values = {"id_type": "居民身份证", "country": "中国（内地）", "gender": "女", "birth_date": "1990-01-01",
              "email": "xiaohui@example.org", "is_student": "0", "collection_area": "广州市",
              "address": "广州市天河区某路1号"}
    values.update(overrides)
    for key, value in values.items():
        form[key] = value
    uploads = {"id_front": ("front.jpg", jpeg()), "id_back": ("back.jpeg", jpeg()), "photo": ("me.jpg", jpeg())}
    for key, value in overrides.items():
        if key in ("id_front", "id_back", "photo", "student_card"):
            uploads[key] = value
    for key, value in uploads.items():
        if value is not None:
            form[key] = (value[0], value[1])
    return form.submit(expect_errors=True)


def complete(testapp):
    assert fill_personal(testapp).status_int == 302
    for step, values in (
        ("education", {"education_level": "本科", "school": "中山大学", "major": "会计学"}),
        ("work", {"employer": "广州某公司", "work_start_year": "2015"}),
        ("qualification", {"qualification_level": "中级", "qualified_year": "2018"}),
    ):
        form = testapp.get(f"/guangdong/me/collection/{step}").forms["step"]
        for key, value in values.items():
            form[key] = value
        assert form.submit().status_int == 302


def test_a_guangdong_learner_collects_step_by_step_and_becomes_eligible(testapp, learner):
    me = testapp.get("/guangdong/me")
    assert "未提交" in me.text and "您尚未在广东省会计信息服务平台完成信息采集" in me.text
    complete(testapp)
    page = testapp.get("/guangdong/me/collection/submit")
    assert "个人信息" in page.text and "专业技术信息" in page.text
    page.forms["submit"].submit().follow()
    me = testapp.get("/guangdong/me")
    assert "已提交，待审核" in me.text
    assert "符合广东省会计人员继续教育学习条件" in me.text


def test_collecting_in_shenzhen_is_refused_with_the_reason(testapp, learner):
    complete(testapp)
    fill_personal(testapp, collection_area="深圳市")
    testapp.get("/guangdong/me/collection/submit").forms["submit"].submit()
    me = testapp.get("/guangdong/me")
    assert "本平台面向广东省内（不含深圳市）的会计人员" in me.text


@pytest.mark.parametrize(
    "override, message",
    [
        ({"id_front": ("front.jpg", jpeg(fmt="PNG"))}, "“身份证正面照片”格式不正确，只能上传jpg/jpeg格式的图片。"),
        ({"id_back": ("back.jpg", b"%PDF-1.4 not an image")}, "“身份证反面照片”格式不正确，只能上传jpg/jpeg格式的图片。"),
        ({"photo": ("photo.jpg", jpeg(size=2 * 1024 * 1024 + 1))}, "“个人免冠照片”文件大小不能超过2M。"),
        ({"collection_area": ""}, "请选择“信息采集行政区域”。"),
        ({"is_student": ""}, "请选择“是否在校学生”。"),
    ],
)
def test_a_bad_step_saves_nothing_and_keeps_what_was_typed(testapp, learner, override, message):
    from cpe_core.extensions import db

    page = fill_personal(testapp, **override)
    assert page.status_int == 422 and message in page.text
    assert page.forms["step"]["address"].value == "广州市天河区某路1号"
    db.session.expire_all()
    assert learner.profile.details.get("attachments", {}) == {}
    assert learner.profile.collection_area is None


def test_a_jpeg_of_exactly_two_megabytes_is_accepted_and_stored(app, testapp, learner):
    from pathlib import Path

    photo = jpeg(size=2 * 1024 * 1024)
    assert fill_personal(testapp, photo=("photo.jpg", photo)).status_int == 302
    stored = Path(app.config["CPE_UPLOAD_DIR"]) / "collection" / str(learner.id) / "photo.jpg"
    assert stored.read_bytes() == photo


def test_students_must_upload_a_student_card_before_submitting(testapp, learner):
    complete(testapp)
    fill_personal(testapp, is_student="1")
    page = testapp.get("/guangdong/me/collection/submit")
    assert "请在“个人信息”中上传学生证。" in page.text
    fill_personal(testapp, is_student="1", student_card=("card.jpg", jpeg()))
    assert "请在“个人信息”中上传学生证。" not in testapp.get("/guangdong/me/collection/submit").text


def test_correcting_a_submitted_collection_sends_it_back_to_draft(testapp, learner):
    complete(testapp)
    testapp.get("/guangdong/me/collection/submit").forms["submit"].submit()
    assert "已提交，待审核" in testapp.get("/guangdong/me").text
    form = testapp.get("/guangdong/me/collection/education").forms["step"]
    assert form["school"].value == "中山大学"
    form["school"] = "暨南大学"
    form.submit()
    assert "未提交" in testapp.get("/guangdong/me").text


def test_regions_without_collection_steps_have_no_collection_pages(testapp, make_learner):
    make_learner("chaoyang", login=id_number(sequence=3))
    login(testapp, "chaoyang", id_number(sequence=3))
    testapp.get("/chaoyang/me/collection/personal", status=404)


def test_a_reviewer_rejects_with_a_reason_the_learner_corrects_and_it_is_approved(testapp, learner, make_staff):
    from cpe_core.extensions import db
    from cpe_core.models import AuditEntry

    complete(testapp)
    testapp.get("/guangdong/me/collection/submit").forms["submit"].submit()
    make_staff("guangdong", "reviewer", login="gd-reviewer")
    staff = testapp.__class__(testapp.app)
    login(staff, "guangdong", "gd-reviewer")
    form = staff.get(f"/guangdong/admin/learners/{learner.id}").forms["review"]
    form["decision"] = "reject"
    assert "审核不通过时请填写原因。" in form.submit(status=422).text
    form = staff.get(f"/guangdong/admin/learners/{learner.id}").forms["review"]
    form["decision"], form["comment"] = "reject", "身份证照片不清晰"
    form.submit().follow()
    me = testapp.get("/guangdong/me")
    assert "审核未通过" in me.text and "审核意见：身份证照片不清晰" in me.text

    fill_personal(testapp)
    testapp.get("/guangdong/me/collection/submit").forms["submit"].submit()
    form = staff.get(f"/guangdong/admin/learners/{learner.id}").forms["review"]
    form["decision"] = "approve"
    page = form.submit().follow()
    assert "审核通过" in page.text and "review" not in page.forms
    actions = [e.after["status"] for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["rejected", "approved"]


def test_the_reviewer_sees_the_uploaded_id_and_photo_and_the_place_in_words(testapp, learner, make_staff, make_learner):
    complete(testapp)
    testapp.get("/guangdong/me/collection/submit").forms["submit"].submit()
    own = testapp.get("/guangdong/me/collection/personal").html.select('a[href*="/collection/"][href*="/files/"]')
    assert len(own) == 3 and testapp.get(own[0]["href"]).body == jpeg(), "the learner sees their own files"

    make_staff("guangdong", "reviewer", login="gd-reviewer")
    staff = testapp.__class__(testapp.app)
    login(staff, "guangdong", "gd-reviewer")
    page = staff.get(f"/guangdong/admin/learners/{learner.id}")
    figures = page.html.select("#collection-attachments figure")
    assert [f.figcaption.text for f in figures] == ["身份证正面照片", "身份证反面照片", "个人免冠照片"]
    image = staff.get(figures[0].img["src"])
    assert image.content_type == "image/jpeg" and image.body == jpeg()
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    # The place reads as the area collected in, not "guangdong 广州市".
    facts = page.html.select_one("dl.facts").text
    assert "广州市" in facts and "guangdong" not in facts

    # Nobody else: another learner of the region, a reviewer of another region, the anonymous.
    src = figures[0].img["src"]
    other = testapp.__class__(testapp.app)
    login(other, "guangdong", make_learner("guangdong").login)
    other.get(src, status=404)
    make_staff("chaoyang", "reviewer", login="cy-reviewer")
    foreign = testapp.__class__(testapp.app)
    login(foreign, "chaoyang", "cy-reviewer")
    foreign.get(src, status=404)
    assert "/guangdong/login" in testapp.__class__(testapp.app).get(src, status=302).location
    staff.get(src.replace("id_front", "../../etc"), status=404)
