"""``cpe orders``: the clock-driven side of orders (run ``cpe orders expire`` from cron)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db


@click.group("orders")
def orders_group() -> None:
    """Orders and payments."""


@orders_group.command("expire")
@with_appcontext
def orders_expire() -> None:
    """Expire unpaid orders whose payment time ran out (CPE_ORDER_TTL_MINUTES, default 30)."""
    from ..services.orders import expire_due

    expired = expire_due()
    db.session.commit()
    click.echo(f"expired {expired} order(s)")


@orders_group.command("refund-duplicates")
@with_appcontext
def orders_refund_duplicates() -> None:
    """Retry the automatic refunds of duplicate payments whose provider call failed."""
    from ..services.orders import retry_duplicate_refunds

    click.echo(f"refunded {retry_duplicate_refunds()} duplicate payment(s)")


@orders_group.command("refresh-entitlements")
@click.option("--region", default=None, help="only this region's learners")
@with_appcontext
def orders_refresh_entitlements(region: str | None) -> None:
    """Recompute which plan courses are open for study from the paid orders and the regions'
    rules (e.g. once after upgrading: plan rows from before migration 0012 keep their old access)."""
    from ..services.entitlement import refresh_all

    click.echo(f"recomputed {refresh_all(region)} learner-year(s)")


@click.command("reconcile")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
              help="the day (Asia/Shanghai) whose bills to compare; default yesterday")
@with_appcontext
def reconcile_command(day: str | None) -> None:
    """Reconcile (对账) each payment provider's bill of a day with our payments and refunds.

    Prints every difference; exits with status 1 when there is one, or a bill could not be read.
    """
    import datetime as dt

    from .. import clock
    from ..services.reconciliation import differences_of, reconcile

    try:
        when = dt.date.fromisoformat(day) if day else clock.today_in_shanghai() - dt.timedelta(days=1)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    runs = reconcile(when)
    if not runs:
        click.echo("no payment provider offers a bill: nothing to reconcile")
    for run in runs:
        click.echo(f"{run.day} {run.provider}: {run.status}, {run.checked} bill line(s)" + (f": {run.error}" if run.error else ""))
        for d in differences_of(run):
            refund = f" refund {d['refund_ref']}" if d["refund_ref"] else ""
            click.echo(f"  {d['kind']} {d['merchant_ref']}{refund}: {d['problem']} "
                       f"(ours {d['ours_fen']} fen {d['ours_status'] or '-'}, theirs {d['theirs_fen']} fen {d['theirs_status'] or '-'})"
                       + (f" [{d['region']}]" if d["region"] else ""))
    if any(run.status != "ok" for run in runs):
        raise SystemExit(1)
