"""Credit exports: every learner-year of a region streamed from ONE aggregated query and written
row by row (CSV or XLSX), so memory stays flat whatever the number of learners.

The region's plugin decides the columns and the row (``cpe_credit_export``); this module never
knows a region's format.
"""
from __future__ import annotations

import csv
import os
from itertools import islice
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Select, and_, case, func, or_, select

from hookspecs import KINDS, CreditExport, LearnerYear, Requirements

from ..extensions import db
from ..models import Chapter, ChapterProgress, Course, CreditRecord, ExamAttempt, LearnerProfile, User
from ..regions import RuleError, rules_for
from .ledger import is_complete

#: Rows fetched per round trip; the server-side cursor keeps only this many in memory.
BATCH = 2000
FORMATS = ("csv", "xlsx", "push")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "push": "推送至省平台"}
Progress = Callable[[int], None]


def export_for(region: str, year: int, fmt: str | None = None) -> CreditExport:
    """The region's export description; :class:`RuleError` if it reports nothing that year or
    does not offer ``fmt``."""
    rules = rules_for(region)
    export = rules.credit_export(year)
    if export is None:
        raise RuleError("export_not_offered", f"{rules.info.name}{year}年度没有学分上报。")
    if fmt is not None and fmt not in export.formats:
        offered = "、".join(FORMAT_LABELS.get(f, f) for f in export.formats)
        raise RuleError("export_format_not_offered", f"本地区不支持该导出格式，可选：{offered}。")
    return export


def _learner_year_query(region: str, year: int, *, active_only: bool) -> Select:
    """One row per learner: ledger sums per kind, best exam score and seconds studied, each
    aggregated once in a subquery and outer-joined to the learners (no per-learner queries)."""
    credits = (
        select(
            CreditRecord.user_id.label("user_id"),
            *[
                func.sum(case((CreditRecord.kind == kind, CreditRecord.credits), else_=0)).label(kind)
                for kind in KINDS
            ],
            func.sum(CreditRecord.credits).label("total"),
        )
        .where(CreditRecord.region == region, CreditRecord.year == year)
        .group_by(CreditRecord.user_id)
        .subquery("credits")
    )
    exams = (
        select(ExamAttempt.user_id.label("user_id"), func.max(ExamAttempt.score).label("score"))
        .where(
            ExamAttempt.region == region,
            ExamAttempt.year == year,
            ExamAttempt.score.is_not(None),
        )
        .group_by(ExamAttempt.user_id)
        .subquery("exams")
    )
    study = (
        select(
            ChapterProgress.user_id.label("user_id"),
            func.sum(ChapterProgress.watched_seconds).label("seconds"),
        )
        .join(Chapter, Chapter.id == ChapterProgress.chapter_id)
        .join(Course, Course.id == Chapter.course_id)
        .where(Course.region == region, Course.year == year)
        .group_by(ChapterProgress.user_id)
        .subquery("study")
    )
    query = (
        select(
            User.id,
            User.name,
            LearnerProfile.id_number,
            LearnerProfile.member_number,
            LearnerProfile.member_type,
            *[credits.c[kind] for kind in KINDS],
            credits.c.total,
            exams.c.score,
            study.c.seconds,
        )
        .outerjoin(LearnerProfile, LearnerProfile.user_id == User.id)
        .outerjoin(credits, credits.c.user_id == User.id)
        .outerjoin(exams, exams.c.user_id == User.id)
        .outerjoin(study, study.c.user_id == User.id)
        .where(User.region == region, User.role == "learner")
        .order_by(User.id)
    )
    if active_only:
        query = query.where(
            or_(
                credits.c.user_id.is_not(None),
                exams.c.user_id.is_not(None),
                and_(study.c.user_id.is_not(None), study.c.seconds > 0),
            )
        )
    return query


def _converter(region: str, year: int, requirements: Requirements) -> Callable[[tuple], LearnerYear]:
    """Turn a row of :func:`_learner_year_query` into a LearnerYear. Positional access and no
    per-row lookups: this runs once per learner of the province."""
    kinds = tuple(enumerate(KINDS, start=5))
    total_at = 5 + len(KINDS)
    score_at, seconds_at = total_at + 1, total_at + 2

    def convert(row: tuple) -> LearnerYear:
        earned = {kind: int(row[i]) for i, kind in kinds if row[i]}
        score = row[score_at]
        return LearnerYear(
            learner_id=row[0],
            region=region,
            year=year,
            name=row[1],
            id_number=row[2] or "",
            credits=earned,
            total=int(row[total_at] or 0),
            complete=is_complete(requirements, earned),
            exam_score=None if score is None else int(score),
            study_minutes=int(row[seconds_at] or 0) // 60,
            member_number=row[3],
            member_type=row[4],
        )

    return convert


def learner_years(
    region: str, year: int, *, active_only: bool = True, user_ids: Iterable[int] | None = None
) -> Iterator[LearnerYear]:
    """Stream the region's learner-years in learner order.

    :param active_only: only learners with a ledger entry, an exam score or study time that
        year (what the authority imports); False lists every learner (progress counts).
    :param user_ids: restrict to these learners (pushes resend a batch of records).
    """
    requirements = rules_for(region).requirements(year)
    query = _learner_year_query(region, year, active_only=active_only)
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    # A connection of its own with a server-side cursor (PostgreSQL) / fetchmany (SQLite), so
    # the session stays free for writes while the rows stream.
    with db.engine.connect() as connection:
        convert = _converter(region, year, requirements)
        result = connection.execution_options(yield_per=BATCH).execute(query)
        for rows in result.partitions():
            yield from map(convert, rows)


def learner_year_pages(
    region: str, year: int, *, size: int = BATCH, user_ids: Iterable[int] | None = None
) -> Iterator[list[LearnerYear]]:
    """The active learner-years in pages of ``size``, each page its own finished query (keyset
    paging on the learner id), so the caller may write to the database between pages — SQLite
    cannot commit while another connection still reads."""
    requirements = rules_for(region).requirements(year)
    after = 0
    while True:
        query = _learner_year_query(region, year, active_only=True).where(User.id > after).limit(size)
        if user_ids is not None:
            query = query.where(User.id.in_(list(user_ids)))
        page = list(map(_converter(region, year, requirements), db.session.execute(query)))
        if not page:
            return
        yield page
        after = page[-1].learner_id


def count_learner_years(region: str, year: int, *, active_only: bool = True) -> int:
    query = _learner_year_query(region, year, active_only=active_only).order_by(None)
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


# --- writers ------------------------------------------------------------------------------


def write_csv(export: CreditExport, records: Iterable[LearnerYear], stream: IO[str], progress: Progress | None = None) -> int:
    """Write a header and one row per record; ``stream`` must be opened with
    ``encoding="utf-8-sig", newline=""`` so Excel reads the Chinese correctly."""
    writer = csv.writer(stream)
    writer.writerow(export.columns)
    count = 0
    rows = map(export.row, records)
    while chunk := list(islice(rows, BATCH)):
        writer.writerows(chunk)
        count += len(chunk)
        if progress is not None:
            progress(count)
    if progress is not None and count == 0:
        progress(0)
    return count


def write_xlsx(export: CreditExport, records: Iterable[LearnerYear], path: Path, progress: Progress | None = None) -> int:
    """Write an XLSX file row by row (openpyxl's write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=f"{export.year}")
    sheet.append(list(export.columns))
    count = 0
    for record in records:
        # ID numbers stay strings, so Excel cannot turn them into 2.11302E+17.
        sheet.append(list(export.row(record)))
        count += 1
        if progress is not None and count % BATCH == 0:
            progress(count)
    workbook.save(path)
    if progress is not None:
        progress(count)
    return count


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def export_file(region: str, year: int, fmt: str, path: Path, progress: Progress | None = None) -> ExportResult:
    """Write ``region``'s ``year`` to ``path`` as ``fmt`` (``csv`` or ``xlsx``).

    The file is written under a temporary name and renamed when complete, so a crash never
    leaves a truncated export that looks finished.
    """
    if fmt not in ("csv", "xlsx"):
        raise RuleError("export_format_not_offered", "文件导出只支持 CSV 和 XLSX。")
    export = export_for(region, year, fmt)
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    records = learner_years(region, year)
    if fmt == "csv":
        with open(partial, "w", encoding="utf-8-sig", newline="") as stream:
            rows = write_csv(export, records, stream, progress)
    else:
        rows = write_xlsx(export, records, partial, progress)
    os.replace(partial, path)
    return ExportResult(path, rows)


# --- progress per region --------------------------------------------------------------------


@dataclass(frozen=True)
class RegionProgress:
    """How many of a region's learners have completed the year, started it, or not started."""

    year: int
    complete: int
    in_progress: int
    not_started: int

    @property
    def total(self) -> int:
        return self.complete + self.in_progress + self.not_started

    def share(self, part: int) -> int:
        """Percent of all learners, rounded down (for the chart)."""
        return part * 100 // self.total if self.total else 0


def region_progress(region: str, year: int) -> RegionProgress:
    """Count the region's learners by state, streaming the same aggregated query."""
    complete = in_progress = not_started = 0
    for record in learner_years(region, year, active_only=False):
        if record.complete:
            complete += 1
        elif record.total or record.study_minutes or record.exam_score is not None:
            in_progress += 1
        else:
            not_started += 1
    return RegionProgress(year, complete, in_progress, not_started)
