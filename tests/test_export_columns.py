"""Export columns described as data (``ExportColumn``): the core computes the CSV cells in SQL
(PostgreSQL writes the CSV itself with COPY), and those files must be exactly what the Python
reading of the same columns gives, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import event

from cpe_core.extensions import db
from cpe_core.services import exports
from cpe_core.testing import id_number
from hookspecs import (
    PROFESSIONAL,
    PUBLIC,
    Branding,
    Contact,
    CreditExport,
    ExportColumn,
    LearnerYear,
    RegionInfo,
    Requirements,
    hookimpl,
)

from credit_helpers import earn


class Testland:
    """A throwaway region whose export uses every option of ``ExportColumn``."""

    FIELDS = (
        ExportColumn("编号", "learner_id"),
        ExportColumn("会员编号", "member_number", fallback="id_number"),
        ExportColumn("编号或学时", "member_number", fallback="total"),  # text, else a number
        ExportColumn("姓名", "name"),
        ExportColumn("类型", "member_type", labels={"a": "甲类", "b": ""}, empty="未知"),
        ExportColumn("年度", "year"),
        ExportColumn("专业", f"credits.{PROFESSIONAL}"),
        ExportColumn("公需", f"credits.{PUBLIC}", labels={0: "无"}, empty="有"),
        ExportColumn("合计", "total"),
        ExportColumn("完成", "complete"),  # no labels: 1 or 0
        ExportColumn("完成否", "complete", labels={True: "是"}, empty="否"),
        ExportColumn("成绩", "exam_score", empty="未考"),
        ExportColumn("成绩二", "exam_score"),
        ExportColumn("分钟", "study_minutes"),
        ExportColumn("常量", constant=7),
        ExportColumn("空", constant=""),
        ExportColumn("身份证号", "id_number"),
    )

    @hookimpl
    def cpe_regions(self):
        return [RegionInfo(
            code="testland", name="测试地区继续教育", authority="测试财政局",
            branding=Branding("#123456", "#654321", "<svg xmlns='http://www.w3.org/2000/svg'/>"),
            contact=Contact(phone="010-00000000"),
        )]

    @hookimpl
    def cpe_year_requirements(self, region, year):
        return Requirements(region, year, dt.date(year, 1, 1), dt.date(year, 12, 31), total=90,
                            minimums={PROFESSIONAL: 60})

    @hookimpl
    def cpe_credit_export(self, region, year):
        return CreditExport(region=region, year=year, fields=self.FIELDS)


@pytest.fixture
def extra_plugins():
    return [("testland", Testland())]


def python_csv(region: str, year: int, path) -> None:
    """The same export written the slow way: LearnerYear records through ``export.row``."""
    export = exports.export_for(region, year, "csv")
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        exports.write_csv(export, exports.learner_years(region, year), stream)


def learners_of_every_kind(region, make_learner, make_course) -> None:
    course = make_course(region, 2024, kind="public", credits=30)
    earn(make_learner(region, name="张丽华", member_number="310000020002", member_type="a"), 2024,
         professional=60, public=30, score=85, minutes=1500, course=course)
    earn(make_learner(region, name='王"强", 小王', member_type="b"), 2024, professional=70)
    earn(make_learner(region, name="李四", member_number="", member_type="zz"), 2024, public=30, score=0)
    earn(make_learner(region, name="赵六"), 2024, minutes=3, course=course)  # studied, no credits
    earn(make_learner(region, name="孙七"), 2024, professional=60, public=20)
    earn(make_learner(region, name="负分"), 2024, professional=-5, public=100)
    make_learner(region, name="未开始")  # not in the export
    earn(make_learner(region, name="去年"), 2023, professional=90)  # another year: not in it


@pytest.mark.parametrize("region", ["testland", "chaoyang", "guangdong", "cicpa"])
def test_cells_computed_in_sql_are_the_python_cells_byte_for_byte(app, tmp_path, make_learner, make_course, region):
    learners_of_every_kind(region, make_learner, make_course)

    result = exports.export_file(region, 2024, "csv", tmp_path / "sql.csv")
    python_csv(region, 2024, tmp_path / "python.csv")

    assert exports.export_for(region, 2024).fields  # the fast path was taken
    assert result.rows == 6
    assert (tmp_path / "sql.csv").read_bytes() == (tmp_path / "python.csv").read_bytes()


def test_export_columns_cover_labels_fallbacks_constants_and_empty_cells(app, tmp_path, make_learner, make_course):
    learners_of_every_kind("testland", make_learner, make_course)

    exports.export_file("testland", 2024, "csv", tmp_path / "out.csv")

    lines = (tmp_path / "out.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[0] == "编号,会员编号,编号或学时,姓名,类型,年度,专业,公需,合计,完成,完成否,成绩,成绩二,分钟,常量,空,身份证号"
    first, second, third = (line.split(",", 3)[1:3] for line in lines[1:4])
    assert first == ["310000020002", "310000020002"]
    assert second[1] == "70"  # no member number: the total
    assert third[0] == id_number(sequence=3)  # "" counts as missing too
    assert lines[1].split(",")[3:] == ["张丽华", "甲类", "2024", "60", "有", "90", "1", "是", "85", "85", "1500", "7", "",
                                       id_number(sequence=1)]
    assert '"王""强"", 小王"' in lines[2]  # quoted as csv.writer quotes
    assert ",,2024,70,无,70,0,否,未考,,0,7,," in lines[2]  # type "b" labelled "": empty cell
    assert ",李四,未知,2024,0,有,30,0,否,0,0,0,7,," in lines[3]  # unlisted type; a score of 0
    assert len(lines) == 8 and lines[-1] == ""


@pytest.mark.parametrize("region", ["testland", "chaoyang"])
def test_line_breaks_inside_a_cell_are_kept_as_they_are_and_rows_end_with_crlf(app, tmp_path, make_learner, region):
    # COPY ends rows with LF: only those become CRLF, never a line break inside a quoted cell.
    earn(make_learner(region, name="张\n丽华", member_number="31\r\n02", member_type="a"), 2024, professional=60)
    earn(make_learner(region, name="王\r\n强\r"), 2024, public=30)
    earn(make_learner(region, name="李四"), 2024, public=30)

    result = exports.export_file(region, 2024, "csv", tmp_path / "sql.csv")
    python_csv(region, 2024, tmp_path / "python.csv")

    data = (tmp_path / "sql.csv").read_bytes()
    assert data == (tmp_path / "python.csv").read_bytes()
    assert result.rows == 3
    assert '"张\n丽华"'.encode() in data and '"王\r\n强\r"'.encode() in data
    inside = 1 + (2 if region == "testland" else 0)  # 王's name; testland prints the member number twice
    assert data.count(b"\r\n") == 1 + 3 + inside and data.endswith(b"\r\n")  # header and rows end with CRLF
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row[exports.export_for(region, 2024).columns.index("姓名")] for row in rows[1:]] == ["张\n丽华", "王\r\n强\r", "李四"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_without_a_terminal_reads_the_rows_once(app, tmp_path, make_learner, fmt):
    # The progress bar is drawn only on a terminal; elsewhere its length (a count) is not asked.
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = app.test_cli_runner().invoke(
            args=["export", "--region", "chaoyang", "--year", "2024", "--format", fmt, "-o", str(tmp_path / f"x.{fmt}")]
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert result.exit_code == 0, result.output
    # The year's settings are read once (the requirements' period may be an admin's value).
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT") and "year_setting_value" not in s]
    assert len(selects) == (0 if fmt == "csv" else 1)  # csv: the driver's own cursor, unseen here
    assert not any("count(" in s.lower() for s in selects)


# --- ExportColumn and CreditExport themselves ------------------------------------------------


def record(**changes) -> LearnerYear:
    values = dict(learner_id=7, region="x", year=2024, name="张三", id_number="110", credits={PROFESSIONAL: 60},
                  total=60, complete=False, exam_score=None, study_minutes=0, member_number=None, member_type=None)
    return LearnerYear(**{**values, **changes})


@pytest.mark.parametrize(
    ("column", "changes", "cell"),
    [
        (ExportColumn("t", "name"), {}, "张三"),
        (ExportColumn("t", f"credits.{PUBLIC}"), {}, 0),
        (ExportColumn("t", "complete"), {"complete": True}, 1),
        (ExportColumn("t", "complete", labels={True: "是", False: "否"}), {}, "否"),
        (ExportColumn("t", "exam_score"), {}, ""),
        (ExportColumn("t", "exam_score", empty="—"), {}, "—"),
        (ExportColumn("t", "exam_score", labels={60: "及格"}, empty="?"), {"exam_score": 61}, "?"),
        (ExportColumn("t", "member_number", fallback="id_number"), {}, "110"),
        (ExportColumn("t", "member_number", fallback="id_number"), {"member_number": ""}, "110"),
        (ExportColumn("t", "member_number", fallback="id_number"), {"member_number": "9"}, "9"),
        (ExportColumn("t", constant="网络培训"), {}, "网络培训"),
    ],
)
def test_export_column_value(column, changes, cell):
    assert column.value(record(**changes)) == cell


def test_export_column_refuses_an_unknown_field():
    with pytest.raises(ValueError, match="unknown field 'credit.public'"):
        ExportColumn("公需", "credit.public")


def test_credit_export_derives_columns_and_row_from_fields():
    export = CreditExport(region="x", year=2024, fields=(ExportColumn("姓名", "name"), ExportColumn("年度", "year")))
    assert export.columns == ("姓名", "年度")
    assert export.row(record()) == ("张三", 2024)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"fields": (ExportColumn("a", "name"),), "row": lambda r: ("x",)}, TypeError),
        ({"fields": (ExportColumn("a", "name"),), "columns": ("b",)}, ValueError),
        ({"columns": ("a",)}, TypeError),
        ({}, TypeError),
    ],
)
def test_credit_export_needs_fields_or_columns_and_row(kwargs, error):
    with pytest.raises(error):
        CreditExport(region="x", year=2024, **kwargs)


def test_an_export_described_by_a_row_callable_still_works(app, tmp_path, make_learner):
    # Plugins written before ExportColumn keep working: their rows are made in Python.
    class Legacy(Testland):
        @hookimpl
        def cpe_credit_export(self, region, year):
            return CreditExport(region=region, year=year, columns=("姓名", "合计"), row=lambda r: (r.name, r.total))

    from cpe_core import create_app

    legacy = create_app(app.config, plugins=[("testland", Legacy())])
    with legacy.app_context():
        earn(make_learner("testland", name="甲"), 2024, professional=5)
        with pytest.raises(ValueError):
            exports.csv_query("testland", 2024)
        exports.export_file("testland", 2024, "csv", tmp_path / "legacy.csv")
    assert (tmp_path / "legacy.csv").read_bytes().decode("utf-8-sig") == "姓名,合计\r\n甲,5\r\n"
