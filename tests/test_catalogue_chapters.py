"""Staff edit and delete chapters in the admin pages. Deleting never loses a learning or exam
record, and the chapters after a deleted one move up, so each chapter is still unlocked by the
one just before it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from webtest import TestApp

from cpe_core import clock
from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Chapter, ChapterProgress, CreditRecord, ExamAttempt, Question
from cpe_core.testing import login
from study_support import YEAR, add_to_plan, course, learner, sign_in


@pytest.fixture
def admin(testapp, make_staff):
    make_staff("chaoyang")
    login(testapp, "chaoyang", "chaoyang-admin")
    return testapp


def now():
    return clock.to_utc_naive(clock.now())


def progress(user, chapter, *, passed: bool = True) -> None:
    """``user`` watched ``chapter`` to its end (and passed its exercise)."""
    db.session.add(ChapterProgress(user_id=user.id, chapter_id=chapter.id, watched_seconds=chapter.duration_seconds,
                                   last_heartbeat_at=now(), watched_at=now(),
                                   exercise_passed_at=now() if passed else None))
    db.session.commit()


def in_plan(user, c) -> None:
    add_to_plan(user, c)


def delete(admin, chapter_id: int):
    return admin.get(f"/chaoyang/admin/courses/chapters/{chapter_id}").forms["chapter-delete"].submit()


def test_staff_edit_a_chapters_title_duration_video_and_handout(admin):
    c = course("chaoyang", chapters=2)
    chapter = c.chapters[1]
    page = admin.get(f"/chaoyang/admin/courses/{c.id}")
    page = page.click(href=f"/chaoyang/admin/courses/chapters/{chapter.id}$")
    form = page.forms["chapter-edit"]
    assert (form["title"].value, form["duration_seconds"].value) == ("第2章", "60")
    assert "position" not in form.fields  # a chapter keeps its place
    form["title"], form["duration_seconds"] = "资产的确认与计量", "95"
    form["video_url"], form["handout_url"] = "/static/video/demo-preview.webm", "/static/handouts/c2.pdf"
    res = form.submit().follow()
    assert "章节已保存。" in res.text and "2. 资产的确认与计量" in res.text
    db.session.expire_all()
    assert (chapter.position, chapter.title, chapter.duration_seconds, chapter.video_url, chapter.handout_url) == (
        2, "资产的确认与计量", 95, "/static/video/demo-preview.webm", "/static/handouts/c2.pdf")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "chapter.update"))
    assert entry.target == f"chapter:{chapter.id}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("title", "", "缺少章节名称。"), ("duration_seconds", "一分钟", "视频时长（秒）应为整数。"),
     ("duration_seconds", "0", "视频时长（秒）应在1到21600之间。")],
)
def test_a_bad_chapter_edit_is_refused_and_changes_nothing(admin, field, value, message):
    c = course("chaoyang", chapters=1)
    form = admin.get(f"/chaoyang/admin/courses/chapters/{c.chapters[0].id}").forms["chapter-edit"]
    form["video_url"] = "/elsewhere.webm"
    form[field] = value
    assert form.submit().html.select_one(".flash-error").text == message
    db.session.expire_all()
    chapter = c.chapters[0]
    assert (chapter.title, chapter.duration_seconds, chapter.video_url) == ("第1章", 60, "/static/video/demo-lesson.webm")


def test_a_studied_chapter_keeps_its_duration_but_the_rest_can_be_edited(admin, make_learner):
    c = course("chaoyang", chapters=1)
    chapter = c.chapters[0]
    user = learner(make_learner, "chaoyang")
    in_plan(user, c)
    db.session.add(ChapterProgress(user_id=user.id, chapter_id=chapter.id, watched_seconds=30))  # half of 60 s
    db.session.commit()
    form = admin.get(f"/chaoyang/admin/courses/chapters/{chapter.id}").forms["chapter-edit"]
    form["title"], form["duration_seconds"] = "新标题", "30"
    assert form.submit().html.select_one(".flash-error").text == (
        "已有学员学习过本章，不能修改视频时长（学习进度按原时长计算）。如视频已更换，请新增章节。")
    db.session.expire_all()
    assert (chapter.title, chapter.duration_seconds) == ("第1章", 60)  # nothing of the edit was saved
    form = admin.get(f"/chaoyang/admin/courses/chapters/{chapter.id}").forms["chapter-edit"]
    form["title"] = "新标题"  # the duration as it was
    assert "章节已保存。" in form.submit().follow().text
    db.session.expire_all()
    assert (chapter.title, chapter.duration_seconds) == ("新标题", 60)


def test_deleting_a_chapter_moves_the_later_ones_up_and_keeps_the_unlock_chain(admin, make_learner):
    c = course("chaoyang", chapters=3)
    first, second, third = c.chapters
    second_questions = [q.id for q in second.questions]
    user = learner(make_learner, "chaoyang")
    in_plan(user, c)
    progress(user, first, passed=False)  # watched, exercise not passed yet
    res = delete(admin, second.id).follow()
    assert "章节已删除，其后的章节序号已依次前移。" in res.text
    db.session.expire_all()
    assert db.session.execute(
        select(Chapter.title, Chapter.position).where(Chapter.course_id == c.id).order_by(Chapter.position)
    ).all() == [("第1章", 1), ("第3章", 2)]
    assert db.session.scalars(select(Question.id).where(Question.id.in_(second_questions))).all() == []
    assert db.session.scalar(select(AuditEntry.target).where(AuditEntry.action == "chapter.delete")) == f"chapter:{second.id}"
    # The former third chapter is now the second: still locked until the first chapter's exercise
    # is passed (with a gap at position 2 it would have opened at once).
    site = TestApp(admin.app)
    sign_in(site, user)
    refused = site.post_json(f"/api/v1/chapters/{third.id}/heartbeat", {"position": 0}, status=422).json
    assert refused["error"]["code"] == "chapter_locked"
    chapters = site.get(f"/api/v1/me/courses/{c.id}").json["chapters"]
    assert [(ch["position"], ch["unlocked"]) for ch in chapters] == [(1, True), (2, False)]
    single, truefalse = first.questions
    site.post_json(f"/api/v1/chapters/{first.id}/exercise", {"answers": {str(single.id): 1, str(truefalse.id): 0}})
    assert site.post_json(f"/api/v1/chapters/{third.id}/heartbeat", {"position": 0}).json["watched_seconds"] == 0


def test_a_chapter_someone_studied_cannot_be_deleted(admin, make_learner):
    c = course("chaoyang", chapters=2)
    first, second = c.chapters
    user = learner(make_learner, "chaoyang")
    in_plan(user, c)
    progress(user, first)
    db.session.add(ChapterProgress(user_id=user.id, chapter_id=second.id, watched_seconds=3))  # just started
    db.session.commit()
    for chapter in (first, second):
        res = delete(admin, chapter.id).follow()
        assert res.html.select_one(".flash-error").text == (
            "已有学员学习过本章，不能删除（学习记录须保留）。如需更正，请修改本章内容。")
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(Chapter.id))) == 2
    assert db.session.scalar(select(db.func.count(ChapterProgress.id))) == 2


def test_a_chapter_whose_question_is_on_an_exam_paper_cannot_be_deleted(admin, make_learner):
    c = course("chaoyang", chapters=2)
    user = learner(make_learner, "chaoyang")
    in_plan(user, c)
    question = c.chapters[1].questions[0]
    db.session.add(ExamAttempt(user_id=user.id, region="chaoyang", year=YEAR, question_ids=[question.id],
                               status="open", deadline_at=now() + dt.timedelta(hours=1)))
    db.session.commit()
    res = delete(admin, c.chapters[1].id).follow()
    assert res.html.select_one(".flash-error").text == "本章的题目已出现在学员的考试试卷中，不能删除。如需更正，请修改本章内容。"
    page = admin.get(f"/chaoyang/admin/courses/{c.id}")
    res = page.forms[f"delete-question-{question.id}"].submit().follow()
    assert res.html.select_one(".flash-error").text == "该题目已出现在学员的考试试卷中，不能删除。"
    assert db.session.get(Question, question.id) is not None
    # Its sibling, on no paper, may go.
    other = c.chapters[1].questions[1]
    assert "题目已删除。" in page.forms[f"delete-question-{other.id}"].submit().follow().text


def test_deleting_the_last_chapter_a_learner_had_left_completes_the_course(admin, make_learner):
    c = course("chaoyang", chapters=2, credits=12)
    first, second = c.chapters
    user = learner(make_learner, "chaoyang")
    in_plan(user, c)
    progress(user, first)
    assert db.session.scalar(select(db.func.count(CreditRecord.id))) == 0
    delete(admin, second.id).follow()
    record = db.session.scalar(select(CreditRecord).where(CreditRecord.user_id == user.id))
    assert (record.source, record.source_id, record.credits) == ("course", c.id, 12)


def test_another_regions_staff_cannot_edit_or_delete_a_chapter(app, make_staff):
    c = course("chaoyang", chapters=1)
    chapter = c.chapters[0]
    make_staff("guangdong", login="gd-admin")
    other = TestApp(app)
    login(other, "guangdong", "gd-admin")
    token = other.get("/guangdong/admin/courses/").forms["course"]["csrf_token"].value
    other.get(f"/guangdong/admin/courses/chapters/{chapter.id}", status=404)
    other.post(f"/guangdong/admin/courses/chapters/{chapter.id}", {"csrf_token": token, "title": "改", "duration_seconds": "9"},
               status=404)
    other.post(f"/guangdong/admin/courses/chapters/{chapter.id}/delete", {"csrf_token": token}, status=404)
    # Nor through their own region's URL prefix onto Chaoyang's pages.
    other.get(f"/chaoyang/admin/courses/chapters/{chapter.id}", status=403)
    db.session.expire_all()
    assert (chapter.title, chapter.duration_seconds) == ("第1章", 60)


def test_a_chapter_number_that_would_leave_a_gap_is_refused(admin):
    """A chapter is unlocked by the one numbered just before it: a gap would open the next one
    without any exercise passed."""
    from test_catalogue_admin import COURSES_CSV, upload

    c = course("chaoyang", chapters=1)
    form = admin.get(f"/chaoyang/admin/courses/{c.id}").forms["chapter"]
    form["position"], form["title"], form["duration_seconds"] = "3", "第三章", "60"
    res = form.submit().follow()
    assert res.html.select_one(".flash-error").text == f"课程“{c.code}”没有第2章，章节序号须从1起连续。"
    upload(admin, "courses", "c.csv", COURSES_CSV.encode())
    header = "course_code,position,title,duration_seconds\n"
    res = upload(admin, "chapters", "ch.csv", (header + "IMP-1,1,一,60\nIMP-1,3,三,60\nIMP-2,2,二,60\n").encode(),
                 only_good=True)
    assert [td.text for td in res.html.select("table.rejected td")] == [
        "3", "课程“IMP-1”没有第2章，章节序号须从1起连续。", "4", "课程“IMP-2”没有第1章，章节序号须从1起连续。"]
    # Rows in any order are fine as long as the numbers end up contiguous.
    res = upload(admin, "chapters", "ch.csv", (header + "IMP-1,3,三,60\nIMP-1,2,二,60\nIMP-2,1,一,60\n").encode())
    assert "已导入3行章节。" in res.text
