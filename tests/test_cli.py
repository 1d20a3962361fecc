"""The `cpe` command line (also `flask --app cpe_core ...`)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import Course, Institution, User

BIN = Path(sys.executable).parent


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_plugins_lists_each_plugin_with_version_hooks_and_regions(app):
    result = run(app, "plugins")
    assert result.exit_code == 0
    assert "chaoyang 0.1.0  [cpe-chaoyang]" in result.output
    assert "regions: guangdong" in result.output
    listed = json.loads(run(app, "plugins", "--json").output)
    by_name = {entry["name"]: entry for entry in listed}
    assert by_name["cicpa"]["regions"] == ["cicpa"]
    assert "cpe_quote" in by_name["chaoyang"]["hooks"]
    assert "cpe_send_sms" not in by_name["chaoyang"]["hooks"]


@pytest.mark.parametrize("command", [["cpe", "plugins"], ["flask", "--app", "cpe_core", "plugins"]])
def test_console_script_and_flask_cli_offer_the_same_group(command, tmp_path):
    env = {**os.environ, "CPE_PLUGINS": "cicpa", "CPE_ENV": "development",
           "CPE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    output = subprocess.run(
        [str(BIN / command[0]), *command[1:]], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "cicpa 0.1.0  [cpe-cicpa]" in output
    assert "cpe_offset_types" in output


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Course, Institution, User))


def test_demo_load_fills_every_region_and_is_idempotent(app):
    first = run(app, "demo", "load")
    assert first.exit_code == 0
    after_first = counts()
    assert all(after_first)
    for region in ("chaoyang", "guangdong", "cicpa"):
        assert db.session.scalar(select(func.count()).select_from(Course).where(Course.region == region))
    second = run(app, "demo", "load")
    assert counts() == after_first
    assert second.output.count("0 institutions, 0 courses, 0 accounts, 0 year settings added") == 3


def test_explain_unknown_region_names_the_enabled_ones(app):
    result = app.test_cli_runner().invoke(args=["explain", "--region", "atlantis", "--learner", "1"])
    assert result.exit_code == 2
    assert "Enabled regions: chaoyang, cicpa, guangdong" in result.output


def test_bad_plugin_configuration_is_a_clean_error_without_traceback(tmp_path):
    env = {**os.environ, "CPE_PLUGINS": "chaoyang,hainam", "CPE_ENV": "development",
           "CPE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    done = subprocess.run([str(BIN / "cpe"), "plugins"], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "hainam" in done.stderr and "Installed plugins" in done.stderr
    assert "Traceback" not in done.stderr
