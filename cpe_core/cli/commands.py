"""The ``cpe`` command line: a click group that ``flask --app cpe_core`` offers too."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from hookspecs import CONTRACT_VERSION

from ..regions import RuleError, UnknownRegion, regions, rules_for


def init_app(app: Flask) -> None:
    from .orders import orders_group, reconcile_command

    app.cli.add_command(orders_group)
    app.cli.add_command(reconcile_command)
    for command in (plugins_command, explain_command, audit_group, demo_group, institutions_group):
        app.cli.add_command(command)
    from .export import export_command

    app.cli.add_command(export_command)
    from .jobs import jobs_group

    app.cli.add_command(jobs_group)
    from .staff import staff_group

    app.cli.add_command(staff_group)
    from .records import records_group

    app.cli.add_command(records_group)


#: Commands that serve no page and need no migration: they run on a lean app
#: (``create_app(lean=True)``), which starts in about half the time.
LEAN_COMMANDS = frozenset({"export", "plugins"})


def _create_app():
    from ..app import create_app
    from ..plugins import PluginError

    info = click.get_current_context().ensure_object(ScriptInfo)
    try:
        app = create_app(lean=info.data.get("cpe_command") in LEAN_COMMANDS)
        init_app(app)
        return app
    except PluginError as error:
        # A configuration mistake, not a crash: say what to change, without a traceback.
        raise click.ClickException(str(error)) from None


class _Group(FlaskGroup):
    """Flask's group, which also tells :func:`_create_app` the command it builds the app for.

    For a lean command it looks the command up on the app straight away: Flask would first
    import every package's ``flask.commands`` entry point (Flask-Limiter's, with Rich), which
    no cpe command needs."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        info = ctx.ensure_object(ScriptInfo)
        info.data["cpe_command"] = name
        if name not in LEAN_COMMANDS:
            return super().get_command(ctx, name)
        app = info.load_app()
        if not current_app or current_app._get_current_object() is not app:
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)


@click.group(cls=_Group, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """cpe: continuing education for accounting professionals.

    Settings come from instance/cpe.cfg and the environment (CPE_PLUGINS, CPE_DATABASE_URL,
    CPE_SECRET_KEY). Database migrations: ``cpe db upgrade``.
    """


def _add_app_free_commands() -> None:
    # Commands that need no app (no settings, no database) sit on the group itself, so they
    # run on a machine with no instance folder at all.
    from .check import check_command
    from .plugin_new import plugin_group

    main.add_command(plugin_group)
    main.add_command(check_command)


_add_app_free_commands()


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def plugins_command(as_json: bool) -> None:
    """List the enabled plugins: version, hooks implemented and regions served."""
    records = current_app.extensions["cpe"].plugins.records
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": r.name,
                        "distribution": r.distribution,
                        "version": r.version,
                        "hooks": list(r.hooks),
                        "regions": list(r.regions),
                    }
                    for r in records
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not records:
        click.echo("No plugins enabled. Set CPE_PLUGINS (see `pip list | grep cpe-`).")
        return
    for record in records:
        regions_served = ", ".join(record.regions) or "(all regions: region-agnostic)"
        click.echo(f"{record.name} {record.version}  [{record.distribution}]")
        click.echo(f"  regions: {regions_served}")
        click.echo(f"  hooks:   {', '.join(record.hooks)}")
        click.echo(f"  contract: {record.contract or '(undeclared)'} (this cpe: {CONTRACT_VERSION})")
    _payment_providers()
    _sms_gateways()


def _payment_providers() -> None:
    """Which payment providers each region offers with these settings, and which begun merchant
    accounts are not offered for a missing setting (names only: never a value)."""
    regions = current_app.extensions["cpe"]
    click.echo("payment providers:")
    for rules in regions:
        offered = ", ".join(f"{p.code} ({p.name})" for p in rules.payment_providers()) or "(none)"
        click.echo(f"  {rules.code}: {offered}")
    for line in regions.missing_payment_settings(current_app.config):
        click.echo(f"  not offered, missing {line}")


def _sms_gateways() -> None:
    """Which SMS gateway texts each region (``CPE_SMS_REGIONS``), with its signature; names only."""
    click.echo("SMS gateways:")
    for code, route in current_app.extensions["cpe"].sms_routes().items():
        if route.gateway is None:
            click.echo(f"  {code}: (none) {route.problem}")
        else:
            sign = f", signature 【{route.account.sign_name}】" if route.account.sign_name else ""
            click.echo(f"  {code}: {route.gateway.code} ({route.gateway.name}){sign}")


@click.command("explain")
@click.option("--region", required=True, help="Region code, e.g. as listed by `cpe plugins`.")
@click.option("--year", type=int, help="Programme year (default: the region's current year).")
@click.option("--learner", required=True, help="The learner's login (ID or member number) or id.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def explain_command(region: str, year: int | None, learner: str, as_json: bool) -> None:
    """Dry-run a region's rules for one learner: eligibility, what is missing, the price,
    offsets and the exam, each with a reason code."""
    from ..services.explain import explain
    from ..services.lookup import find_learner
    from ..services.years import current_year

    try:
        rules = rules_for(region)
    except UnknownRegion:
        raise click.UsageError(
            f"Unknown region '{region}'. Enabled regions: {', '.join(regions().codes())}."
        ) from None
    user = find_learner(region, learner)
    if user is None:
        raise click.UsageError(f"No learner '{learner}' in region '{region}'.")
    result = explain(user, year or current_year(rules.code))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "region": result.region,
                    "year": result.year,
                    "learner": {"id": user.id, "name": user.name},
                    "eligible": result.eligibility.allowed,
                    "complete": result.progress.complete if result.progress else False,
                    "exam_open": result.exam.open if result.exam else False,
                    "findings": [
                        {"topic": topic, "code": r.code, "message": r.message}
                        for topic, r in result.findings
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"{rules.info.name} {result.year} — {user.name} (#{user.id})")
    for topic, reason in result.findings:
        click.echo(f"  {topic:<12} {reason.code:<28} {reason.message}")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every link of the audit chain; exit 1 at the first broken one."""
    from ..services import audit

    result = audit.verify()
    if result.ok:
        click.echo(f"OK: {result.checked} entries, chain intact.")
        return
    click.echo(
        f"BROKEN at entry #{result.broken_id}: {result.problem} "
        f"({result.checked} entries verified before it).",
        err=True,
    )
    sys.exit(1)


@click.group("demo")
def demo_group() -> None:
    """Demo content for trying a fresh site."""


@demo_group.command("load")
@with_appcontext
def demo_load() -> None:
    """Load every enabled region's demo data; running it again changes nothing."""
    from ..services import demo

    for rules in regions():
        try:
            click.echo(str(demo.load(rules)))
        except RuleError as error:
            raise click.ClickException(f"{rules.code}: {error.message}") from error


@click.group("institutions")
def institutions_group() -> None:
    """A hub region's training institutions (网校)."""


@institutions_group.command("token")
@click.argument("region")
@click.argument("name")
@with_appcontext
def institution_token(region: str, name: str) -> None:
    """Give institution NAME of REGION a new token for registering credits back (学分登记) and
    print it once; the previous token stops working. Only its hash is stored."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Institution
    from ..services import registrations

    institution = db.session.scalar(select(Institution).where(Institution.region == region, Institution.name == name))
    if institution is None:
        raise click.ClickException(f"{region} has no institution named {name!r}.")
    token = registrations.new_token(institution)
    db.session.commit()
    click.echo(token)
