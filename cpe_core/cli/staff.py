"""``cpe staff add``: the first staff accounts of a fresh deployment (a region's admin, who then
manages the rest from the site; or a deployment-wide site admin)."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..extensions import db

ROLES = ("admin", "reviewer", "site_admin")


@click.group("staff")
def staff_group() -> None:
    """Staff accounts."""


@staff_group.command("add")
@click.argument("login")
@click.option("--name", required=True, help="The person's name, as pages show it.")
@click.option("--region", help="The region's code (not for --role site_admin).")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (scripts).")
@with_appcontext
def staff_add(login: str, name: str, region: str | None, role: str, password_stdin: bool) -> None:
    """Add staff account LOGIN; the password is asked twice (or read from standard input).
    Audited (``staff.added``, actor ``system``)."""
    from ..regions import UnknownRegion, rules_for
    from ..services import audit
    from ..services.accounts import create_user, find_user
    from ..services.identity import InvalidInput, check_password

    if role == "site_admin":
        if region:
            raise click.UsageError("a site_admin serves every region: leave out --region")
    elif not region:
        raise click.UsageError(f"--region is required for --role {role}")
    else:
        try:
            rules_for(region)
        except UnknownRegion:
            raise click.ClickException(f"no enabled plugin serves region {region!r}") from None
    if find_user(region, login) is not None:
        raise click.ClickException(f"{login} already exists in {region or 'the site'}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password)
    except InvalidInput as refused:
        raise click.ClickException(refused.message) from None
    user = create_user(region=region, login=login, name=name, password=password, role=role)
    db.session.flush()
    audit.record("staff.added", f"user:{user.id}", region=region, after={"login": login, "role": role})
    db.session.commit()
    click.echo(f"added {role} {login} ({region or 'all regions'})")
