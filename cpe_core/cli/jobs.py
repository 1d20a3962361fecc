"""``cpe jobs``: the background jobs' state, and the periodic work for cron users."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs (exports, certificate batches, e-mails) and periodic work."""


@jobs_group.command("run-periodic")
@with_appcontext
def run_periodic() -> None:
    """Do once what Celery beat does on its schedule: queue failed jobs due for a retry,
    retry due pushes (and re-send records changed since they were accepted), refresh push
    statuses from the receivers, and remove what is past its retention period. Without a
    broker, run it from cron, e.g. every 5 minutes::

        */5 * * * * cpe jobs run-periodic
    """
    from ..services import periodic

    result = periodic.run_all()
    click.echo(f"重新排队的任务：{result['jobs']}个")
    for region_year, summary in result["pushes"].items():
        click.echo(f"推送 {region_year}：{summary}")
    for region_year, changed in result["statuses"].items():
        click.echo(f"状态刷新 {region_year}：{changed}条有变化")
    click.echo("超过保存期限而删除或匿名化：" + "，".join(f"{kind} {count}" for kind, count in result["retention"].items()))


@jobs_group.command("list")
@click.option("--region", required=True, help="Region code.")
@click.option("--limit", type=int, default=20, show_default=True)
@with_appcontext
def list_jobs(region: str, limit: int) -> None:
    """The region's latest jobs: id, kind, status, progress, error."""
    from ..services import background

    for job in background.jobs_of(region, limit):
        line = f"{job.id}\t{job.kind}\t{job.status}\t{job.done}/{job.total}\t{job.message or ''}"
        if job.error:
            line += f"\t{job.error}"
        click.echo(line)
