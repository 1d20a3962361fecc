"""``cpe check --deploy``: the deployment checks of :mod:`cpe_core.services.deploy_checks`, printed
with their codes and fixes; exit status 1 when any is an error."""
from __future__ import annotations

import sys

import click


@click.command("check")
@click.option("--deploy", is_flag=True, help="check the settings, database, Redis, folders and plugins for going live")
def check_command(deploy: bool) -> None:
    """Check this deployment before going live (cpe check --deploy)."""
    from ..services import deploy_checks

    if not deploy:
        raise click.UsageError("请使用 cpe check --deploy 检查部署设置。")
    findings = deploy_checks.check()
    for finding in findings:
        label = "错误" if finding.level == deploy_checks.ERROR else "警告"
        click.echo(f"{finding.code} {label}：{finding.message}\n    修改：{finding.fix}")
    errors = sum(1 for finding in findings if finding.level == deploy_checks.ERROR)
    click.echo(f"检查完毕：{errors}个错误，{len(findings) - errors}个警告。")
    if errors:
        sys.exit(1)
