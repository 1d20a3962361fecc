"""``cpe records``: continuing-education records kept before this platform (往年继续教育)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("records")
def records_group() -> None:
    """Past records (往年继续教育查询)."""


@records_group.command("import")
@click.option("--region", required=True, help="the region whose records these are")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def records_import(region: str, file: Path) -> None:
    """Import past records from a UTF-8 CSV: 身份证号, 姓名, 年度, 继续教育类型, 内容, 成绩/学分,
    状态, 行政区划, 学习方式, then for each of the region's record stages its 状态, 时间 and 备注
    columns (e.g. 远程机构状态, 远程机构时间, 远程机构备注). Re-importing a record updates it."""
    from ..regions import RuleError
    from ..services import past_records

    try:
        added, updated = past_records.import_csv(region, file.read_text(encoding="utf-8-sig"))
    except RuleError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"imported {added} record(s), updated {updated}")
