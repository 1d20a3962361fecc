"""Staff manage courses, chapters and questions, and import them from CSV or XLSX."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from webtest import TestApp, Upload

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Chapter, Course, Question
from cpe_core.testing import login
from study_support import institution

COURSES_CSV = (
    "code,title,kind,credits,year,lecturer,introduction,required,institution,preview_url\n"
    "IMP-1,政府会计实务,专业科目,20,2024,王老师,简介,否,,\n"
    "IMP-2,职业道德,公需科目,10,2024,李老师,简介,是,朝阳市会计学会,\n"
)


@pytest.fixture
def admin(testapp, make_staff):
    make_staff("chaoyang")
    login(testapp, "chaoyang", "chaoyang-admin")
    institution("chaoyang")
    return testapp


def upload(testapp, table, name, content, only_good=False):
    form = testapp.get("/chaoyang/admin/courses/import").forms["import"]
    form["table"] = table
    form["file"] = Upload(name, content)
    form["only_good"] = only_good
    return form.submit()


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_staff_import_courses_chapters_and_questions_from_csv_and_xlsx(admin):
    res = upload(admin, "courses", "courses.csv", COURSES_CSV.encode("utf-8-sig"))
    assert "已导入2行课程。" in res.text
    chapters = xlsx([("course_code", "position", "title", "duration_seconds", "video_url", "handout_url"),
                     ("IMP-1", 1, "总论", 90, "/static/video/demo-lesson.webm", "/static/h.pdf"),
                     ("IMP-1", 2, "资产", 120, "", "")])
    assert "已导入2行章节。" in upload(admin, "chapters", "chapters.xlsx", chapters).text
    questions = ("course_code,chapter_position,question_type,text,options,answer,explanation\n"
                 "IMP-1,1,单选题,政府会计由哪两部分构成？,预算会计和财务会计|管理会计和财务会计,A,双功能\n"
                 "IMP-1,1,判断题,财务会计实行权责发生制。,,正确,双基础\n")
    assert "已导入2行题目。" in upload(admin, "questions", "q.csv", questions.encode()).text
    course = db.session.scalar(select(Course).where(Course.code == "IMP-2"))
    assert (course.kind, course.credits, course.required, course.institution.name) == ("public", 10, True, "朝阳市会计学会")
    chapter = db.session.scalar(select(Chapter).where(Chapter.title == "总论"))
    assert [(q.question_type, q.answer, q.options) for q in chapter.questions] == [
        ("single", 0, ["预算会计和财务会计", "管理会计和财务会计"]), ("truefalse", 0, ["正确", "错误"])]
    assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "catalogue.import")) == 3


BAD_ROWS = [
    ("IMP-9,,专业科目,20,2024,,,,,", "缺少课程名称。"),
    ("IMP-9,课程,选修,20,2024,,,,,", "课程分类应为“专业科目”或“公需科目”。"),
    ("IMP-9,课程,专业科目,二十,2024,,,,,", "学分（学时）应为整数。"),
    ("IMP-9,课程,专业科目,0,2024,,,,,", "学分（学时）应在1到200之间。"),
    ("IMP-9,课程,专业科目,20,1999,,,,,", "年度应在2000到2100之间。"),
    ("IMP-9,课程,专业科目,20,2024,,,,不存在的机构,", "没有名为“不存在的机构”的培训机构。"),
    ("IMP-1,课程,专业科目,20,2024,,,,,", "课程编号“IMP-1”已存在。"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_a_file_with_a_bad_row_imports_nothing_and_reports_the_row(admin, row, message):
    content = (COURSES_CSV.splitlines()[0] + "\n" + COURSES_CSV.splitlines()[1] + "\n" + row + "\n").encode()
    res = upload(admin, "courses", "c.csv", content)
    assert "文件中有1行错误，未导入任何数据。" in res.text
    assert [td.text for td in res.html.select("table.rejected td")] == ["3", message]
    assert db.session.scalar(select(db.func.count(Course.id))) == 0


def test_only_the_good_rows_are_imported_on_explicit_choice(admin):
    content = COURSES_CSV + "IMP-3,课程,选修,20,2024,,,,,\n"
    res = upload(admin, "courses", "c.csv", content.encode(), only_good=True)
    assert "已导入2行课程，跳过1行有错误的数据。" in res.text
    assert [td.text for td in res.html.select("table.rejected td")] == ["4", "课程分类应为“专业科目”或“公需科目”。"]
    assert sorted(db.session.scalars(select(Course.code))) == ["IMP-1", "IMP-2"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("IMP-1,1,单选题,题干,甲|乙,C,", "单选题答案应为A到B中的一个字母。"),
        ("IMP-1,1,单选题,题干,甲,A,", "单选题应有2到6个选项，用“|”分隔。"),
        ("IMP-1,1,判断题,题干,,也许,", "判断题答案应为“正确”或“错误”。"),
        ("IMP-1,1,问答题,题干,,A,", "题型应为“单选题”或“判断题”。"),
        ("IMP-1,7,单选题,题干,甲|乙,A,", "课程“IMP-1”没有第7章。"),
        ("IMP-1,1,单选题,,甲|乙,A,", "缺少题干。"),
    ],
)
def test_bad_question_rows_are_reported(admin, row, message):
    upload(admin, "courses", "c.csv", COURSES_CSV.encode())
    upload(admin, "chapters", "ch.csv", b"course_code,position,title,duration_seconds\nIMP-1,1,t,60\n")
    header = "course_code,chapter_position,question_type,text,options,answer,explanation\n"
    res = upload(admin, "questions", "q.csv", (header + row + "\n").encode())
    assert [td.text for td in res.html.select("table.rejected td")] == ["2", message]
    assert db.session.scalar(select(db.func.count(Question.id))) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.txt", b"code\n", "仅支持 CSV 或 XLSX 文件。"),
        ("c.csv", "code\n课程".encode("gbk"), "CSV 文件须为 UTF-8 编码。"),
        ("c.xlsx", b"not a workbook", "无法读取该 Excel 文件，请使用 .xlsx 格式。"),
    ],
)
def test_unreadable_files_are_refused(admin, name, content, message):
    assert message in upload(admin, "courses", name, content).text


def test_staff_add_a_course_a_chapter_and_a_question_in_the_admin_pages(admin):
    form = admin.get("/chaoyang/admin/courses/").forms["course"]
    form["code"], form["title"], form["credits"], form["lecturer"] = "ADM-1", "内部控制", "15", "赵老师"
    res = form.submit().follow()
    assert "课程已添加。" in res.text
    form = res.forms["chapter"]
    form["title"], form["duration_seconds"] = "控制环境", "120"
    res = form.submit().follow()
    assert "章节已添加。" in res.text
    chapter = db.session.scalar(select(Chapter).where(Chapter.title == "控制环境"))
    form = res.forms[f"question-{chapter.id}"]
    form["text"], form["options"], form["answer"], form["explanation"] = "题干", "甲|乙|丙", "B", "解析"
    res = form.submit().follow()
    assert "题目已添加。" in res.text and "答案：乙" in res.text
    form = res.forms[f"question-{chapter.id}"]
    form["text"], form["options"], form["answer"] = "题干", "甲|乙", "Z"
    assert "单选题答案应为A到B中的一个字母。" in form.submit().follow().text
    course = db.session.scalar(select(Course).where(Course.code == "ADM-1"))
    form = admin.get(f"/chaoyang/admin/courses/{course.id}").forms["course"]
    form["credits"] = "abc"
    assert "学分（学时）应为整数。" in form.submit().text
    db.session.expire_all()
    assert db.session.get(Course, course.id).credits == 15


def test_learners_cannot_reach_the_catalogue_admin(testapp, make_learner):
    user = make_learner("chaoyang")
    login(testapp, "chaoyang", user.login)
    testapp.get("/chaoyang/admin/courses/", status=403)


CHAPTERS_HEADER = ("course_code", "position", "title", "duration_seconds", "video_url", "handout_url")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("IMP-9", 1, "总论", 60, "", ""), "没有编号为“IMP-9”的课程。"),
        (("IMP-1", 1, "", 60, "", ""), "缺少章节名称。"),
        (("IMP-1", 1, "总论", "一分钟", "", ""), "视频时长（秒）应为整数。"),
        (("IMP-1", 1, "总论", 0, "", ""), "视频时长（秒）应在1到21600之间。"),
        (("IMP-1", 1, "重复的第1章", 60, "", ""), "课程“IMP-1”的第1章已存在。"),
    ],
)
def test_an_xlsx_chapter_file_with_a_bad_row_imports_nothing_and_reports_the_row(admin, row, message):
    upload(admin, "courses", "c.csv", COURSES_CSV.encode())
    good = ("IMP-1", 1, "总论", 90, "/static/video/demo-lesson.webm", "/static/handouts/h1.pdf")
    res = upload(admin, "chapters", "ch.xlsx", xlsx([CHAPTERS_HEADER, good, row]))
    assert "文件中有1行错误，未导入任何数据。" in res.text
    assert [td.text for td in res.html.select("table.rejected td")] == ["3", message]
    assert db.session.scalar(select(db.func.count(Chapter.id))) == 0


def test_good_chapter_rows_of_an_xlsx_are_imported_on_explicit_choice_with_their_handouts(admin):
    upload(admin, "courses", "c.csv", COURSES_CSV.encode())
    rows = [CHAPTERS_HEADER, ("IMP-1", 1, "总论", 90, "/static/video/demo-lesson.webm", "/static/handouts/h1.pdf"),
            ("IMP-9", 1, "无此课程", 60, "", ""), ("IMP-2", 1, "职业道德", 60, "", "")]
    res = upload(admin, "chapters", "ch.xlsx", xlsx(rows), only_good=True)
    assert "跳过1行有错误的数据" in res.text
    assert [td.text for td in res.html.select("table.rejected td")] == ["3", "没有编号为“IMP-9”的课程。"]
    imported = db.session.execute(select(Chapter.title, Chapter.handout_url).order_by(Chapter.title)).all()
    assert sorted(imported) == sorted([("总论", "/static/handouts/h1.pdf"), ("职业道德", None)])


def test_staff_delete_a_question_of_their_region_only(admin, make_staff):
    upload(admin, "courses", "c.csv", COURSES_CSV.encode())
    upload(admin, "chapters", "ch.csv", b"course_code,position,title,duration_seconds\nIMP-1,1,t,60\n")
    header = "course_code,chapter_position,question_type,text,options,answer,explanation\n"
    upload(admin, "questions", "q.csv", (header + "IMP-1,1,判断题,要删除的题,,正确,\n").encode())
    question = db.session.scalar(select(Question))
    course_id = question.chapter.course_id
    page = admin.get(f"/chaoyang/admin/courses/{course_id}")
    # Another region's admin cannot reach it.
    make_staff("guangdong", login="gd-admin")
    other = TestApp(admin.app)
    login(other, "guangdong", "gd-admin")
    token = other.get("/guangdong/admin/courses/").forms["course"]["csrf_token"].value
    other.post(f"/guangdong/admin/courses/questions/{question.id}/delete", {"csrf_token": token}, status=404)
    res = page.forms[f"delete-question-{question.id}"].submit().follow()
    assert "题目已删除。" in res.text and "要删除的题" not in res.text
    assert db.session.scalar(select(db.func.count(Question.id))) == 0
