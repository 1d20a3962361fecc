"""Credit exports: every learner-year of a region streamed from ONE aggregated query and written
row by row (CSV or XLSX), so memory stays flat whatever the number of learners.

The region's plugin decides the columns and the row (``cpe_credit_export``); this module never
knows a region's format.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import copy
import os
import sys
from itertools import islice
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Integer, Select, Text, and_, case, cast, func, literal, null, or_, select

from hookspecs import KINDS, CreditExport, ExportColumn, LearnerYear, Requirements

from ..regions import RegionRules, RuleError, rules_for
from .completion import complete_sql, is_complete
from .export_tables import attempts, chapters, courses, enrolments, institutions, ledger, profiles, users, watched

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# Flask-SQLAlchemy (``db``) and the models are imported where the app's session or engine is
# used: a CSV export given an engine (``cpe export --format csv``, see
# :mod:`cpe_core.cli.quick_export`) runs on this module without Flask.

#: Rows fetched per round trip; the server-side cursor keeps only this many in memory.
BATCH = 2000
FORMATS = ("csv", "xlsx", "push")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "push": "推送至省平台"}
Progress = Callable[[int], None]


def _db():
    from ..extensions import db

    return db


def export_for(region: str, year: int, fmt: str | None = None) -> CreditExport:
    """The region's export description; :class:`RuleError` if it reports nothing that year or
    does not offer ``fmt``."""
    return export_of(rules_for(region), year, fmt)


def export_of(rules: RegionRules, year: int, fmt: str | None = None) -> CreditExport:
    """:func:`export_for` with the region's rules at hand (no app needed)."""
    export = rules.credit_export(year)
    if export is None:
        raise RuleError("export_not_offered", f"{rules.info.name}{year}年度没有学分上报。")
    export = offered_export(export)
    if fmt is not None and fmt not in export.formats:
        offered = "、".join(FORMAT_LABELS.get(f, f) for f in export.formats)
        raise RuleError("export_format_not_offered", f"本地区不支持该导出格式，可选：{offered}。")
    return export


def offered_export(export: CreditExport) -> CreditExport:
    """``export`` as this deployment offers it: an optional push (``push_required`` False, e.g.
    a region registering back to a hub) whose receiver address is not set is left out, so its
    pages, menus and learners see a region that does not push."""
    if "push" not in export.formats or export.push_required or setting(export.push_url_setting):
        return export
    trimmed = copy.copy(export)
    object.__setattr__(trimmed, "formats", tuple(f for f in export.formats if f != "push"))
    return trimmed


def setting(name: str | None) -> object:
    """A plugin-named setting: the app's configuration, else the environment. Flask is only
    asked when already imported (a quick CSV export runs without it)."""
    if not name:
        return None
    flask = sys.modules.get("flask")
    value = flask.current_app.config.get(name) if flask is not None and flask.has_app_context() else None
    return value or os.environ.get(name)


def _learner_year_parts(region: str, year: int, *, active_only: bool) -> tuple[Select, dict[str, Any]]:
    """One row per learner: ledger sums per kind, best exam score and seconds studied, each
    aggregated once in a subquery and outer-joined to the learners (no per-learner queries).

    Returns the query and, per field of :data:`hookspecs.EXPORT_FIELDS` (bar ``complete``, which
    needs the region's requirements), the SQL expression of its value.

    Built on light Core tables that mirror the models' (:mod:`.export_tables`): it reads no
    ORM objects, and needs neither the models nor a mapper configuration."""
    credits = (
        select(
            ledger.c.user_id.label("user_id"),
            *[
                func.sum(case((ledger.c.kind == kind, ledger.c.credits), else_=0)).label(kind)
                for kind in KINDS
            ],
            func.sum(ledger.c.credits).label("total"),
        )
        .where(ledger.c.region == region, ledger.c.year == year)
        .group_by(ledger.c.user_id)
        .subquery("credits")
    )
    exams = (
        select(attempts.c.user_id.label("user_id"), func.max(attempts.c.score).label("score"))
        .where(
            attempts.c.region == region,
            attempts.c.year == year,
            attempts.c.score.is_not(None),
        )
        .group_by(attempts.c.user_id)
        .subquery("exams")
    )
    study = (
        select(
            watched.c.user_id.label("user_id"),
            func.sum(watched.c.watched_seconds).label("seconds"),
        )
        .join(chapters, chapters.c.id == watched.c.chapter_id)
        .join(courses, courses.c.id == chapters.c.course_id)
        .where(courses.c.region == region, courses.c.year == year)
        .group_by(watched.c.user_id)
        .subquery("study")
    )
    # The learner's live enrolment of the year (a hub's institution and level), one index
    # lookup per learner: at most one is live a year.
    latest = enrolments.alias("latest")
    live = (
        select(latest.c.id)
        .where(latest.c.user_id == users.c.id, latest.c.year == year, latest.c.status != "cancelled")
        .order_by(latest.c.id.desc()).limit(1).correlate(users).scalar_subquery()
    )
    institution = (
        select(institutions.c.name).join(enrolments, enrolments.c.institution_id == institutions.c.id)
        .where(enrolments.c.id == live).correlate(users).scalar_subquery()
    )
    level = select(enrolments.c.level).where(enrolments.c.id == live).correlate(users).scalar_subquery()
    query = (
        select(
            users.c.id,
            users.c.name,
            profiles.c.id_number,
            profiles.c.member_number,
            profiles.c.member_type,
            *[credits.c[kind] for kind in KINDS],
            credits.c.total,
            exams.c.score,
            study.c.seconds,
            institution,
            level,
            profiles.c.department,
        )
        .outerjoin(profiles, profiles.c.user_id == users.c.id)
        .outerjoin(credits, credits.c.user_id == users.c.id)
        .outerjoin(exams, exams.c.user_id == users.c.id)
        .outerjoin(study, study.c.user_id == users.c.id)
        .where(users.c.region == region, users.c.role == "learner")
        .order_by(users.c.id)
    )
    if active_only:
        query = query.where(
            or_(
                credits.c.user_id.is_not(None),
                exams.c.user_id.is_not(None),
                and_(study.c.user_id.is_not(None), study.c.seconds > 0),
            )
        )
    # The same values :func:`_converter` builds a LearnerYear from.
    fields: dict[str, Any] = {
        "learner_id": users.c.id,
        "name": users.c.name,
        "id_number": profiles.c.id_number,
        "year": literal(year, Integer),
        "total": func.coalesce(credits.c.total, 0),
        "exam_score": exams.c.score,
        "study_minutes": func.coalesce(study.c.seconds, 0) // 60,
        "member_number": profiles.c.member_number,
        "member_type": profiles.c.member_type,
        "institution": institution,
        "level": level,
        "department": profiles.c.department,
    }
    for kind in KINDS:
        fields[f"credits.{kind}"] = func.coalesce(credits.c[kind], 0)
    return query, fields


def _learner_year_query(region: str, year: int, *, active_only: bool) -> Select:
    """The aggregated learner-year query (see :func:`_learner_year_parts`)."""
    return _learner_year_parts(region, year, active_only=active_only)[0]


#: Fields whose values are text (a fallback treats "" like a missing value there).
_TEXT_FIELDS = frozenset({"name", "id_number", "member_number", "member_type", "institution", "level", "department"})


def _sql_text(value: object) -> Any:
    """What ``csv.writer`` writes for ``value``, as an SQL literal; NULL for an empty cell,
    which PostgreSQL's COPY writes as nothing (an empty string it would quote)."""
    text = "" if value is None else str(value)
    return literal(text, Text) if text else null()


def _sql_cell(column: ExportColumn, fields: dict[str, Any], complete: Any) -> Any:
    """``column``'s cell as SQL: the same cell :meth:`ExportColumn.value` gives once written
    by ``csv.writer`` (numbers as numbers, an empty cell as NULL)."""
    if column.field is None:
        return _sql_text(column.constant)
    empty = _sql_text(column.empty)
    if column.field == "complete":
        if column.labels is None:
            return case((complete, 1), else_=0)
        return case(
            (complete, _sql_text(column.labels.get(True, column.empty))),
            else_=_sql_text(column.labels.get(False, column.empty)),
        )
    value = fields[column.field]
    textual = column.field in _TEXT_FIELDS
    if textual:
        value = func.nullif(value, "")
    if column.fallback is not None:
        other = fields[column.fallback]
        if column.fallback in _TEXT_FIELDS:
            other = func.nullif(other, "")
        if textual != (column.fallback in _TEXT_FIELDS):
            value, other, textual = cast(value, Text), cast(other, Text), True
        value = func.coalesce(value, other)
    if column.labels is not None:
        def key(k: object) -> Any:
            k = int(k) if isinstance(k, bool) else k
            return literal(str(k), Text) if textual else literal(k)

        whens = [(value == key(k), _sql_text(v)) for k, v in column.labels.items() if k is not None]
        return case(*whens, else_=empty) if whens else empty
    if column.empty in (None, ""):
        return value
    return func.coalesce(value if textual else cast(value, Text), empty)


def _csv_cells(export: CreditExport, requirements: Requirements) -> tuple[Select, list[Any]]:
    """The learner-year query and the SQL of each of the export's cells (``export.fields``)."""
    query, fields = _learner_year_parts(export.region, export.year, active_only=True)
    kinds = {kind: fields[f"credits.{kind}"] for kind in KINDS}
    complete = complete_sql(requirements, kinds)
    return query, [_sql_cell(column, fields, complete) for column in export.fields]


def _csv_query(export: CreditExport, requirements: Requirements) -> Select:
    """The export's rows, every cell computed by the database (``export.fields`` only)."""
    query, cells = _csv_cells(export, requirements)
    return query.with_only_columns(*[cell.label(f"c{i}") for i, cell in enumerate(cells)], maintain_column_froms=True)


def csv_query(region: str, year: int) -> Select:
    """The SQL that computes the CSV cells of ``region``'s ``year`` (the benchmark has the
    database's own tool dump exactly these rows); :class:`RuleError` as :func:`export_for`,
    ValueError for an export described by a ``row`` callable rather than ``fields``."""
    export = export_for(region, year, "csv")
    if not export.fields:
        raise ValueError(f"{region}'s export has no fields: its rows are made in Python")
    return _csv_query(export, rules_for(region).requirements(year))


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
            institution=row[seconds_at + 1],
            level=row[seconds_at + 2],
            department=row[seconds_at + 3],
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
        query = query.where(users.c.id.in_(list(user_ids)))
    # A connection of its own with a server-side cursor (PostgreSQL) / fetchmany (SQLite), so
    # the session stays free for writes while the rows stream.
    with _db().engine.connect() as connection:
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
        query = _learner_year_query(region, year, active_only=True).where(users.c.id > after).limit(size)
        if user_ids is not None:
            query = query.where(users.c.id.in_(list(user_ids)))
        page = list(map(_converter(region, year, requirements), _db().session.execute(query)))
        if not page:
            return
        yield page
        after = page[-1].learner_id


def count_learner_years(region: str, year: int, *, active_only: bool = True, engine: Engine | None = None) -> int:
    """How many learner-years :func:`learner_years` streams; on ``engine`` if given, else
    through the app's session."""
    query = _learner_year_query(region, year, active_only=active_only).order_by(None)
    counted = select(func.count()).select_from(query.subquery())
    if engine is None:
        return int(_db().session.scalar(counted) or 0)
    with engine.connect() as connection:
        return int(connection.scalar(counted) or 0)


# --- writers ------------------------------------------------------------------------------


def write_csv(export: CreditExport, records: Iterable[LearnerYear], stream: IO[str], progress: Progress | None = None) -> int:
    """Write a header and one row per record, running ``export.row`` in Python; ``stream`` must
    be opened with ``encoding="utf-8-sig", newline=""`` so Excel reads the Chinese correctly."""
    return _write_rows(export.columns, map(export.row, records), stream, progress)


def _write_rows(columns: Iterable[str], rows: Iterable[Iterable[object]], stream: IO[str], progress: Progress | None) -> int:
    writer = csv.writer(stream)
    writer.writerow(columns)
    count = 0
    rows = iter(rows)
    while chunk := list(islice(rows, BATCH)):
        writer.writerows(chunk)
        count += len(chunk)
        if progress is not None:
            progress(count)
    if progress is not None and count == 0:
        progress(0)
    return count


def _write_csv_in_sql(export: CreditExport, requirements: Requirements, engine: Engine, path: Path, progress: Progress | None) -> int:
    """The fast path for an export described by ``fields``: the database computes every cell
    (:func:`_csv_query`); PostgreSQL writes the CSV itself (``COPY ... TO STDOUT``), other
    databases hand plain tuples from the driver's cursor to ``csv.writer``. No Python per row."""
    query = _csv_query(export, requirements)
    # A connection of its own, so the session stays free while the rows stream.
    with engine.connect() as connection:
        compiled = query.compile(dialect=connection.dialect)
        raw = connection.connection.driver_connection
        if connection.dialect.name == "postgresql":
            return _copy_csv(raw, str(compiled), compiled.params, export.columns, path, progress)
        params = [compiled.params[name] for name in compiled.positiontup or ()]
        cursor = raw.cursor()
        try:
            cursor.execute(str(compiled), params)
            with open(path, "w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream)
                writer.writerow(export.columns)
                count = 0
                while rows := cursor.fetchmany(BATCH):
                    writer.writerows(rows)
                    count += len(rows)
                    if progress is not None:
                        progress(count)
        finally:
            cursor.close()
    if progress is not None and count == 0:
        progress(0)
    return count


def _copy_csv(raw, sql: str, params: dict, columns: tuple[str, ...], path: Path, progress: Progress | None) -> int:
    """Stream ``COPY (sql) TO STDOUT`` into ``path`` after a BOM and the header. COPY ends rows
    with LF; they become CRLF like ``csv.writer``'s, while a line break inside a (quoted) cell
    is kept as it is, as ``csv.writer`` keeps it, so both databases give the same bytes."""
    header = io.StringIO()
    csv.writer(header).writerow(columns)
    count = 0
    with open(path, "wb") as stream, raw.cursor() as cursor:
        stream.write(codecs.BOM_UTF8 + header.getvalue().encode())
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"
        with cursor.copy(statement, params) as copy:
            # COPY hands over one row at a time: write them BATCH at a time.
            chunk: list = []
            for data in itertools.chain(copy, [None]):
                if data is not None:
                    chunk.append(data)
                    if len(chunk) < BATCH:
                        continue
                if chunk:
                    block = b"".join(chunk)
                    rows = len(chunk)
                    # The server sends each row as one message ending with its LF: when the block
                    # holds no other LF (no cell with a line break), one replace does them all.
                    if block.count(b"\n") == rows:
                        block = block.replace(b"\n", b"\r\n")
                    else:
                        block = b"".join(bytes(row[:-1]) + b"\r\n" for row in chunk)
                    chunk.clear()
                    count += rows
                    stream.write(block)
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


def export_file(
    region: str, year: int, fmt: str, path: Path, progress: Progress | None = None,
    *, rules: RegionRules | None = None, engine: Engine | None = None,
) -> ExportResult:
    """Write ``region``'s ``year`` to ``path`` as ``fmt`` (``csv`` or ``xlsx``).

    The file is written under a temporary name and renamed when complete, so a crash never
    leaves a truncated export that looks finished.

    :param rules, engine: the region's rules and the database, for a caller without an app
        (``cpe export --format csv``); by default the current app's. Only a CSV export
        described by ``fields`` runs without the app: check :func:`export_of` first.
    """
    if fmt not in ("csv", "xlsx"):
        raise RuleError("export_format_not_offered", "文件导出只支持 CSV 和 XLSX。")
    rules = rules or rules_for(region)
    export = export_of(rules, year, fmt)
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    if fmt == "csv" and export.fields:
        rows = _write_csv_in_sql(export, rules.requirements(year), engine or _db().engine, partial, progress)
    elif fmt == "csv":
        with open(partial, "w", encoding="utf-8-sig", newline="") as stream:
            rows = write_csv(export, learner_years(region, year), stream, progress)
    else:
        rows = write_xlsx(export, learner_years(region, year), partial, progress)
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
    """Count the region's learners by state, streaming the same aggregated query through the
    region's own completion rule in Python (what :func:`count_region_progress` must agree with)."""
    complete = in_progress = not_started = 0
    for record in learner_years(region, year, active_only=False):
        if record.complete:
            complete += 1
        elif record.total or record.study_minutes or record.exam_score is not None:
            in_progress += 1
        else:
            not_started += 1
    return RegionProgress(year, complete, in_progress, not_started)


def count_region_progress(region: str, year: int) -> RegionProgress:
    """:func:`region_progress` counted by the database: the same learner-year query, the
    completion rule as SQL (:func:`~.completion.complete_sql`), one aggregate row back — no
    million rows through Python. :class:`RuleError` when the region has no rules that year."""
    requirements = rules_for(region).requirements(year)
    query, fields = _learner_year_parts(region, year, active_only=False)
    complete = complete_sql(requirements, {kind: fields[f"credits.{kind}"] for kind in KINDS})
    started = or_(fields["total"] != 0, fields["study_minutes"] != 0, fields["exam_score"].is_not(None))
    states = query.order_by(None).with_only_columns(
        case((complete, 1), else_=0).label("complete"), case((started, 1), else_=0).label("started"),
        maintain_column_froms=True,
    ).subquery("states")
    counted = select(
        func.count(),
        func.coalesce(func.sum(states.c.complete), 0),
        func.coalesce(func.sum(case((and_(states.c.complete == 0, states.c.started == 1), 1), else_=0)), 0),
    )
    total, done, started_only = _db().session.execute(counted).one()
    return RegionProgress(year, int(done), int(started_only), int(total) - int(done) - int(started_only))
