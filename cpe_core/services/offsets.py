"""Offset and hour applications (学分抵免, 学时申请): apply, edit, review, import, export.

Everything a region decides — the kinds, their fields and roles, what each is worth, the caps and
the evidence rules — comes from the ``cpe_offset_types`` hook through :mod:`cpe_core.regions`.
Every function here either changes nothing and raises :class:`~cpe_core.regions.RuleError` with a
Chinese message, or commits one transaction.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Select, and_, or_, select

from hookspecs import KIND_LABELS, EvidenceRules, OffsetField, OffsetType

from .. import clock
from ..extensions import db
from ..labels import Label, N_
from ..models import LearnerProfile, OffsetApplication, OffsetAttachment, User
from ..regions import RuleError, rules_for
from . import audit, input_rules, ledger, stored_files, tables
from .identity import InvalidInput
from .paging import PAGE_SIZE, Page, cut
from .stored_files import Upload

DRAFT, SUBMITTED, APPROVED, REJECTED = "draft", "submitted", "approved", "rejected"
STATUS_LABELS: Mapping[str, str] = {
    DRAFT: N_("草稿"),
    SUBMITTED: N_("待审核"),
    APPROVED: N_("已通过"),
    REJECTED: N_("已退回"),
}


def status_labels(region: str) -> dict[str, str]:
    """Every status code's label as ``region`` words it (``cpe_application_statuses``), the
    core's :data:`STATUS_LABELS` for the codes it leaves out: what every page, export and the
    API show. The codes themselves never change."""
    labels = dict(STATUS_LABELS)
    labels.update({code: Label(text) for code, text in rules_for(region).application_statuses().items()})
    return labels


def status_label(region: str, status: str) -> str:
    return status_labels(region).get(status, status)


#: A learner may edit or delete an application until it is approved.
EDITABLE = frozenset({DRAFT, SUBMITTED, REJECTED})

CN_NUMBER = re.compile(r"^CN\s?\d{2}-\d{4}(/[A-Z0-9]{1,4})?$", re.IGNORECASE)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
FIELD_MAX_LENGTH = 500
TYPE_NAMES = {"image/jpeg": "JPG", "image/png": "PNG", "application/pdf": "PDF"}


def fail(code: str, message: str) -> RuleError:
    return RuleError(code, message)


# --- the catalogue ---------------------------------------------------------------------------


def offset_types(region: str, year: int) -> list[OffsetType]:
    return rules_for(region).offset_types(year)


def offset_type(region: str, year: int, code: str) -> OffsetType:
    return rules_for(region).offset_type(year, code)


def unit_label(region: str) -> str:
    return rules_for(region).unit_label


def role_label(offset: OffsetType | None, role_code: str) -> str:
    if offset is None:
        return role_code
    try:
        return offset.role(role_code).label
    except KeyError:
        return role_code


# --- values ----------------------------------------------------------------------------------


def clean_fields(offset: OffsetType, raw: Mapping[str, object]) -> dict[str, object]:
    """The type's fields, checked and converted (ints, ISO dates); raises on the first bad one."""
    cleaned: dict[str, object] = {}
    for spec in offset.fields:
        cleaned[spec.name] = _clean_field(spec, raw.get(spec.name))
    return cleaned


def _clean_field(spec: OffsetField, value: object) -> object:
    # The rules every typed value keeps live in input_rules; what an offset field adds is here.
    try:
        text = input_rules.declared_text(spec.label, value, FIELD_MAX_LENGTH)
        if text is None:
            if spec.required:
                raise fail("field_required", f"请填写“{spec.label}”。")
            return None
        if spec.type == "int":
            if text.startswith("-") and text[1:].isdigit():
                raise fail("field_negative", f"“{spec.label}”不能为负数。")
            return input_rules.parse_int(spec.label, text, 0)
        if spec.type == "date":
            return input_rules.parse_date(spec.label, text).isoformat()
    except InvalidInput as refused:
        raise fail(refused.code, refused.message) from None
    if spec.type == "cn_number":
        if not CN_NUMBER.match(text):
            raise fail("field_not_cn_number", f"“{spec.label}”格式不正确，应如CN11-1234/F。")
        return text.upper()
    if spec.type == "choice" and spec.choices and text not in spec.choices:
        raise fail("field_bad_choice", f"“{spec.label}”须为以下之一：{'、'.join(spec.choices)}。")
    return text


def quantity_of(offset: OffsetType, role_code: str, fields: Mapping[str, object]) -> int:
    """The units claimed: the value of the type's ``quantity_field`` for a per-unit role."""
    role = offset.role(role_code)
    if role.per_unit is None or offset.quantity_field is None:
        return 1
    spec = next(f for f in offset.fields if f.name == offset.quantity_field)
    quantity = fields.get(offset.quantity_field)
    if quantity is None:
        raise fail("field_required", f"请填写“{spec.label}”。")
    quantity = int(quantity)  # type: ignore[arg-type]
    if quantity < 1:
        raise fail("quantity_too_small", f"“{spec.label}”至少为1。")
    if offset.max_quantity is not None and quantity > offset.max_quantity:
        raise fail("quantity_over_cap", f"“{spec.label}”不能超过{offset.max_quantity}。")
    return quantity


def value(
    region: str, offset: OffsetType, role_code: str, raw: Mapping[str, object],
    claimed: int | None = None,
) -> tuple[dict[str, object], int, int]:
    """``(fields, quantity, credits)`` for an application; raises on any value outside the rules.

    :param claimed: the credits the learner asks for, if any; it must be what the rules give.
    """
    try:
        role = offset.role(role_code)
    except KeyError:
        raise fail("unknown_role", f"请选择“{offset.label}”的申请类别。") from None
    fields = clean_fields(offset, raw)
    quantity = quantity_of(offset, role_code, fields)
    credits = offset.credits_for(role_code, quantity)
    if claimed is not None and claimed != credits:
        unit = unit_label(region)
        raise fail(
            "credits_not_allowed",
            f"“{offset.label}·{role.label}”按规定可折算{credits}{unit}，不能申请{claimed}{unit}。",
        )
    return fields, quantity, credits


# --- evidence files --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    data: bytes
    content_type: str


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (JPEG, PNG or PDF), or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        # Not a picture, a broken one, or a decompression bomb: refused alike.
        return None
    return {"JPEG": "image/jpeg", "PNG": "image/png"}.get(kind or "")


def check_uploads(rules: EvidenceRules, uploads: Sequence[Upload]) -> list[CheckedUpload]:
    if len(uploads) > rules.max_files:
        raise fail("too_many_files", f"证明材料最多上传{rules.max_files}个文件。")
    allowed = "、".join(TYPE_NAMES.get(t, t) for t in rules.content_types)
    checked = []
    for upload in uploads:
        name = Path(upload.filename or "file").name[:200]
        if len(upload.data) > rules.max_bytes:
            raise fail(
                "file_too_large", f"文件“{name}”超过{_size_label(rules.max_bytes)}，请压缩后再上传。"
            )
        content_type = sniff(upload.data)
        if content_type not in rules.content_types:
            raise fail("file_type_not_allowed", f"文件“{name}”不是允许的格式（{allowed}），请重新选择。")
        checked.append(CheckedUpload(name, upload.data, content_type))
    return checked


def evidence_note(rules: EvidenceRules) -> str:
    """The evidence rules in a sentence for the form."""
    allowed = "、".join(TYPE_NAMES.get(t, t) for t in rules.content_types)
    note = f"{allowed}格式，最多{rules.max_files}个，每个不超过{_size_label(rules.max_bytes)}"
    if rules.min_files:
        note += f"，至少{rules.min_files}个"
    return note


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:g}MB"
    return f"{size / 1024:g}KB"


def attachment_path(attachment: OffsetAttachment) -> Path:
    return stored_files.path_of(attachment.storage_key)


def _write(files: Iterable[CheckedUpload], application: OffsetApplication) -> list[Path]:
    written = []
    for upload in files:
        key = stored_files.store(upload.data, EXTENSIONS[upload.content_type])
        written.append(stored_files.path_of(key))
        application.attachments.append(
            OffsetAttachment(
                storage_key=key, filename=upload.filename, content_type=upload.content_type,
                size=len(upload.data),
            )
        )
    return written


_remove = stored_files.remove


# --- learners --------------------------------------------------------------------------------


def _check_learner(user: User, region: str) -> None:
    if user.region != region or user.role != "learner":
        raise fail("not_a_learner_here", "只有本地区的学员可以提交申请。")


def get_own(user: User, region: str, application_id: int) -> OffsetApplication:
    """The learner's own application; someone else's is reported as not found."""
    application = db.session.get(OffsetApplication, application_id)
    if application is None or application.user_id != user.id or application.region != region:
        raise fail("application_not_found", "没有找到这份申请。")
    return application


@dataclass(frozen=True)
class ListFilter:
    """What a learner's list is queried by: type, year (学时年度) and the text of fields the
    region declared searchable (``OffsetField.filter_label``), by field name."""

    type_code: str | None = None
    year: int | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


def filter_fields(types: Iterable[OffsetType]) -> dict[str, str]:
    """``{field name: filter label}`` of the fields a learner's list can be queried by."""
    found: dict[str, str] = {}
    for offset in types:
        for spec in offset.fields:
            if spec.filter_label:
                found.setdefault(spec.name, spec.filter_label)
    return found


def applications_of(
    user: User, region: str, filters: ListFilter | None = None
) -> list[OffsetApplication]:
    """The learner's applications, newest first, narrowed by ``filters``."""
    filters = filters or ListFilter()
    query = select(OffsetApplication).where(
        OffsetApplication.user_id == user.id, OffsetApplication.region == region
    )
    if filters.type_code:
        query = query.where(OffsetApplication.offset_type == filters.type_code)
    if filters.year:
        query = query.where(OffsetApplication.year == filters.year)
    found = list(db.session.scalars(query.order_by(OffsetApplication.id.desc())))
    # A learner's own list is short: the field texts (JSON) are matched here, alike on SQLite
    # and PostgreSQL.
    wanted = {name: text.strip().casefold() for name, text in filters.fields.items() if text and text.strip()}
    return [
        a for a in found
        if all(text in str(a.fields.get(name) or "").casefold() for name, text in wanted.items())
    ]


def save(
    user: User,
    region: str,
    *,
    year: int,
    type_code: str,
    role: str,
    raw_fields: Mapping[str, object],
    uploads: Sequence[Upload] = (),
    submit: bool = False,
    claimed: int | None = None,
    application: OffsetApplication | None = None,
) -> OffsetApplication:
    """Create (``application`` None) or edit a learner's application, as a draft or submitted.

    Editing under ``reupload_on_edit`` replaces the evidence with ``uploads`` — none clears it.
    """
    _check_learner(user, region)
    if application is not None:
        if application.user_id != user.id or application.region != region:
            raise fail("application_not_found", "没有找到这份申请。")
        if application.status not in EDITABLE:
            raise locked(region, application.status)
        year, type_code = application.year, application.offset_type
    if submit:
        from . import years

        years.require_counting(region, year, "申请")
    offset = offset_type(region, year, type_code)
    if not offset.needs_application:
        raise fail("no_application_needed", f"“{offset.label}”无需申请，由工作人员统一登记。")
    fields, quantity, credits = value(region, offset, role, raw_fields, claimed)
    files = check_uploads(offset.evidence, uploads)
    kept = list(application.attachments) if application is not None else []
    dropped: list[OffsetAttachment] = []
    if offset.evidence.reupload_on_edit:
        dropped, kept = kept, []
    if len(kept) + len(files) > offset.evidence.max_files:
        raise fail("too_many_files", f"证明材料最多上传{offset.evidence.max_files}个文件。")
    if submit and len(kept) + len(files) < offset.evidence.min_files:
        raise fail("evidence_required", f"提交前请上传证明材料（至少{offset.evidence.min_files}个文件）。")

    if application is None:
        application = OffsetApplication(
            user_id=user.id, region=region, year=year, offset_type=type_code, status=DRAFT
        )
        db.session.add(application)
    application.role = role
    application.quantity = quantity
    application.fields = fields
    application.credits = credits
    # Saving without submitting keeps (or takes back) the application as a draft.
    application.status = SUBMITTED if submit else DRAFT
    if submit:
        application.submitted_at = clock.to_utc_naive(clock.now())
    old_paths = [attachment_path(a) for a in dropped]
    for attachment in dropped:
        application.attachments.remove(attachment)
    written: list[Path] = []
    try:
        written = _write(files, application)
        db.session.commit()
    except Exception:
        db.session.rollback()
        _remove(written)
        raise
    _remove(old_paths)
    return application


def locked(region: str, status: str) -> RuleError:
    """The refusal to change an application in ``status``, in the region's words."""
    return fail("application_locked", f"{status_label(region, status)}的申请不能修改或删除。")


def delete(user: User, region: str, application: OffsetApplication) -> None:
    if application.user_id != user.id or application.region != region:
        raise fail("application_not_found", "没有找到这份申请。")
    if application.status not in EDITABLE:
        raise locked(region, application.status)
    paths = [attachment_path(a) for a in application.attachments]
    db.session.delete(application)
    db.session.commit()
    _remove(paths)


# --- attachments -----------------------------------------------------------------------------


def attachment_for(user: User, region: str, attachment_id: int) -> OffsetAttachment:
    """An evidence file for its owner or the region's staff; anyone else gets not found."""
    attachment = db.session.get(OffsetAttachment, attachment_id)
    if attachment is None or attachment.application.region != region:
        raise fail("attachment_not_found", "没有找到这个文件。")
    owner = attachment.application.user_id == user.id
    staff = user.may_review(region) and attachment.application.status != DRAFT
    if not (owner or staff):
        raise fail("attachment_not_found", "没有找到这个文件。")
    return attachment


# --- review ----------------------------------------------------------------------------------


def check_reviewer(user: User, region: str) -> None:
    if not user.may_review(region):
        raise fail("not_a_reviewer_here", "您不是本地区的审核人员，不能审核本地区的申请。")


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None
    type_code: str | None = None
    year: int | None = None


def queue_query(region: str, filters: QueueFilter) -> Select:
    # A draft is the learner's own until submitted: reviewers never see it.
    query = select(OffsetApplication).where(
        OffsetApplication.region == region, OffsetApplication.status != DRAFT
    )
    if filters.status:
        query = query.where(OffsetApplication.status == filters.status)
    if filters.type_code:
        query = query.where(OffsetApplication.offset_type == filters.type_code)
    if filters.year:
        query = query.where(OffsetApplication.year == filters.year)
    return query.order_by(OffsetApplication.submitted_at.desc(), OffsetApplication.id.desc())


def queue(reviewer: User, region: str, filters: QueueFilter) -> list[OffsetApplication]:
    """Every application the filters select (the queue's Excel and CSV export)."""
    check_reviewer(reviewer, region)
    return list(db.session.scalars(queue_query(region, filters)))


def queue_page(reviewer: User, region: str, filters: QueueFilter, *, before: int | None = None,
               limit: int = PAGE_SIZE) -> Page[OffsetApplication]:
    """One page of the queue (newest submission first), after application ``before`` in that
    order: the site's and the API's list."""
    check_reviewer(reviewer, region)
    query = queue_query(region, filters)
    if before:
        anchor = select(OffsetApplication.submitted_at).where(OffsetApplication.id == before).scalar_subquery()
        query = query.where(or_(OffsetApplication.submitted_at < anchor,
                                and_(OffsetApplication.submitted_at == anchor, OffsetApplication.id < before)))
    return cut(list(db.session.scalars(query.limit(limit + 1))), limit, lambda application: application.id)


def get_for_review(reviewer: User, region: str, application_id: int) -> OffsetApplication:
    check_reviewer(reviewer, region)
    application = db.session.get(OffsetApplication, application_id)
    if application is None or application.region != region or application.status == DRAFT:
        raise fail("application_not_found", "没有找到这份申请。")
    return application


def review(
    reviewer: User, region: str, application_id: int, *, approve: bool, comment: str = ""
) -> OffsetApplication:
    """Approve (writing the ledger) or reject with a comment; audited in the same transaction."""
    application = get_for_review(reviewer, region, application_id)
    comment = (comment or "").strip()
    if application.status != SUBMITTED:
        labels = status_labels(region)
        raise fail(
            "not_reviewable",
            f"这份申请{labels[application.status]}，只能审核{labels[SUBMITTED]}的申请。",
        )
    if not approve and not comment:
        raise fail("comment_required", "退回申请时请填写审核意见。")
    if len(comment) > 1000:
        raise fail("comment_too_long", "审核意见不能超过1000字。")
    before = {"status": application.status}
    application.status = APPROVED if approve else REJECTED
    application.review_comment = comment or None
    application.reviewed_by = reviewer.id
    application.reviewed_at = clock.to_utc_naive(clock.now())
    if approve:
        _credit(application, source="offset")
    audit.record(
        "offset.approve" if approve else "offset.reject",
        f"offset_application:{application.id}",
        actor=reviewer,
        region=region,
        before=before,
        after={"status": application.status, "credits": application.credits, "comment": comment},
    )
    db.session.commit()
    return application


def _credit(application: OffsetApplication, *, source: str) -> None:
    try:
        offset = offset_type(application.region, application.year, application.offset_type)
        kind, label = offset.kind, offset.label
    except RuleError:
        raise fail("unknown_offset_type", "本年度已没有这种抵免类型，不能通过。") from None
    ledger.record_credit(
        user_id=application.user_id,
        region=application.region,
        year=application.year,
        kind=kind,
        credits=application.credits,
        source=source,
        source_id=application.id,
        description=label,
    )


# --- export ----------------------------------------------------------------------------------

EXPORT_HEADER = ("申请编号", "账号", "姓名", "年度", "类型", "类别", "折算", "状态", "提交时间", "审核意见", "申请内容")


def export_rows(region: str, applications: Iterable[OffsetApplication]) -> list[list[object]]:
    types: dict[tuple[int, str], OffsetType | None] = {}
    applications = list(applications)
    # One query for every applicant, not one per row.
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_({application.user_id for application in applications})))}
    statuses = status_labels(region)
    rows = []
    for application in applications:
        key = (application.year, application.offset_type)
        if key not in types:
            try:
                types[key] = offset_type(region, *key)
            except RuleError:
                types[key] = None
        offset = types[key]
        user = users[application.user_id]
        labels = {f.name: f.label for f in offset.fields} if offset else {}
        details = "；".join(
            f"{labels.get(name, name)}：{value}" for name, value in application.fields.items() if value not in (None, "")
        )
        submitted = clock.shanghai_text(application.submitted_at)
        rows.append([
            application.id, user.login, user.name, application.year,
            offset.label if offset else application.offset_type,
            role_label(offset, application.role), application.credits,
            statuses.get(application.status, application.status), submitted,
            application.review_comment or "", details,
        ])
    return rows


def export_csv(rows: list[list[object]]) -> bytes:
    return tables.csv_bytes(EXPORT_HEADER, rows)


def export_xlsx(rows: list[list[object]]) -> bytes:
    return tables.xlsx_bytes(EXPORT_HEADER, rows, "申请列表")


# --- staff import of kinds that need no application -------------------------------------------

ID_HEADERS = ("身份证号", "证件号码", "会员编号", "账号")


@dataclass
class ImportReport:
    matched: list[tuple[int, str, str]] = field(default_factory=list)
    unmatched: list[tuple[int, str, str, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of a CSV (UTF-8 with or without BOM, or GBK) or XLSX file, as stripped strings."""
    if data.startswith(b"PK"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same user error
            raise fail("import_unreadable", "无法读取这个Excel文件，请另存为.xlsx或CSV后再上传。") from None
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise fail("import_unreadable", "无法读取这个文件，请上传UTF-8编码的CSV或.xlsx文件。")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _find_by_identity(region: str, identity: str) -> User | None:
    user = db.session.scalar(
        select(User).where(User.region == region, User.login == identity, User.role == "learner")
    )
    if user is None:
        user = db.session.scalar(
            select(User)
            .join(LearnerProfile, LearnerProfile.user_id == User.id)
            .where(
                User.region == region,
                User.role == "learner",
                (LearnerProfile.id_number == identity.upper()) | (LearnerProfile.member_number == identity),
            )
        )
    return user


def import_passers(
    staff: User, region: str, *, year: int, type_code: str, filename: str, data: bytes
) -> ImportReport:
    """Register offsets of a kind that needs no application from a list (CSV/XLSX).

    The first row is the header: an identity column (身份证号, 证件号码, 会员编号 or 账号), 姓名
    (optional, checked when given) and one column per field of the kind, by label or name. Each
    matched row becomes an approved application and a ledger entry (``source="import"``); a row
    already registered is reported and skipped, so importing a file twice counts nothing twice.
    """
    if not staff.may_administer(region) and not staff.may_review(region):
        raise fail("not_a_reviewer_here", "您不是本地区的审核人员，不能审核本地区的申请。")
    offset = offset_type(region, year, type_code)
    if offset.needs_application:
        raise fail("import_needs_application", f"“{offset.label}”须由学员本人申请，不能导入。")
    rows = [row for row in read_table(filename, data) if any(row)]
    if not rows:
        raise fail("import_empty", "文件是空的。")
    header = rows[0]
    id_column = next((i for i, h in enumerate(header) if h in ID_HEADERS), None)
    if id_column is None:
        raise fail("import_no_identity", f"第一行须有“{ID_HEADERS[0]}”或“{ID_HEADERS[2]}”列。")
    name_column = header.index("姓名") if "姓名" in header else None
    columns = {}
    for spec in offset.fields:
        for label in (spec.label, spec.name):
            if label in header:
                columns[spec.name] = header.index(label)
                break
    role = offset.roles[0].code
    report = ImportReport()
    for number, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        identity = row[id_column]
        name = row[name_column] if name_column is not None else ""
        user = _find_by_identity(region, identity) if identity else None
        if user is None:
            report.unmatched.append((number, identity, name, "没有这个学员"))
            continue
        if name and name != user.name:
            report.unmatched.append((number, identity, name, f"姓名与账号不符（系统中为{user.name}）"))
            continue
        try:
            fields, quantity, credits = value(region, offset, role, {k: row[i] for k, i in columns.items()})
        except RuleError as error:
            report.unmatched.append((number, identity, name, error.message))
            continue
        exists = db.session.scalar(
            select(OffsetApplication.id).where(
                OffsetApplication.user_id == user.id,
                OffsetApplication.year == year,
                OffsetApplication.offset_type == type_code,
                OffsetApplication.status == APPROVED,
            )
        )
        if exists is not None and _same_fields(exists, fields):
            report.duplicates.append((number, identity, user.name))
            continue
        now = clock.to_utc_naive(clock.now())
        application = OffsetApplication(
            user_id=user.id, region=region, year=year, offset_type=type_code, role=role,
            quantity=quantity, fields=fields, credits=credits, status=APPROVED,
            submitted_at=now, reviewed_at=now, reviewed_by=staff.id, review_comment="工作人员导入",
        )
        db.session.add(application)
        db.session.flush()
        _credit(application, source="import")
        report.matched.append((number, identity, user.name))
    audit.record(
        "offset.import",
        f"offset_type:{type_code}",
        actor=staff,
        region=region,
        after={"year": year, "file": filename, "matched": len(report.matched),
               "unmatched": len(report.unmatched), "duplicates": len(report.duplicates)},
    )
    db.session.commit()
    return report


def _same_fields(application_id: int, fields: Mapping[str, object]) -> bool:
    # Any approved application of the same kind and identical details is the same pass.
    user_id, year, type_code = db.session.execute(
        select(OffsetApplication.user_id, OffsetApplication.year, OffsetApplication.offset_type)
        .where(OffsetApplication.id == application_id)
    ).one()
    others = db.session.scalars(
        select(OffsetApplication.fields).where(
            OffsetApplication.user_id == user_id, OffsetApplication.year == year,
            OffsetApplication.offset_type == type_code, OffsetApplication.status == APPROVED,
        )
    )
    return any(dict(other) == dict(fields) for other in others)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
