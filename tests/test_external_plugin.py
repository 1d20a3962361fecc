"""A region plugin outside ``plugins/`` is enabled by configuration alone.

``examples/hainan`` is laid out in a temporary site directory the way an installer leaves it (the
package next to a ``.dist-info`` with ``METADATA`` and ``entry_points.txt``), without running pip:
that is all the core's entry-point discovery sees of an installed distribution.
"""
from __future__ import annotations

import configparser
import shutil
import sys
from pathlib import Path

import pytest

from cpe_core.testing import RegionContract

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hainan"


def _setup_cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(EXAMPLE / "setup.cfg", encoding="utf-8")
    return parser


def _forget_hainan() -> None:
    for name in [m for m in sys.modules if m == "cpe_hainan" or m.startswith("cpe_hainan.")]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def hainan_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``examples/hainan`` installed into ``<tmp>/site``, as pip would lay it out."""
    cfg = _setup_cfg()
    # The installed metadata says what examples/hainan/setup.cfg says, so both stay in step.
    assert (cfg["metadata"]["name"], cfg["metadata"]["version"]) == ("cpe-hainan", "0.1.0")
    assert cfg["options.entry_points"]["cpe.plugins"].strip() == "hainan = cpe_hainan.hooks:plugin"
    site = tmp_path_factory.mktemp("hainan") / "site"
    shutil.copytree(EXAMPLE / "cpe_hainan", site / "cpe_hainan", ignore=shutil.ignore_patterns("__pycache__"))
    dist_info = site / "cpe_hainan-0.1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cpe-hainan\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        "[cpe.plugins]\nhainan = cpe_hainan.hooks:plugin\n", encoding="utf-8"
    )
    return site


@pytest.fixture(autouse=True)
def hainan_installed(hainan_site: Path, monkeypatch: pytest.MonkeyPatch):
    """Put the site on ``sys.path`` for one test (before ``app`` is built), then take it off."""
    _forget_hainan()
    monkeypatch.syspath_prepend(str(hainan_site))
    yield hainan_site
    _forget_hainan()  # runs before monkeypatch restores sys.path


@pytest.fixture
def cpe_plugins(hainan_installed: Path) -> str:
    return "chaoyang,hainan"


def test_enabled_external_plugin_serves_its_branded_site(testapp):
    res = testapp.get("/hainan/")
    assert "海南省会计人员继续教育" in res.text
    assert testapp.get("/hainan/logo.svg").content_type == "image/svg+xml"
    assert "海南" not in testapp.get("/chaoyang/").text


def test_enabled_external_plugin_is_loaded_from_the_installed_copy(app, hainan_site):
    import cpe_hainan

    assert Path(cpe_hainan.__file__).is_relative_to(hainan_site)
    assert app.extensions["cpe"].codes() == ["chaoyang", "hainan"]


def test_cpe_plugins_lists_the_external_plugin_with_its_distribution_and_hooks(app):
    result = app.test_cli_runner().invoke(args=["plugins"])
    assert result.exit_code == 0, result.output
    assert "hainan 0.1.0  [cpe-hainan]" in result.output
    assert "regions: hainan" in result.output
    (record,) = [r for r in app.extensions["cpe"].plugins.records if r.name == "hainan"]
    assert (record.distribution, record.version, record.regions) == ("cpe-hainan", "0.1.0", ("hainan",))
    assert record.hooks == (
        "cpe_check_eligibility",
        "cpe_credit_export",
        "cpe_demo_data",
        "cpe_institution_policy",
        "cpe_purchase_modes",
        "cpe_quote",
        "cpe_regions",
        "cpe_year_requirements",
    )
    assert f"hooks:   {', '.join(record.hooks)}" in result.output


@pytest.mark.parametrize("cpe_plugins", ["chaoyang"])
def test_installed_but_not_enabled_external_plugin_is_not_served(testapp, app):
    assert "hainan" not in app.extensions["cpe"].codes()
    testapp.get("/hainan/", status=404)
    testapp.get("/chaoyang/", status=200)
    result = app.test_cli_runner().invoke(args=["plugins"])
    assert "hainan" not in result.output


@pytest.mark.parametrize("cpe_plugins", ["*"])
def test_star_enables_every_installed_plugin_including_the_external_one(app):
    assert "hainan" in app.extensions["cpe"].codes()


class TestHainanContract(RegionContract):
    region = "hainan"
