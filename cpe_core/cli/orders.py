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
