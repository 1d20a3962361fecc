"""A header and rows as a download: CSV (UTF-8 with BOM, so Excel opens it) or XLSX (openpyxl).

The learners' own exports (their applications, their hours) use these; the region-wide credit
export streams its own (:mod:`cpe_core.services.exports`).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Sequence[object], rows: Iterable[Sequence[object]], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append([str(cell) for cell in header])
    for row in rows:
        # Labels are str subclasses (cpe_core.labels.Label): the workbook stores plain text.
        sheet.append([str(cell) if isinstance(cell, str) else cell for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_bytes(fmt: str, header: Sequence[object], rows: Iterable[Sequence[object]], title: str) -> bytes:
    """The table in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "csv":
        return csv_bytes(header, rows)
    if fmt == "xlsx":
        return xlsx_bytes(header, rows, title)
    raise ValueError(f"unknown table format {fmt!r}")
