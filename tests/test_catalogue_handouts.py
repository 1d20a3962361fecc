"""Staff upload a chapter's handout (讲义) as a file; learners with the course in their plan (and
staff) download it, anyone else is refused; a bad file is refused with a reason and nothing is
saved. A handout given as a URL keeps working beside it."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from webtest import TestApp, Upload

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Chapter, StudyPlanItem
from cpe_core.testing import login
from study_support import YEAR, add_to_plan, course, learner, pay_for_plan, sign_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
#: The OLE2 compound-file signature the old Office formats (.doc, .xls, .ppt) start with.
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504


def ooxml(folder: str) -> bytes:
    """A minimal Office Open XML package (docx: ``word/``, xlsx: ``xl/``, pptx: ``ppt/``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(f"{folder}document.xml", "<document/>")
    return out.getvalue()


@pytest.fixture
def uploads(app, tmp_path) -> Path:
    app.config["CPE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def admin(testapp, make_staff, uploads):
    make_staff("chaoyang")
    login(testapp, "chaoyang", "chaoyang-admin")
    return testapp


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def add_chapter(admin, course_id: int, name: str, content: bytes, title: str = "有讲义的一章"):
    form = admin.get(f"/chaoyang/admin/courses/{course_id}").forms["chapter"]
    form["title"], form["duration_seconds"] = title, "60"
    form["handout_file"] = Upload(name, content)
    return form.submit().follow()


def learner_signed_in_with(app, make_learner, c) -> TestApp:
    """A browser of a Chaoyang learner who has course ``c`` in the plan, signed in."""
    user = learner(make_learner, "chaoyang")
    add_to_plan(user, c)
    site = TestApp(app)
    sign_in(site, user)
    return site


def test_staff_upload_a_pdf_and_a_learner_with_the_course_downloads_it(admin, make_learner, uploads):
    c = course("chaoyang", chapters=1)
    res = add_chapter(admin, c.id, "第二章讲义.pdf", PDF)
    assert "章节已添加。" in res.text
    chapter = db.session.scalar(select(Chapter).where(Chapter.title == "有讲义的一章"))
    # Kept outside the web root under a random name; the upload's own name is only shown.
    (stored,) = files_in(uploads)
    assert stored.name == chapter.handout_key and stored.suffix == ".pdf" and stored.read_bytes() == PDF
    assert (chapter.handout_filename, chapter.handout_content_type, chapter.handout_size) == (
        "第二章讲义.pdf", "application/pdf", len(PDF))
    assert res.html.find("a", href=f"/chaoyang/learn/{chapter.id}/handout").text == "第二章讲义.pdf"
    # Staff download it.
    assert admin.get(f"/chaoyang/learn/{chapter.id}/handout").body == PDF

    site = learner_signed_in_with(admin.app, make_learner, c)
    page = site.get(f"/chaoyang/courses/{c.id}")
    link = page.html.select("tr.chapter")[1].find("a", download=True)
    assert link["href"] == f"/chaoyang/learn/{chapter.id}/handout" and link.text == "下载讲义"
    download = site.get(link["href"])
    assert download.body == PDF and download.content_type == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%E7%AC%AC%E4%BA%8C%E7%AB%A0%E8%AE%B2%E4%B9%89.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # The API gives the same file, and its course detail says where.
    detail = site.get(f"/api/v1/me/courses/{c.id}").json
    assert detail["chapters"][1]["handout_url"] == f"/api/v1/chapters/{chapter.id}/handout"
    assert site.get(detail["chapters"][1]["handout_url"]).body == PDF


def test_the_player_links_an_uploaded_handout_and_a_url_handout_alike(admin, make_learner):
    c = course("chaoyang", chapters=2)
    first, second = c.chapters
    add_chapter(admin, c.id, "h.pdf", PDF, title="第三章")
    third = db.session.scalar(select(Chapter).where(Chapter.title == "第三章"))
    first.handout_url = "/static/handouts/c1.pdf"
    db.session.commit()
    site = learner_signed_in_with(admin.app, make_learner, c)
    player = site.get(f"/chaoyang/learn/{first.id}")
    assert player.html.find("a", href="/static/handouts/c1.pdf", download=True).text == "下载讲义"
    rows = site.get(f"/chaoyang/courses/{c.id}").html.select("tr.chapter")
    assert rows[0].find("a", download=True)["href"] == "/static/handouts/c1.pdf"
    assert rows[1].find("a", download=True) is None  # no handout at all
    assert rows[2].find("a", download=True)["href"] == f"/chaoyang/learn/{third.id}/handout"
    api = site.get(f"/api/v1/me/courses/{c.id}").json["chapters"]
    assert [ch["handout_url"] for ch in api] == ["/static/handouts/c1.pdf", None, f"/api/v1/chapters/{third.id}/handout"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("程序.exe", PDF, "讲义只能上传pdf、doc、docx、ppt、pptx、xls、xlsx格式的文件。"),
        ("讲义.txt", b"plain text", "讲义只能上传pdf、doc、docx、ppt、pptx、xls、xlsx格式的文件。"),
        ("无扩展名", PDF, "讲义只能上传pdf、doc、docx、ppt、pptx、xls、xlsx格式的文件。"),
        ("空的.pdf", b"", "讲义文件“空的.pdf”是空的，请重新选择。"),
        ("太大.pdf", PDF + b"\0" * 2048, "讲义文件“太大.pdf”超过2KB，请压缩后再上传。"),
        ("伪装.pdf", b"MZ\x90\0 not a pdf", "讲义文件“伪装.pdf”的内容不是pdf格式，请重新选择。"),
        ("伪装.docx", PDF, "讲义文件“伪装.docx”的内容不是docx格式，请重新选择。"),
        ("表格.xlsx", ooxml("word/"), "讲义文件“表格.xlsx”的内容不是xlsx格式，请重新选择。"),
        ("旧格式.doc", PDF, "讲义文件“旧格式.doc”的内容不是doc格式，请重新选择。"),
    ],
)
def test_a_bad_handout_file_is_refused_with_a_reason_and_nothing_is_saved(app, admin, uploads, name, content, message):
    app.config["CPE_HANDOUT_MAX_BYTES"] = 2048
    c = course("chaoyang", chapters=1)
    res = add_chapter(admin, c.id, name, content)
    assert res.html.select_one(".flash-error").text == message
    assert db.session.scalar(select(db.func.count(Chapter.id))) == 1
    assert files_in(uploads) == []
    # Editing a chapter with the same file is refused the same way, and changes nothing.
    chapter = c.chapters[0]
    form = admin.get(f"/chaoyang/admin/courses/chapters/{chapter.id}").forms["chapter-edit"]
    form["title"] = "改过的名称"
    form["handout_file"] = Upload(name, content)
    assert form.submit().html.select_one(".flash-error").text == message
    db.session.expire_all()
    assert (chapter.title, chapter.handout_key) == ("第1章", None)
    assert files_in(uploads) == []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("讲义.docx", ooxml("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("讲义.pptx", ooxml("ppt/"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("讲义.xlsx", ooxml("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("讲义.doc", OLE2, "application/msword"),
        ("讲义.ppt", OLE2, "application/vnd.ms-powerpoint"),
        ("讲义.XLS", OLE2, "application/vnd.ms-excel"),
    ],
)
def test_office_handouts_are_accepted_by_their_content(admin, uploads, name, content, content_type):
    c = course("chaoyang", chapters=1)
    assert "章节已添加。" in add_chapter(admin, c.id, name, content).text
    chapter = db.session.scalar(select(Chapter).where(Chapter.title == "有讲义的一章"))
    assert chapter.handout_content_type == content_type
    response = admin.get(f"/chaoyang/learn/{chapter.id}/handout")
    assert response.body == content and response.content_type == content_type


def test_the_allowed_types_and_size_are_settings(app, admin, uploads):
    app.config["CPE_HANDOUT_EXTENSIONS"] = "pdf"
    c = course("chaoyang", chapters=1)
    res = add_chapter(admin, c.id, "讲义.docx", ooxml("word/"))
    assert res.html.select_one(".flash-error").text == "讲义只能上传pdf格式的文件。"
    assert "支持pdf格式，不超过10MB" in res.text  # the form says the rules in force
    app.config["CPE_HANDOUT_MAX_BYTES"] = len(PDF) - 1
    assert "超过" in add_chapter(admin, c.id, "讲义.pdf", PDF).html.select_one(".flash-error").text
    app.config["CPE_HANDOUT_MAX_BYTES"] = len(PDF)
    assert "章节已添加。" in add_chapter(admin, c.id, "讲义.pdf", PDF).text


def test_a_new_upload_replaces_the_old_file_and_staff_may_remove_it(admin, uploads):
    c = course("chaoyang", chapters=1)
    chapter = c.chapters[0]
    url = f"/chaoyang/admin/courses/chapters/{chapter.id}"
    form = admin.get(url).forms["chapter-edit"]
    form["handout_file"] = Upload("旧.pdf", PDF)
    assert "章节已保存。" in form.submit().follow().text
    (old,) = files_in(uploads)
    form = admin.get(url).forms["chapter-edit"]
    form["handout_file"] = Upload("新.docx", ooxml("word/"))
    form.submit().follow()
    (new,) = files_in(uploads)
    assert new != old and new.suffix == ".docx"
    db.session.expire_all()
    assert chapter.handout_filename == "新.docx"
    # Removing the file falls back to the URL, if one was given.
    form = admin.get(url).forms["chapter-edit"]
    form["handout_url"] = "/static/handouts/c1.pdf"
    form["remove_handout"] = True
    form.submit().follow()
    assert files_in(uploads) == []
    db.session.expire_all()
    assert (chapter.handout_key, chapter.handout_filename, chapter.handout_url) == (None, None, "/static/handouts/c1.pdf")
    admin.get(f"/chaoyang/learn/{chapter.id}/handout", status=404)
    updates = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "chapter.update")).all()
    assert len(updates) == 3


def test_only_learners_with_the_course_and_the_regions_staff_may_download(app, admin, make_learner, make_staff):
    c = course("chaoyang", chapters=1)
    add_chapter(admin, c.id, "h.pdf", PDF)
    chapter = db.session.scalar(select(Chapter).where(Chapter.title == "有讲义的一章"))
    url, api_url = f"/chaoyang/learn/{chapter.id}/handout", f"/api/v1/chapters/{chapter.id}/handout"
    # Nobody signed in: the login page (site), 401 (API).
    anonymous = TestApp(app)
    assert "/chaoyang/login" in anonymous.get(url, status=302).location
    anonymous.get(api_url, status=401)
    # A learner without the course in the plan: 403 with the reason, on the site and the API.
    other = TestApp(app)
    outsider = learner(make_learner, "chaoyang")
    sign_in(other, outsider)
    assert "请先将该课程加入学习计划，再下载讲义。" in other.get(url, status=403).text
    assert other.get(api_url, status=403).json["error"]["code"] == "handout_forbidden"
    # Having removed the course from the plan, the same.
    db.session.add(StudyPlanItem(user_id=outsider.id, course_id=c.id, year=YEAR, removed_at=db.func.now()))
    db.session.commit()
    other.get(url, status=403)
    # Another region's staff and learners: 404, as for a chapter that does not exist.
    make_staff("guangdong", login="gd-admin")
    foreign = TestApp(app)
    login(foreign, "guangdong", "gd-admin")
    foreign.get(f"/guangdong/learn/{chapter.id}/handout", status=404)
    stranger = TestApp(app)
    sign_in(stranger, learner(make_learner, "guangdong"))
    assert stranger.get(api_url, status=404).json["error"]["code"] == "handout_not_found"
    admin.get(f"/chaoyang/learn/{chapter.id + 999}/handout", status=404)


def test_a_learner_who_has_not_paid_for_the_course_cannot_download_its_handout(app, admin, make_learner):
    c = course("chaoyang", chapters=1)
    add_chapter(admin, c.id, "h.pdf", PDF)
    chapter = db.session.scalar(select(Chapter).where(Chapter.title == "有讲义的一章"))
    unpaid = learner(make_learner, "chaoyang")
    db.session.add(StudyPlanItem(user_id=unpaid.id, course_id=c.id, year=YEAR))  # selected, not paid
    db.session.commit()
    site = TestApp(app)
    sign_in(site, unpaid)
    assert "该课程尚未开通，请先缴费开通该课程。" in site.get(f"/chaoyang/learn/{chapter.id}/handout", status=403).text
    refused = site.get(f"/api/v1/chapters/{chapter.id}/handout", status=403).json
    assert refused["error"]["code"] == "course_not_opened"
    pay_for_plan(unpaid, YEAR)
    assert site.get(f"/api/v1/chapters/{chapter.id}/handout").body == PDF
