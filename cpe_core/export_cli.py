"""``cpe export``: a region's credits as the file its authority imports, or pushed to it."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .regions import RuleError, UnknownRegion, regions, rules_for


@click.command("export")
@click.option("--region", required=True, help="Region code, e.g. as listed by `cpe plugins`.")
@click.option("--year", type=int, required=True, help="Programme year.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "push"]), default="csv", show_default=True,
    help="A file (csv, xlsx) or a push to the provincial platform.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: <region>-<year>.<format> here).")
@click.option("--refresh-statuses", is_flag=True,
              help="With --format push: then ask the receiver how far each accepted record has got.")
@with_appcontext
def export_command(region: str, year: int, fmt: str, output: Path | None, refresh_statuses: bool) -> None:
    """Export or push a region's learner-years, with a progress bar. A push that stopped
    half-way resumes where it stopped when run again."""
    from .services import exports

    try:
        rules_for(region)
    except UnknownRegion:
        raise click.UsageError(
            f"Unknown region '{region}'. Enabled regions: {', '.join(regions().codes())}."
        ) from None
    try:
        if fmt == "push":
            from .services import pushes  # requests and its TLS stack: only a push needs them

            planned, total = pushes.prepare(region, year)
            with click.progressbar(length=total, label="推送") as bar:
                summary = pushes.push(region, year, _advance(bar))
            summary.planned += planned
            click.echo(str(summary))
            if refresh_statuses:
                click.echo(f"状态有变化的记录：{pushes.refresh_statuses(region, year)}条")
            if summary.failed:
                click.echo("失败记录已保存接收方应答，稍后再次运行即可重试。", err=True)
            return
        target = output or Path(f"{region}-{year}.{fmt}")
        # The bar's length costs a second pass of the aggregated query; click draws the bar only
        # on a terminal, so a redirected run (cron, a script) skips the count.
        shown = click.get_text_stream("stdout").isatty()
        total = exports.count_learner_years(region, year) if shown else 0
        with click.progressbar(length=total, label="导出") as bar:
            result = exports.export_file(region, year, fmt, target, _advance(bar))
    except RuleError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{result.rows} rows -> {result.path}")


def _advance(bar):
    state = {"done": 0}

    def progress(done: int) -> None:
        bar.update(done - state["done"])
        state["done"] = done

    return progress
