"""``cpe export --format csv`` without building the Flask app.

Importing Flask, Flask-SQLAlchemy, the ORM and the 26 models, and building even the lean app,
took more time than streaming 100,000 learner-years (issue 8). A CSV export needs none of it: it
reads the deployment's settings (:mod:`cpe_core.settings`, as ``create_app`` does), loads the
plugins named in ``CPE_PLUGINS`` (:func:`cpe_core.plugins.load_plugins`, the same checks), opens
an SQLAlchemy engine on the same URL, and runs the very function the app runs
(:func:`cpe_core.services.exports.export_file`, given the region's rules and the engine), so the
file is the one the admin page's background export writes.

:mod:`cpe_core.cli.console` sends ``cpe export`` here when the format is CSV; anything else (XLSX,
a push, ``--help``, a region whose rows are made in Python, a bad option) goes to the full
command (:mod:`cpe_core.cli.export`), which shares these options, the progress bar and messages.
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from ..plugins import PluginError, load_plugins
from ..regions import Regions, RegionRules, RuleError, UnknownRegion
from ..settings import engine_url, instance_path, load_settings

#: The options of ``cpe export``; the full command (:mod:`cpe_core.cli.export`) has the same.
EXPORT_OPTIONS = (
    click.option("--region", required=True, help="Region code, e.g. as listed by `cpe plugins`."),
    click.option("--year", type=int, required=True, help="Programme year."),
    click.option(
        "--format", "fmt", type=click.Choice(["csv", "xlsx", "push"]), default="csv", show_default=True,
        help="A file (csv, xlsx) or a push to the provincial platform.",
    ),
    click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                 help="File to write (default: <region>-<year>.<format> here)."),
    click.option("--refresh-statuses", is_flag=True,
                 help="With --format push: then ask the receiver how far each accepted record has got."),
)


class NeedsTheApp(Exception):
    """This export's rows are made by a plugin's Python code, which needs the app's models."""


def export_options(function: Callable) -> Callable:
    """Decorate a ``cpe export`` callback with :data:`EXPORT_OPTIONS`."""
    for option in reversed(EXPORT_OPTIONS):
        function = option(function)
    return function


def unknown_region(region: str, codes: Sequence[str]) -> click.UsageError:
    return click.UsageError(f"Unknown region '{region}'. Enabled regions: {', '.join(codes)}.")


def export_with_progress(region: str, year: int, fmt: str, output: Path | None,
                         *, rules: RegionRules | None = None, engine=None) -> None:
    """Write the file with a progress bar (drawn on a terminal only), then say where it is.
    Without ``rules`` and ``engine`` it runs on the current app."""
    from ..services import exports

    target = output or Path(f"{region}-{year}.{fmt}")
    # The bar's length costs a second pass of the aggregated query; click draws the bar only
    # on a terminal, so a redirected run (cron, a script) skips the count.
    shown = click.get_text_stream("stdout").isatty()
    total = exports.count_learner_years(region, year, engine=engine) if shown else 0
    with click.progressbar(length=total, label="导出") as bar:
        result = exports.export_file(region, year, fmt, target, advance(bar), rules=rules, engine=engine)
    click.echo(f"{result.rows} rows -> {result.path}")


def advance(bar) -> Callable[[int], None]:
    """A progress callback (rows done so far) that moves ``bar``."""
    state = {"done": 0}

    def progress(done: int) -> None:
        bar.update(done - state["done"])
        state["done"] = done

    return progress


@click.command("export")
@export_options
def quick_export_command(region: str, year: int, fmt: str, output: Path | None,
                         refresh_statuses: bool) -> None:
    """Export a region's learner-years as CSV, with a progress bar."""
    from sqlalchemy import create_engine

    from ..services import exports

    try:
        folder = instance_path()
        settings = load_settings(folder)
        regions = Regions(load_plugins(settings["CPE_PLUGINS"]))
    except PluginError as error:
        # A configuration mistake, not a crash: say what to change, without a traceback.
        raise click.ClickException(str(error)) from None
    try:
        rules = regions.get(region)
    except UnknownRegion:
        raise unknown_region(region, regions.codes()) from None
    try:
        if not exports.export_of(rules, year, fmt).fields:
            # Rows made by a Python callable need the app's models: the full command
            # (:mod:`cpe_core.cli.console` runs it when this is raised).
            raise NeedsTheApp(region)
        engine = create_engine(engine_url(settings, folder), **settings["SQLALCHEMY_ENGINE_OPTIONS"])
        try:
            export_with_progress(region, year, fmt, output, rules=rules, engine=engine)
        finally:
            engine.dispose()
    except RuleError as error:
        raise click.ClickException(error.message) from None


def handles(args: Sequence[str]) -> bool:
    """Whether ``cpe`` + ``args`` is a CSV export this module runs: ``export`` with a region, a
    year and the CSV format, no ``--help``, and nothing that makes Flask's command line load
    another app (``FLASK_APP``) or other settings (a ``.env`` file, read when python-dotenv is
    installed)."""
    if not args or args[0] != "export" or "--help" in args[1:]:
        return False
    if os.environ.get("FLASK_APP") or _flask_would_load_a_dotenv_file():
        return False
    try:
        ctx = quick_export_command.make_context("export", list(args[1:]), resilient_parsing=True)
    except click.ClickException:
        return False  # the full command reports the mistake
    params = ctx.params
    return (
        params.get("region") is not None
        and params.get("year") is not None
        and params.get("fmt") in (None, "csv")  # None: not given (the default, CSV)
        and not params.get("refresh_statuses")
    )


def _flask_would_load_a_dotenv_file() -> bool:
    """Whether Flask's command line would read settings from a ``.env`` or ``.flaskenv`` file:
    python-dotenv is installed, ``FLASK_SKIP_DOTENV`` is not set, and such a file lies in the
    working folder or one above it (where ``dotenv.find_dotenv(usecwd=True)`` looks)."""
    if os.environ.get("FLASK_SKIP_DOTENV", "").lower() in ("1", "true", "yes", "on"):
        return False
    if importlib.util.find_spec("dotenv") is None:
        return False
    folder = Path.cwd()
    for candidate in (folder, *folder.parents):
        if (candidate / ".env").is_file() or (candidate / ".flaskenv").is_file():
            return True
    return False


def run(args: Sequence[str], prog_name: str = "cpe") -> None:
    """Run ``cpe export`` + ``args[1:]`` here (exits, as any click command line)."""
    quick_export_command.main(list(args[1:]), prog_name=f"{prog_name} export")
