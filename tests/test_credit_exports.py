"""Region exports: the file each authority imports, streamed from one aggregated query."""
from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from cpe_core.extensions import db
from cpe_core.services import exports
from cpe_core.testing import id_number

from credit_helpers import earn


def read_csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def run_export(app, tmp_path, *args: str):
    fmt = args[args.index("--format") + 1] if "--format" in args else "csv"
    target = tmp_path / f"out.{fmt}"
    result = app.test_cli_runner().invoke(args=["export", *args, "--output", str(target)])
    return result, target


def test_chaoyang_export_has_id_name_credits_per_kind_and_completion(app, tmp_path, make_learner):
    # chaoyang-2024-notice: 90 credits a year, at least 60 professional; the Liaoning platform
    # imports by ID number and name (liaoning-2025-system-manual).
    done = make_learner("chaoyang", name="张丽华", id_number=id_number("211302", "19880516", 1))
    short = make_learner("chaoyang", name="王强", id_number=id_number("211302", "19900101", 2))
    make_learner("chaoyang", name="未开始", id_number=id_number("211302", "19910101", 3))
    earn(done, 2024, professional=60, public=30)
    earn(short, 2024, professional=30, public=30)

    result, path = run_export(app, tmp_path, "--region", "chaoyang", "--year", "2024", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert read_csv(path) == [
        {"身份证号": done.profile.id_number, "姓名": "张丽华", "年度": "2024", "专业科目学分": "60",
         "公需科目学分": "30", "总学分": "90", "是否完成": "是"},
        {"身份证号": short.profile.id_number, "姓名": "王强", "年度": "2024", "专业科目学分": "30",
         "公需科目学分": "30", "总学分": "60", "是否完成": "否"},
    ]
    assert "2 rows" in result.output


def test_guangdong_export_carries_score_and_study_minutes(app, tmp_path, make_learner, make_course):
    course = make_course("guangdong", 2024, kind="public", credits=30)
    learner = make_learner("guangdong", name="陈敏")
    earn(learner, 2024, professional=60, public=30, score=85, minutes=1500, course=course)

    result, path = run_export(app, tmp_path, "--region", "guangdong", "--year", "2024", "--format", "xlsx")

    assert result.exit_code == 0, result.output
    sheet = load_workbook(path, read_only=True).active
    header, *rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert header == ("姓名", "身份证号", "年度", "继续教育类型", "专业科目学分", "公需科目学分",
                      "公需考试成绩", "学习时长（分钟）")
    # The ID number stays text, so Excel cannot round it to 4.40106E+17.
    assert rows == [("陈敏", learner.profile.id_number, 2024, "网络培训", 60, 30, 85, 1500)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cicpa_export_lists_hours_per_member_with_number_and_type(app, tmp_path, make_learner, fmt):
    member = make_learner("cicpa", login="310000020002", name="李婉清",
                          member_number="310000020002", member_type="non_practising")
    earn(member, 2024, professional=40)

    result, path = run_export(app, tmp_path, "--region", "cicpa", "--year", "2024", "--format", fmt)

    assert result.exit_code == 0, result.output
    if fmt == "csv":
        rows = [tuple(row.values()) for row in read_csv(path)]
        expected = ("310000020002", "李婉清", "非执业会员", "2024", "40", "是")
    else:
        rows = list(load_workbook(path, read_only=True).active.iter_rows(min_row=2, values_only=True))
        expected = ("310000020002", "李婉清", "非执业会员", 2024, 40, "是")
    assert rows == [expected]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "cicpa", "--year", "2024", "--format", "push"], "本地区不支持该导出格式，可选：CSV、Excel (XLSX)。"),
        (["--region", "chaoyang", "--year", "2019", "--format", "csv"], "2019年度没有学分上报。"),
        (["--region", "guangdong", "--year", "2024", "--format", "push"], "未配置省平台接收地址（CPE_GUANGDONG_PUSH_URL），无法推送。"),
        (["--region", "atlantis", "--year", "2024"], "Unknown region 'atlantis'"),
    ],
)
def test_export_refuses_what_the_region_does_not_offer(app, tmp_path, args, message):
    result, path = run_export(app, tmp_path, *args)

    assert result.exit_code != 0
    assert message in result.output
    assert not path.exists()


def test_export_runs_the_same_number_of_queries_whatever_the_number_of_learners(app, make_learner, make_course):
    course = make_course("guangdong", 2024, kind="public")

    def statements_for_export() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            records = list(exports.learner_years("guangdong", 2024))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        # The year's settings are read once (the requirements' period may be an admin's value).
        return len(records), len([s for s in seen if s.lstrip().upper().startswith("SELECT")
                                  and "year_setting_value" not in s])

    for _ in range(2):
        earn(make_learner("guangdong"), 2024, public=10, score=70, minutes=30, course=course)
    few = statements_for_export()
    for _ in range(8):
        earn(make_learner("guangdong"), 2024, public=10, score=70, minutes=30, course=course)
    many = statements_for_export()

    assert (few[0], many[0]) == (2, 10)
    assert few[1] == many[1] == 1


def test_region_progress_counts_complete_in_progress_and_not_started(app, make_learner):
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    earn(make_learner("chaoyang"), 2024, professional=60)
    make_learner("chaoyang")
    earn(make_learner("guangdong"), 2024, professional=60, public=30)  # another region: not counted

    progress = exports.region_progress("chaoyang", 2024)

    assert (progress.complete, progress.in_progress, progress.not_started) == (1, 1, 1)
    assert progress.share(progress.complete) == 33
