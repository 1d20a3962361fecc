"""``cpe plugin new NAME`` writes a region plugin that installs with pip and passes
``RegionContract`` as generated; and a plugin as simple as the Hainan example is short."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpe_core.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]


def new_plugin(folder: Path, *args: str):
    return CliRunner().invoke(main, ["plugin", "new", *args, "--dir", str(folder)], catch_exceptions=False)


def test_the_generated_plugin_installs_with_pip_and_passes_its_contract_tests(tmp_path):
    result = new_plugin(tmp_path, "xiamen", "--title", "厦门市会计人员继续教育", "--authority", "厦门市财政局",
                        "--place", "厦门市")
    assert result.exit_code == 0, result.output
    project = tmp_path / "cpe-xiamen"
    assert "厦门市财政局" in (project / "cpe_xiamen" / "content.py").read_text(encoding="utf-8")

    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(site),
         str(project)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    (dist_info,) = site.glob("cpe_xiamen-0.1.0.dist-info")
    assert "xiamen = cpe_xiamen.hooks:plugin" in (dist_info / "entry_points.txt").read_text()

    # Its own tests, as its author runs them once installed: enabled by name through the entry
    # point. On SQLite whatever this suite runs on: the subprocess must not share our database.
    env = {key: value for key, value in os.environ.items() if key != "CPE_DATABASE_URL"}
    env["PYTHONPATH"] = str(site)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=project,
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    passed = re.search(r"(\d+) passed", run.stdout)
    assert passed and int(passed.group(1)) >= 8 and "skipped" not in run.stdout, run.stdout[-2000:]


@pytest.mark.parametrize("region, message", [
    ("Xiamen", "不合规"),
    ("x", "不合规"),
])
def test_a_bad_region_code_is_refused_and_nothing_written(tmp_path, region, message):
    result = new_plugin(tmp_path, region)
    assert result.exit_code == 2 and message in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    (tmp_path / "cpe-xiamen").mkdir()
    result = new_plugin(tmp_path, "xiamen")
    assert result.exit_code == 2 and "目录已存在" in result.output
    assert list((tmp_path / "cpe-xiamen").iterdir()) == []


def lines_of(package: Path) -> int:
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in package.glob("*.py"))


def test_a_plugin_as_simple_as_hainan_takes_at_most_half_the_419_lines_it_took_without_the_kit(tmp_path):
    assert lines_of(ROOT / "examples" / "hainan" / "cpe_hainan") <= 419 // 2
    new_plugin(tmp_path, "xiamen")
    assert lines_of(tmp_path / "cpe-xiamen" / "cpe_xiamen") <= 120
