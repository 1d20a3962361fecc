"""Chapter handouts (讲义) uploaded as files: what may be uploaded, and who may download one.

A handout is either a URL staff typed (``Chapter.handout_url``) or a file staff uploaded, kept in
the upload storage (:mod:`.stored_files`) under a random key; an uploaded file wins over a URL.
Allowed are the extensions of ``CPE_HANDOUT_EXTENSIONS`` (default PDF and the Office formats) up
to ``CPE_HANDOUT_MAX_BYTES``; a file is checked by its bytes as well as its name, so a renamed
program or picture is refused. A file is sent only to a learner who has the chapter's course in
their current study plan, and to the staff of the course's region.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Chapter, Course, StudyPlanItem, User
from ..regions import RuleError
from . import stored_files
from .stored_files import Upload

#: What a handout may be, by extension.
DEFAULT_EXTENSIONS = ("pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx")
#: Under the request limit (``MAX_CONTENT_LENGTH``, 20 MB): a larger setting needs a larger one.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The old binary Office formats are OLE2 compound files; the new ones are ZIP packages whose
#: main part lives in this folder.
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
OOXML_FOLDERS = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}


class HandoutRefused(RuleError):
    """No handout for this caller: ``handout_not_found`` (404: no such chapter, another region's,
    or no uploaded file) or ``handout_forbidden`` (403: not in the caller's plan)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(code, message)
        self.status = status


@dataclass(frozen=True)
class CheckedHandout:
    filename: str
    data: bytes
    extension: str
    content_type: str


def allowed_extensions() -> tuple[str, ...]:
    configured = current_app.config.get("CPE_HANDOUT_EXTENSIONS", DEFAULT_EXTENSIONS)
    if isinstance(configured, str):
        configured = configured.split(",")
    return tuple(e.strip().lower().lstrip(".") for e in configured if e.strip())


def max_bytes() -> int:
    return int(current_app.config.get("CPE_HANDOUT_MAX_BYTES", DEFAULT_MAX_BYTES))


def rules_note() -> str:
    """The upload rules in a sentence for the form."""
    return f"支持{'、'.join(allowed_extensions())}格式，不超过{_size_label(max_bytes())}"


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:g}MB"
    return f"{size / 1024:g}KB"


def _content_matches(extension: str, data: bytes) -> bool:
    """Whether the bytes are what the extension says (for the formats this module knows)."""
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension in ("doc", "ppt", "xls"):
        return data.startswith(OLE2_MAGIC)
    if extension in OOXML_FOLDERS:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(OOXML_FOLDERS[extension]) for n in names)
    return True  # an extension a deployment added: trusted by name only


def check(upload: Upload) -> CheckedHandout:
    """The upload if it may be a handout. :raises RuleError: with a Chinese message."""
    name = Path(upload.filename or "").name[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = allowed_extensions()
    if extension not in allowed:
        raise RuleError("handout_type_not_allowed", f"讲义只能上传{'、'.join(allowed)}格式的文件。")
    if not upload.data:
        raise RuleError("handout_empty", f"讲义文件“{name}”是空的，请重新选择。")
    if len(upload.data) > max_bytes():
        raise RuleError("handout_too_large", f"讲义文件“{name}”超过{_size_label(max_bytes())}，请压缩后再上传。")
    if not _content_matches(extension, upload.data):
        raise RuleError("handout_content_mismatch", f"讲义文件“{name}”的内容不是{extension}格式，请重新选择。")
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    return CheckedHandout(name, upload.data, extension, content_type)


def attach(chapter: Chapter, handout: CheckedHandout) -> tuple[Path, Path | None]:
    """Write the file and point ``chapter`` at it (uncommitted).

    :returns: the new file's path (to remove if the commit fails) and the replaced file's (to
        remove once it succeeded), or None.
    """
    old = stored_files.path_of(chapter.handout_key) if chapter.handout_key else None
    key = stored_files.store(handout.data, handout.extension)
    chapter.handout_key = key
    chapter.handout_filename = handout.filename
    chapter.handout_content_type = handout.content_type
    chapter.handout_size = len(handout.data)
    return stored_files.path_of(key), old


def detach(chapter: Chapter) -> Path | None:
    """Forget ``chapter``'s uploaded file (uncommitted); its path, to remove after the commit."""
    if not chapter.handout_key:
        return None
    old = stored_files.path_of(chapter.handout_key)
    chapter.handout_key = chapter.handout_filename = chapter.handout_content_type = None
    chapter.handout_size = None
    return old


def handout_for(user: User, region: str, chapter_id: int) -> tuple[Chapter, Path]:
    """The chapter's uploaded handout, if ``user`` may download it: staff of the region, or a
    learner of the region with the course in their current plan.

    :raises HandoutRefused: ``handout_not_found`` (404) or ``handout_forbidden`` (403).
    """
    chapter = db.session.get(Chapter, chapter_id)
    course = db.session.get(Course, chapter.course_id) if chapter is not None else None
    if course is None or course.region != region or not chapter.handout_key:
        raise HandoutRefused("handout_not_found", "没有这个讲义。", 404)
    if not user.may_review(region):
        in_plan = user.role == "learner" and user.region == region and db.session.scalar(
            select(StudyPlanItem.id).where(
                StudyPlanItem.user_id == user.id,
                StudyPlanItem.course_id == course.id,
                StudyPlanItem.removed_at.is_(None),
            )
        )
        if not in_plan:
            raise HandoutRefused("handout_forbidden", "请先将该课程加入学习计划，再下载讲义。", 403)
        from . import entitlement

        # A handout is part of the paid course: it opens with the course (entitlement's rule).
        if not entitlement.is_opened(user.id, course.id):
            raise HandoutRefused(entitlement.NOT_OPENED_CODE, entitlement.NOT_OPENED_MESSAGE, 403)
    path = stored_files.path_of(chapter.handout_key)
    if not path.is_file():
        raise HandoutRefused("handout_not_found", "没有这个讲义。", 404)
    return chapter, path
