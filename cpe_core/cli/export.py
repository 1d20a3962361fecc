"""``cpe export``: a region's credits as the file its authority imports, or pushed to it.

A CSV export usually runs without this app (:mod:`cpe_core.cli.quick_export`, chosen by
:mod:`cpe_core.cli.console`); it shares its options, progress bar and messages with this command."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .quick_export import advance, export_options, export_with_progress, unknown_region
from ..regions import RuleError, UnknownRegion, regions, rules_for


@click.command("export")
@export_options
@with_appcontext
def export_command(region: str, year: int, fmt: str, output: Path | None, refresh_statuses: bool) -> None:
    """Export or push a region's learner-years, with a progress bar. A push that stopped
    half-way resumes where it stopped when run again."""
    try:
        rules_for(region)
    except UnknownRegion:
        raise unknown_region(region, regions().codes()) from None
    try:
        if fmt == "push":
            from ..services import pushes  # requests and its TLS stack: only a push needs them

            planned, total = pushes.prepare(region, year)
            with click.progressbar(length=total, label="推送") as bar:
                summary = pushes.push(region, year, advance(bar))
            summary.planned += planned
            click.echo(str(summary))
            if refresh_statuses:
                click.echo(f"状态有变化的记录：{pushes.refresh_statuses(region, year)}条")
            if summary.failed:
                click.echo("失败记录已保存接收方应答，稍后再次运行即可重试。", err=True)
            return
        export_with_progress(region, year, fmt, output)
    except RuleError as error:
        raise click.ClickException(error.message) from None
