"""``cpe plugin new NAME``: a new region plugin, ready to install, that passes ``RegionContract``
as generated. The files come from ``plugin_skeleton/`` with ``string.Template`` placeholders
(``$region``...), which Python code does not use, unlike Jinja's braces."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from string import Template

import click

from hookspecs import CONTRACT_VERSION

from ..plugins import REGION_CODE
from ..version import __version__

SKELETON = Path(__file__).with_name("plugin_skeleton")
#: Where each skeleton file goes in the new project (``{package}``: the import package).
FILES = {
    "setup.cfg.tmpl": "setup.cfg",
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "__init__.py.tmpl": "{package}/__init__.py",
    "hooks.py.tmpl": "{package}/hooks.py",
    "rules.py.tmpl": "{package}/rules.py",
    "content.py.tmpl": "{package}/content.py",
    "test_contract.py.tmpl": "tests/test_contract.py",
}


def demo_id_number(born: dt.date = dt.date(1990, 3, 7)) -> str:
    """A GB 11643 ID number (area 110101) with its check character, for the demo learner."""
    from stdnum.cn import ric  # imported here: `cpe export` loads this module's group too

    body = f"110101{born:%Y%m%d}001"
    return body + ric.calc_check_digit(body + "?")  # it reads the first 17 characters


def write_plugin(region: str, folder: Path, *, title: str, authority: str, place: str, phone: str) -> Path:
    """Write the project ``folder/cpe-<region>``; returns its path. Refuses a bad region code
    or an existing folder (``click.UsageError``: nothing is overwritten)."""
    if not REGION_CODE.match(region):
        raise click.UsageError(f"地区代码“{region}”不合规：请用2-32个小写字母、数字或连字符，以字母开头。")
    package = "cpe_" + region.replace("-", "_")
    target = folder / f"cpe-{region}"
    if target.exists():
        raise click.UsageError(f"目录已存在：{target}")
    major, minor = CONTRACT_VERSION.split(".")
    values = {
        "region": region, "package": package, "title": title, "authority": authority, "place": place,
        "phone": phone, "initial": title[:1], "code_prefix": region.upper()[:4],
        "demo_id_number": demo_id_number(), "contract": f">={major}.{minor},<{int(major) + 1}",
        "cpe_minimum": ".".join(__version__.split(".")[:2]),
    }
    for source, destination in FILES.items():
        path = target / destination.format(package=package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template((SKELETON / source).read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    return target


@click.group("plugin")
def plugin_group() -> None:
    """Write region plugins."""


@plugin_group.command("new")
@click.argument("region")
@click.option("--title", default="新地区会计人员继续教育", show_default=True, help="the site's Chinese name")
@click.option("--authority", default="财政局", show_default=True, help="主管部门, shown on the site and certificates")
@click.option("--place", default="本地区", show_default=True, help="where learners must have collected, in Chinese")
@click.option("--phone", default="000-00000000", show_default=True, help="the contact phone (联系我们)")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="where to create cpe-REGION/")
def new_command(region: str, title: str, authority: str, place: str, phone: str, folder: Path) -> None:
    """Create cpe-REGION/: an installable region plugin with its contract tests."""
    target = write_plugin(region, folder, title=title, authority=authority, place=place, phone=phone)
    click.echo(f"已创建 {target}\n"
               f"  pip install -e {target}\n"
               f"  CPE_PLUGINS=...,{region} cpe plugins\n"
               f"  pytest {target / 'tests'}")
