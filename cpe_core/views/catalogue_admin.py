"""A region's catalogue admin: courses, chapters and questions, and bulk import. Thin views over
:mod:`cpe_core.services.catalogue` (which holds every rule, shared with the import)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import CpeForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import BooleanField, RadioField, StringField, TextAreaField

from ..auth import admin_required
from ..extensions import db
from ..models import Chapter, Course, Institution, Question
from ..services import catalogue as service
from ..services import handouts
from .binding import bind_region
from ..services.years import current_year

bp = Blueprint("catalogue_admin", __name__, url_prefix="/<region>/admin/courses")
bind_region(bp)


class CourseForm(CpeForm):
    code = StringField(_l("课程编号"))
    title = StringField(_l("课程名称"))
    kind = RadioField(_l("课程分类"), choices=[("professional", _l("专业科目")), ("public", _l("公需科目"))], validate_choice=False)
    credits = StringField(_l("学分（学时）"))
    year = StringField(_l("年度"))
    lecturer = StringField(_l("主讲老师"))
    introduction = TextAreaField(_l("课程简介"))
    required = BooleanField(_l("必修"))
    institution = StringField(_l("培训机构（名称，可空）"))
    preview_url = StringField(_l("试看视频地址"))
    category = StringField(_l("课程分类（如行政事业，可空）"))


class ChapterForm(CpeForm):
    position = StringField(_l("章节序号"))
    title = StringField(_l("章节名称"))
    duration_seconds = StringField(_l("视频时长（秒）"))
    video_url = StringField(_l("视频地址"))
    handout_url = StringField(_l("讲义地址"))
    handout_file = FileField(_l("或上传讲义文件"))


class ChapterEditForm(ChapterForm):
    """The chapter's position stays: deleting a chapter is what moves the ones after it."""

    position = None
    remove_handout = BooleanField(_l("删除已上传的讲义文件"))


class QuestionForm(CpeForm):
    question_type = RadioField(_l("题型"), choices=[("single", _l("单选题")), ("truefalse", _l("判断题"))], validate_choice=False)
    text = TextAreaField(_l("题干"))
    options = StringField(_l("选项（单选题，用“|”分隔）"))
    answer = StringField(_l("答案（单选题填字母；判断题填“正确”或“错误”）"))
    explanation = TextAreaField(_l("解析"))


class ImportForm(CpeForm):
    table = RadioField(_l("导入内容"), choices=list(service.TABLE_LABELS.items()), default="courses")
    file = FileField(_l("CSV 或 XLSX 文件"), validators=[FileRequired(message=_l("请选择要导入的文件。"))])
    only_good = BooleanField(_l("仅导入无误的行（有错误的行将被跳过）"))


class ActionForm(CpeForm):
    """A button that posts: CSRF only."""


def _form_row(form) -> dict:
    return {name: ("1" if field.data is True else "" if field.data is False else (field.data or ""))
            for name, field in form._fields.items() if name != "csrf_token" and not isinstance(field, FileField)}


def _handout(form) -> service.Upload | None:
    """The handout file the form carries, if one was chosen."""
    upload = form.handout_file.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return service.Upload(upload.filename, upload.read())


def _chapter(chapter_id: int) -> Chapter:
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None or chapter.course.region != g.region.code:
        abort(404)
    return chapter


def _course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or course.region != g.region.code:
        abort(404)
    return course


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    form = CourseForm(year=str(current_year(g.region.code)), kind="professional")
    if request.method == "POST" and form.validate():
        try:
            course = service.create_course(g.region.code, _form_row(form), current_user)
        except service.RowError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("课程已添加。"), "success")
            return redirect(url_for("catalogue_admin.detail", course_id=course.id))
    courses = db.session.execute(
        select(Course, func.count(Chapter.id))
        .outerjoin(Chapter, Chapter.course_id == Course.id)
        .where(Course.region == g.region.code)
        .group_by(Course.id)
        .order_by(Course.year.desc(), Course.kind, Course.id)
    ).all()
    return render_template("catalogue_admin/index.html", courses=courses, form=form)


@bp.route("/<int:course_id>", methods=["GET", "POST"])
@admin_required
def detail(course_id: int):
    course = _course(course_id)
    institution = db.session.get(Institution, course.institution_id) if course.institution_id else None
    form = CourseForm(obj=None, data={
        "code": course.code, "title": course.title, "kind": course.kind, "credits": str(course.credits),
        "year": str(course.year), "lecturer": course.lecturer, "introduction": course.introduction,
        "required": course.required, "institution": institution.name if institution else "",
        "preview_url": course.preview_url or "", "category": course.category,
    }) if request.method == "GET" else CourseForm()
    if request.method == "POST" and form.validate():
        try:
            service.update_course(course, _form_row(form), current_user)
            flash(_("课程已保存。"), "success")
            return redirect(url_for("catalogue_admin.detail", course_id=course.id))
        except service.RowError as error:
            db.session.rollback()
            flash(str(error), "error")
    chapters = list(db.session.scalars(select(Chapter).where(Chapter.course_id == course.id).order_by(Chapter.position)))
    questions: dict[int, list[Question]] = {c.id: [] for c in chapters}
    if chapters:
        for q in db.session.scalars(select(Question).where(Question.chapter_id.in_(list(questions))).order_by(Question.id)):
            questions[q.chapter_id].append(q)
    return render_template(
        "catalogue_admin/detail.html", course=course, form=form, chapters=chapters, questions=questions,
        chapter_form=ChapterForm(position=str(len(chapters) + 1)), question_form=QuestionForm(question_type="single"),
        action_form=ActionForm(), handout_note=handouts.rules_note(),
    )


def _add_row(form, add, owner, done: str) -> None:
    """Add the valid ``form``'s row to ``owner``; a rule's refusal is flashed and nothing saved."""
    if not form.validate():
        return
    try:
        add(owner, _form_row(form), current_user)
        flash(done, "success")
    except service.RowError as error:
        db.session.rollback()
        flash(str(error), "error")


@bp.post("/<int:course_id>/chapters")
@admin_required
def add_chapter(course_id: int):
    course = _course(course_id)
    form = ChapterForm()
    _add_row(form, lambda owner, row, actor: service.add_chapter(owner, row, actor, _handout(form)), course,
             _("章节已添加。"))
    return redirect(url_for("catalogue_admin.detail", course_id=course.id))


@bp.route("/chapters/<int:chapter_id>", methods=["GET", "POST"])
@admin_required
def chapter(chapter_id: int):
    """Edit a chapter: title, duration, video, handout (URL or file)."""
    found = _chapter(chapter_id)
    form = ChapterEditForm(data={
        "title": found.title, "duration_seconds": str(found.duration_seconds), "video_url": found.video_url or "",
        "handout_url": found.handout_url or "",
    }) if request.method == "GET" else ChapterEditForm()
    if request.method == "POST" and form.validate():
        try:
            service.update_chapter(found, _form_row(form), current_user, _handout(form),
                                   remove_handout=form.remove_handout.data)
        except service.RowError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("章节已保存。"), "success")
            return redirect(url_for("catalogue_admin.detail", course_id=found.course_id))
    return render_template("catalogue_admin/chapter.html", chapter=found, form=form, action_form=ActionForm(),
                           handout_note=handouts.rules_note())


@bp.post("/chapters/<int:chapter_id>/delete")
@admin_required
def delete_chapter(chapter_id: int):
    found = _chapter(chapter_id)
    course_id = found.course_id
    if ActionForm().validate():
        try:
            service.delete_chapter(found, current_user)
        except service.RowError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("catalogue_admin.chapter", chapter_id=chapter_id))
        flash(_("章节已删除，其后的章节序号已依次前移。"), "success")
    return redirect(url_for("catalogue_admin.detail", course_id=course_id))


@bp.post("/chapters/<int:chapter_id>/questions")
@admin_required
def add_question(chapter_id: int):
    chapter = _chapter(chapter_id)
    _add_row(QuestionForm(), service.add_question, chapter, _("题目已添加。"))
    return redirect(url_for("catalogue_admin.detail", course_id=chapter.course_id))


@bp.post("/questions/<int:question_id>/delete")
@admin_required
def delete_question(question_id: int):
    question = db.session.get(Question, question_id)
    if question is None or question.chapter.course.region != g.region.code:
        abort(404)
    course_id = question.chapter.course_id
    if ActionForm().validate():
        try:
            service.delete_question(question, current_user)
        except service.RowError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("题目已删除。"), "success")
    return redirect(url_for("catalogue_admin.detail", course_id=course_id))


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def bulk_import():
    form = ImportForm()
    report = None
    if request.method == "POST":
        if form.validate():
            upload = form.file.data
            try:
                rows = service.read_table(upload.filename or "", upload.read())
                report = service.import_rows(g.region.code, form.table.data, rows, only_good=form.only_good.data,
                                             actor=current_user)
            except service.RowError as error:
                db.session.rollback()
                flash(str(error), "error")
        else:
            flash(_("；").join(str(m) for errors in form.errors.values() for m in errors), "error")
    return render_template("catalogue_admin/import.html", form=form, report=report, columns=service.COLUMNS,
                           labels=service.TABLE_LABELS)
