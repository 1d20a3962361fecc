"""Staff managing the catalogue: courses, chapters and questions, one at a time or imported
in bulk from CSV or XLSX.

One validator per kind of row serves both the admin forms and the import, so a rule lives in
one place. An import is all-or-nothing unless staff explicitly choose to import only the good
rows; either way every rejected row is reported with its line number and the reason.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from hookspecs import KIND_LABELS, KINDS

from ..extensions import db
from ..models import Chapter, ChapterProgress, Course, ExamAnswer, ExamAttempt, Institution, Question, StudyPlanItem, User
from ..regions import RuleError
from . import audit, handouts, learning, stored_files
from .stored_files import Upload

#: The columns of each import, in the order of the template files.
COLUMNS = {
    "courses": ("code", "title", "kind", "credits", "year", "lecturer", "introduction", "required", "institution",
                "preview_url", "category"),
    "chapters": ("course_code", "position", "title", "duration_seconds", "video_url", "handout_url"),
    "questions": ("course_code", "chapter_position", "question_type", "text", "options", "answer", "explanation"),
}
TABLE_LABELS = {"courses": "课程", "chapters": "章节", "questions": "题目"}
TRUE_FALSE = ("正确", "错误")
MAX_ROWS = 5000
YES = {"1", "是", "y", "yes", "true", "必修"}


class RowError(ValueError):
    """A row that cannot be saved; the message is Chinese."""


@dataclass
class ImportReport:
    table: str
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False


# --- reading files -------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM) or XLSX file as dicts of stripped text."""
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RowError("CSV 文件须为 UTF-8 编码。") from None
        rows = list(csv.reader(io.StringIO(text)))
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook gets the same answer
            raise RowError("无法读取该 Excel 文件，请使用 .xlsx 格式。") from None
        try:
            sheet = book.worksheets[0]
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    else:
        raise RowError("仅支持 CSV 或 XLSX 文件。")
    if not rows:
        raise RowError("文件是空的。")
    header = [h.strip() for h in rows[0]]
    if len(rows) - 1 > MAX_ROWS:
        raise RowError(f"一次最多导入{MAX_ROWS}行。")
    return [
        {h: (row[i].strip() if i < len(row) and row[i] is not None else "") for i, h in enumerate(header) if h}
        for row in rows[1:]
        if any((cell or "").strip() for cell in row)
    ]


# --- one validator per row kind ------------------------------------------------------------


def _int(value: str, label: str, low: int, high: int) -> int:
    text = str(value if value is not None else "").strip()
    if text.endswith(".0"):  # Excel hands whole numbers over as floats
        text = text[:-2]
    try:
        number = int(text)
    except ValueError:
        raise RowError(f"{label}应为整数。") from None
    if not low <= number <= high:
        raise RowError(f"{label}应在{low}到{high}之间。")
    return number


def _required(row: dict, key: str, label: str, max_length: int) -> str:
    value = (row.get(key) or "").strip()
    if not value:
        raise RowError(f"缺少{label}。")
    if len(value) > max_length:
        raise RowError(f"{label}不能超过{max_length}个字。")
    return value


def _kind(value: str) -> str:
    value = (value or "").strip()
    for kind in KINDS:
        if value in (kind, KIND_LABELS[kind], KIND_LABELS[kind].replace("科目", "课")):
            return kind
    raise RowError("课程分类应为“专业科目”或“公需科目”。")


def course_values(region: str, row: dict, institutions: dict[str, int]) -> dict:
    """Validated column values of a course row."""
    values = {
        "code": _required(row, "code", "课程编号", 64),
        "title": _required(row, "title", "课程名称", 200),
        "kind": _kind(row.get("kind", "")),
        "credits": _int(row.get("credits", ""), "学分（学时）", 1, 200),
        "year": _int(row.get("year", ""), "年度", 2000, 2100),
        "lecturer": (row.get("lecturer") or "").strip()[:64],
        "introduction": (row.get("introduction") or "").strip(),
        "required": (row.get("required") or "").strip().lower() in YES,
        "preview_url": (row.get("preview_url") or "").strip() or None,
        "category": (row.get("category") or "").strip()[:32],
        "institution_id": None,
    }
    name = (row.get("institution") or "").strip()
    if name:
        if name not in institutions:
            raise RowError(f"没有名为“{name}”的培训机构。")
        values["institution_id"] = institutions[name]
    return values


def chapter_values(row: dict, course_ids: dict[str, int]) -> dict:
    code = _required(row, "course_code", "课程编号", 64)
    if code not in course_ids:
        raise RowError(f"没有编号为“{code}”的课程。")
    return {
        "course_id": course_ids[code],
        "position": _int(row.get("position", ""), "章节序号", 1, 500),
        "title": _required(row, "title", "章节名称", 200),
        "duration_seconds": _int(row.get("duration_seconds", ""), "视频时长（秒）", 1, 6 * 3600),
        "video_url": (row.get("video_url") or "").strip() or None,
        "handout_url": (row.get("handout_url") or "").strip() or None,
    }


def question_values(row: dict, chapter_ids: dict[tuple[str, int], int]) -> dict:
    code = _required(row, "course_code", "课程编号", 64)
    position = _int(row.get("chapter_position", ""), "章节序号", 1, 500)
    if (code, position) not in chapter_ids:
        raise RowError(f"课程“{code}”没有第{position}章。")
    qtype = (row.get("question_type") or "").strip()
    qtype = {"单选": "single", "单选题": "single", "判断": "truefalse", "判断题": "truefalse"}.get(qtype, qtype)
    if qtype not in ("single", "truefalse"):
        raise RowError("题型应为“单选题”或“判断题”。")
    text = _required(row, "text", "题干", 2000)
    answer = (row.get("answer") or "").strip().upper()
    if qtype == "truefalse":
        options = list(TRUE_FALSE)
        index = {"正确": 0, "对": 0, "√": 0, "错误": 1, "错": 1, "×": 1}.get(answer)
        if index is None:
            raise RowError("判断题答案应为“正确”或“错误”。")
    else:
        options = [o.strip() for o in (row.get("options") or "").split("|") if o.strip()]
        if not 2 <= len(options) <= 6:
            raise RowError("单选题应有2到6个选项，用“|”分隔。")
        if len(answer) != 1 or not "A" <= answer <= chr(ord("A") + len(options) - 1):
            raise RowError(f"单选题答案应为A到{chr(ord('A') + len(options) - 1)}中的一个字母。")
        index = ord(answer) - ord("A")
    return {"chapter_id": chapter_ids[(code, position)], "question_type": qtype, "text": text, "options": options,
            "answer": index, "explanation": (row.get("explanation") or "").strip()}


# --- lookups (one query each) --------------------------------------------------------------


def _institutions(region: str) -> dict[str, int]:
    return dict(db.session.execute(select(Institution.name, Institution.id).where(Institution.region == region)).all())


def _course_ids(region: str) -> dict[str, int]:
    return dict(db.session.execute(select(Course.code, Course.id).where(Course.region == region)).all())


def _chapter_ids(region: str) -> dict[tuple[str, int], int]:
    rows = db.session.execute(
        select(Course.code, Chapter.position, Chapter.id).join(Course, Course.id == Chapter.course_id)
        .where(Course.region == region)
    )
    return {(code, position): chapter_id for code, position, chapter_id in rows}


# --- saving --------------------------------------------------------------------------------


def import_rows(region: str, table: str, rows: Iterable[dict], *, only_good: bool, actor: User) -> ImportReport:
    """Validate every row, then save all of them, or none when any is bad unless ``only_good``;
    commit (with an audit entry) only when something is saved. Line numbers count the header
    as line 1."""
    if table not in COLUMNS:
        raise RowError("未知的导入类型。")
    report = ImportReport(table)
    good: list[tuple[int, dict]] = []
    if table == "courses":
        institutions, existing = _institutions(region), _course_ids(region)
        seen: set[str] = set()
        for line, row in enumerate(rows, start=2):
            try:
                values = course_values(region, row, institutions)
                if values["code"] in existing or values["code"] in seen:
                    raise RowError(f"课程编号“{values['code']}”已存在。")
                seen.add(values["code"])
                good.append((line, values))
            except RowError as error:
                report.rejected.append((line, str(error)))
    elif table == "chapters":
        course_ids = _course_ids(region)
        existing = set(_chapter_ids(region))
        by_id = {v: k for k, v in course_ids.items()}
        seen_chapters: set[tuple[str, int]] = set()
        for line, row in enumerate(rows, start=2):
            try:
                values = chapter_values(row, course_ids)
                key = (by_id[values["course_id"]], values["position"])
                if key in existing or key in seen_chapters:
                    raise RowError(f"课程“{key[0]}”的第{key[1]}章已存在。")
                seen_chapters.add(key)
                good.append((line, values))
            except RowError as error:
                report.rejected.append((line, str(error)))
        good = _without_gaps(good, existing | seen_chapters, by_id, report)
    else:
        chapter_ids = _chapter_ids(region)
        for line, row in enumerate(rows, start=2):
            try:
                good.append((line, question_values(row, chapter_ids)))
            except RowError as error:
                report.rejected.append((line, str(error)))
    if report.rejected and not only_good:
        db.session.rollback()
        return report
    model = {"courses": Course, "chapters": Chapter, "questions": Question}[table]
    for _line, values in good:
        if table == "courses":
            values["region"] = region
        db.session.add(model(**values))
    report.imported = len(good)
    if good:
        audit.record(
            "catalogue.import", f"{region}:{table}", actor=actor, region=region,
            after={"imported": report.imported, "rejected": len(report.rejected)},
        )
        db.session.commit()
        report.committed = True
    return report


def _without_gaps(good: list[tuple[int, dict]], keys: set[tuple[str, int]], codes: dict[int, str],
                  report: ImportReport) -> list[tuple[int, dict]]:
    """The chapter rows that leave no gap in their course's numbering; the others are rejected.

    A chapter is unlocked by the one numbered just before it (``learning.chapter_access``), so a
    missing number would open the chapter after it without any exercise passed."""
    keys = set(keys)
    while True:
        gapped = [(line, values) for line, values in good
                  if values["position"] > 1 and (codes[values["course_id"]], values["position"] - 1) not in keys]
        if not gapped:
            return good
        for line, values in gapped:
            code, position = codes[values["course_id"]], values["position"]
            report.rejected.append((line, f"课程“{code}”没有第{position - 1}章，章节序号须从1起连续。"))
            keys.discard((code, position))
        good = [row for row in good if row not in gapped]
        report.rejected.sort()


def create_course(region: str, row: dict, actor: User) -> Course:
    """Add one course from the admin form; commit. :raises RowError:"""
    values = course_values(region, row, _institutions(region))
    if values["code"] in _course_ids(region):
        raise RowError(f"课程编号“{values['code']}”已存在。")
    course = Course(region=region, **values)
    db.session.add(course)
    db.session.flush()
    audit.record("course.create", f"course:{course.id}", actor=actor, region=region,
                 after={"code": course.code, "title": course.title, "credits": course.credits})
    db.session.commit()
    return course


def update_course(course: Course, row: dict, actor: User) -> Course:
    values = course_values(course.region, row, _institutions(course.region))
    if values["code"] != course.code and values["code"] in _course_ids(course.region):
        raise RowError(f"课程编号“{values['code']}”已存在。")
    before = {"code": course.code, "title": course.title, "credits": course.credits, "kind": course.kind}
    for key, value in values.items():
        setattr(course, key, value)
    audit.record("course.update", f"course:{course.id}", actor=actor, region=course.region, before=before,
                 after={"code": course.code, "title": course.title, "credits": course.credits, "kind": course.kind})
    db.session.commit()
    return course


def _checked_handout(upload: Upload | None) -> handouts.CheckedHandout | None:
    if upload is None or (not upload.filename and not upload.data):
        return None  # no file chosen
    try:
        return handouts.check(upload)
    except RuleError as error:
        raise RowError(error.message) from None


def _commit_with_files(written: list, replaced: list) -> None:
    """Commit; a file written for this change goes again if the commit fails, a file it
    replaced goes once it succeeded."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        stored_files.remove(p for p in written if p is not None)
        raise
    stored_files.remove(p for p in replaced if p is not None)


def add_chapter(course: Course, row: dict, actor: User, handout: Upload | None = None) -> Chapter:
    """Add one chapter from the admin form, with an uploaded handout file if given; commit.
    :raises RowError:"""
    values = chapter_values({**row, "course_code": course.code}, {course.code: course.id})
    if any(c.position == values["position"] for c in course.chapters):
        raise RowError(f"课程“{course.code}”的第{values['position']}章已存在。")
    if values["position"] > 1 and not any(c.position == values["position"] - 1 for c in course.chapters):
        raise RowError(f"课程“{course.code}”没有第{values['position'] - 1}章，章节序号须从1起连续。")
    checked = _checked_handout(handout)
    chapter = Chapter(**values)
    written = []
    if checked is not None:
        written.append(handouts.attach(chapter, checked)[0])
    db.session.add(chapter)
    try:
        db.session.flush()
        audit.record("chapter.create", f"chapter:{chapter.id}", actor=actor, region=course.region,
                     after={"course": course.code, "position": chapter.position, "title": chapter.title,
                            "handout_file": chapter.handout_filename})
    except Exception:
        db.session.rollback()
        stored_files.remove(written)
        raise
    _commit_with_files(written, [])
    return chapter


def _chapter_summary(chapter: Chapter) -> dict:
    return {"position": chapter.position, "title": chapter.title, "duration_seconds": chapter.duration_seconds,
            "video_url": chapter.video_url, "handout_url": chapter.handout_url,
            "handout_file": chapter.handout_filename}


def update_chapter(chapter: Chapter, row: dict, actor: User, handout: Upload | None = None,
                   remove_handout: bool = False) -> Chapter:
    """Edit a chapter's title, duration, video and handout (a URL, an uploaded file replacing the
    previous one, or ``remove_handout`` to drop the uploaded file); its position stays. Commit.

    The duration stays as it is once any learner has progress on the chapter: watched time,
    percentages and the "watched to its end" mark were all counted against it.
    :raises RowError:"""
    course = chapter.course
    values = chapter_values({**row, "course_code": course.code, "position": str(chapter.position)},
                            {course.code: course.id})
    if values["duration_seconds"] != chapter.duration_seconds and _studied(chapter):
        raise RowError("已有学员学习过本章，不能修改视频时长（学习进度按原时长计算）。如视频已更换，请新增章节。")
    checked = _checked_handout(handout)
    before = _chapter_summary(chapter)
    for key in ("title", "duration_seconds", "video_url", "handout_url"):
        setattr(chapter, key, values[key])
    written, replaced = [], []
    if checked is not None:
        new, old = handouts.attach(chapter, checked)
        written.append(new)
        replaced.append(old)
    elif remove_handout:
        replaced.append(handouts.detach(chapter))
    audit.record("chapter.update", f"chapter:{chapter.id}", actor=actor, region=course.region, before=before,
                 after=_chapter_summary(chapter))
    _commit_with_files(written, replaced)
    return chapter


def delete_chapter(chapter: Chapter, actor: User) -> None:
    """Delete a chapter and its questions, and move the chapters after it up one place, so each
    chapter is still unlocked by the one numbered just before it. Commit.

    Refused while any learner has progress on the chapter, or any exam paper holds one of its
    questions: a learning or exam record is never lost (staff may still edit the chapter).
    :raises RowError:
    """
    course = chapter.course
    if _studied(chapter):
        raise RowError("已有学员学习过本章，不能删除（学习记录须保留）。如需更正，请修改本章内容。")
    question_ids = set(db.session.scalars(select(Question.id).where(Question.chapter_id == chapter.id)))
    if question_ids and _on_an_exam_paper(course, question_ids):
        raise RowError("本章的题目已出现在学员的考试试卷中，不能删除。如需更正，请修改本章内容。")
    handout_file = handouts.detach(chapter)
    before = _chapter_summary(chapter)
    position = chapter.position
    course.chapters.remove(chapter)  # delete-orphan: the chapter and its questions go
    db.session.flush()
    following = db.session.scalars(
        select(Chapter).where(Chapter.course_id == course.id, Chapter.position > position).order_by(Chapter.position)
    )
    for later in following:
        later.position -= 1
        db.session.flush()  # one at a time, in order: (course, position) stays unique throughout
    audit.record("chapter.delete", f"chapter:{chapter.id}", actor=actor, region=course.region, before=before)
    # A learner who had done every other chapter has now done the whole course.
    learners = db.session.scalars(
        select(ChapterProgress.user_id).distinct()
        .join(Chapter, Chapter.id == ChapterProgress.chapter_id)
        .join(StudyPlanItem, and_(StudyPlanItem.user_id == ChapterProgress.user_id,
                                  StudyPlanItem.course_id == Chapter.course_id, StudyPlanItem.removed_at.is_(None)))
        .where(Chapter.course_id == course.id)
    ).all()
    for user_id in learners:
        learning.complete_course_if_done(user_id, course.id)
    _commit_with_files([], [handout_file])


def _studied(chapter: Chapter) -> bool:
    """Whether any learner has progress on ``chapter``."""
    return db.session.scalar(
        select(ChapterProgress.id).where(ChapterProgress.chapter_id == chapter.id).limit(1)) is not None


def _on_an_exam_paper(course: Course, question_ids: set[int]) -> bool:
    """Whether an exam answer or paper of a learner who chose ``course`` names one of the ids."""
    if db.session.scalar(select(ExamAnswer.id).where(ExamAnswer.question_id.in_(question_ids)).limit(1)):
        return True
    # Papers keep their question ids as JSON: read those of the learners who chose the course.
    papers = db.session.scalars(
        select(ExamAttempt.question_ids)
        .join(StudyPlanItem, StudyPlanItem.user_id == ExamAttempt.user_id)
        .where(StudyPlanItem.course_id == course.id, ExamAttempt.region == course.region)
    )
    return any(question_ids.intersection(paper or ()) for paper in papers)


def add_question(chapter: Chapter, row: dict, actor: User) -> Question:
    course = chapter.course
    values = question_values({**row, "course_code": course.code, "chapter_position": str(chapter.position)},
                             {(course.code, chapter.position): chapter.id})
    question = Question(**values)
    db.session.add(question)
    db.session.flush()
    audit.record("question.create", f"question:{question.id}", actor=actor, region=course.region,
                 after={"chapter": chapter.id, "text": question.text})
    db.session.commit()
    return question


def delete_question(question: Question, actor: User) -> None:
    """Delete a question; commit. Refused once an exam paper holds it. :raises RowError:"""
    if _on_an_exam_paper(question.chapter.course, {question.id}):
        raise RowError("该题目已出现在学员的考试试卷中，不能删除。")
    region = question.chapter.course.region
    audit.record("question.delete", f"question:{question.id}", actor=actor, region=region,
                 before={"text": question.text, "answer": question.answer})
    db.session.delete(question)
    db.session.commit()
