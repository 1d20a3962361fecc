"""往年继续教育查询: a learner's continuing-education records of past years, including those kept
before this platform (imported by staff, ``cpe records import``), each with the stages it passed
on its way to the authority (``RegionInfo.record_stages``): time, status and remark."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from ..extensions import db
from ..models import PastRecord, User
from ..regions import RuleError, rules_for
from .identity import InvalidInput, normalise_id_number

#: The import file's columns besides the stages', in order (UTF-8 CSV, a header row).
COLUMNS = ("身份证号", "姓名", "年度", "继续教育类型", "内容", "成绩/学分", "状态", "行政区划", "学习方式")


def stage_columns(stage: str) -> tuple[str, str, str]:
    """The import file's three columns of one stage: its status, its time and its remark."""
    return f"{stage}状态", f"{stage}时间", f"{stage}备注"


def _stages(region: str) -> tuple[tuple[str, str], ...]:
    stages = rules_for(region).info.record_stages
    if not stages:
        raise RuleError("no_record_history", "本地区没有往年继续教育查询。")
    return stages


def import_csv(region: str, text: str) -> tuple[int, int]:
    """Import ``region``'s past records from a CSV with :data:`COLUMNS` and each stage's
    :func:`stage_columns`; a record already imported (same person, year, type and content) is
    updated. Returns (added, updated). :raises RuleError: naming the line of a bad row."""
    stages = _stages(region)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise RuleError("import_bad_header", f"导入文件缺少列：{'、'.join(missing)}。")
    added = updated = 0
    for line, row in enumerate(reader, start=2):
        try:
            id_number = normalise_id_number((row["身份证号"] or "").strip())
            year = int((row["年度"] or "").strip())
        except (InvalidInput, ValueError):
            raise RuleError("import_bad_row", f"第{line}行：身份证号或年度无效。") from None
        if not 2000 <= year <= 2100 or not (row["内容"] or "").strip():
            raise RuleError("import_bad_row", f"第{line}行：年度或内容无效。")
        steps = []
        for stage, _passed in stages:
            status_col, time_col, remark_col = stage_columns(stage)
            steps.append({"stage": stage, "status": (row.get(status_col) or "").strip()[:32],
                          "at": (row.get(time_col) or "").strip()[:32], "remark": (row.get(remark_col) or "").strip()[:200]})
        values = dict(
            name=(row["姓名"] or "").strip()[:64], result=(row["成绩/学分"] or "").strip()[:32],
            status=(row["状态"] or "").strip()[:32], area=(row["行政区划"] or "").strip()[:64],
            study_mode=(row["学习方式"] or "").strip()[:32], steps=steps,
        )
        key = dict(region=region, id_number=id_number, year=year, cpe_type=(row["继续教育类型"] or "").strip()[:32],
                   content=row["内容"].strip()[:200])
        found = db.session.scalar(select(PastRecord).filter_by(**key))
        if found is None:
            db.session.add(PastRecord(**key, **values))
            added += 1
        else:
            for name, value in values.items():
                setattr(found, name, value)
            updated += 1
    db.session.commit()
    return added, updated


def _id_number(user: User) -> str | None:
    profile = user.profile
    return (profile.id_number if profile is not None else None) or None


def records_of(user: User, year: int | None = None) -> list[PastRecord]:
    """The learner's past records (by their ID number), newest year first; of ``year`` only
    when given."""
    _stages(user.region or "")
    id_number = _id_number(user)
    if id_number is None:
        return []
    query = select(PastRecord).where(PastRecord.region == user.region, PastRecord.id_number == id_number)
    if year is not None:
        query = query.where(PastRecord.year == year)
    return list(db.session.scalars(query.order_by(PastRecord.year.desc(), PastRecord.id)))


def years_of(user: User) -> list[int]:
    """The years the learner has records of, newest first (the query's year choice)."""
    id_number = _id_number(user)
    if id_number is None:
        return []
    return list(db.session.scalars(
        select(PastRecord.year).where(PastRecord.region == user.region, PastRecord.id_number == id_number)
        .distinct().order_by(PastRecord.year.desc())
    ))


def record_of(user: User, record_id: int) -> PastRecord:
    """One of the learner's own records (another's is not found)."""
    record = db.session.get(PastRecord, record_id)
    if record is None or record.region != user.region or record.id_number != _id_number(user):
        raise RuleError("record_not_found", "没有找到该继续教育记录。")
    return record
