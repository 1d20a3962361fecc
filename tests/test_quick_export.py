"""``cpe export --format csv`` runs without the Flask app (:mod:`cpe_core.cli.quick_export`) and
writes the very file the admin page's background export writes, on SQLite and PostgreSQL; it
reads the deployment's settings as ``create_app`` does; every other use of ``cpe export`` still
goes to the full command. Each command runs in a child process through the console script's
``main``, as a deployer runs it."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from cpe_core import create_app, settings
from cpe_core.cli import quick_export
from cpe_core.services import export_jobs

from credit_helpers import earn
from test_export_columns import learners_of_every_kind

RUN = """
import json, sys
from cpe_core.cli.console import main
code = 0
try:
    main(sys.argv[2:])
except SystemExit as exit:
    code = exit.code
with open(sys.argv[1], "w") as stream:
    json.dump({"code": code, "modules": sorted(sys.modules)}, stream)
"""

def cpe(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-c", RUN, str(report), *args], env=env, capture_output=True, text=True)
    return json.loads(report.read_text()), done


def deployment(tmp_path: Path, url: str, **more: str) -> dict[str, str]:
    return {**os.environ, "CPE_DATABASE_URL": url, "CPE_PLUGINS": "chaoyang,guangdong,cicpa",
            "CPE_ENV": "testing", "CPE_SECRET_KEY": "test", "CPE_INSTANCE_PATH": str(tmp_path), **more}


def loaded(modules: list[str], name: str) -> bool:
    return any(module == name or module.startswith(name + ".") for module in modules)


@pytest.mark.parametrize("region", ["chaoyang", "guangdong", "cicpa"])
def test_the_quick_csv_export_writes_the_background_jobs_file_byte_for_byte(
    app, tmp_path, make_learner, make_course, make_staff, cpe_database_url, region
):
    learners_of_every_kind(region, make_learner, make_course)
    app.config["CPE_EXPORT_DIR"] = str(tmp_path / "exports")
    job = export_jobs.load(export_jobs.start(region, 2024, "csv", make_staff(region)).id)
    background = export_jobs.file_path(job)
    target = tmp_path / "cli.csv"

    report, done = cpe(tmp_path, deployment(tmp_path, cpe_database_url),
                       "export", "--region", region, "--year", "2024", "-o", str(target))

    assert report["code"] in (0, None), done.stderr
    assert not loaded(report["modules"], "flask")  # the quick path ran
    assert done.stdout.endswith(f"6 rows -> {target}\n")
    assert target.read_bytes() == background.read_bytes()


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--format", "xlsx", "-o", "{tmp}/out.xlsx"], "1 rows -> {tmp}/out.xlsx"),
        (["--help"], "--refresh-statuses"),
    ],
)
def test_other_exports_and_help_still_go_to_the_full_command(app, tmp_path, make_learner, cpe_database_url, args, shown):
    earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    args = [arg.format(tmp=tmp_path) for arg in args]

    report, done = cpe(tmp_path, deployment(tmp_path, cpe_database_url),
                       "export", "--region", "chaoyang", "--year", "2024", *args)

    assert report["code"] in (0, None), done.stderr
    assert shown.format(tmp=tmp_path) in done.stdout
    assert loaded(report["modules"], "cpe_core.cli.export")


def test_an_unknown_region_is_the_same_usage_error_as_the_full_commands(app, tmp_path, cpe_database_url):
    report, done = cpe(tmp_path, deployment(tmp_path, cpe_database_url), "export", "--region", "mars", "--year", "2024")

    assert report["code"] == 2
    assert "Unknown region 'mars'. Enabled regions: chaoyang, cicpa, guangdong." in done.stderr
    assert not loaded(report["modules"], "flask")


def test_the_quick_export_reads_the_instance_file_as_the_app_does(app, tmp_path, make_learner, cpe_database_url):
    earn(make_learner("guangdong", name="陈敏"), 2024, professional=60, public=30)
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "cpe.cfg").write_text(
        f"CPE_DATABASE_URL = {cpe_database_url!r}\nCPE_PLUGINS = 'guangdong'\nCPE_SECRET_KEY = 'from-file'\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in settings.ENV_SETTINGS}
    env["CPE_INSTANCE_PATH"] = str(instance)

    report, done = cpe(tmp_path, env, "export", "--region", "guangdong", "--year", "2024", "-o", str(tmp_path / "g.csv"))
    assert report["code"] in (0, None), done.stderr
    assert "陈敏" in (tmp_path / "g.csv").read_text(encoding="utf-8-sig")

    # CPE_PLUGINS of the file holds: chaoyang is not enabled.
    report, done = cpe(tmp_path, env, "export", "--region", "chaoyang", "--year", "2024")
    assert report["code"] == 2 and "Enabled regions: guangdong." in done.stderr


def test_production_without_a_secret_key_is_refused_as_by_the_app(tmp_path, cpe_database_url):
    env = deployment(tmp_path, cpe_database_url, CPE_ENV="production")
    del env["CPE_SECRET_KEY"]

    report, done = cpe(tmp_path, env, "export", "--region", "chaoyang", "--year", "2024")

    assert report["code"] == 1
    assert "CPE_SECRET_KEY is not set" in done.stderr and "Traceback" not in done.stderr


def test_the_progress_bar_is_drawn_on_a_terminal(app, tmp_path, make_learner, cpe_database_url):
    for _ in range(3):
        earn(make_learner("chaoyang"), 2024, professional=60, public=30)
    target = tmp_path / "tty.csv"
    script = "import sys\nfrom cpe_core.cli.console import main\nmain(sys.argv[1:])\n"
    # stdout is a pseudo-terminal, as when a person runs the command.
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, "export", "--region", "chaoyang", "--year", "2024", "-o", str(target)],
            env=deployment(tmp_path, cpe_database_url), stdout=follower, stderr=subprocess.PIPE, timeout=60,
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)

    assert done.returncode == 0, done.stderr
    text = shown.decode()
    assert "导出" in text and "100%" in text and f"3 rows -> {target}" in text


@pytest.mark.parametrize(
    ("args", "quick"),
    [
        (["export", "--region", "chaoyang", "--year", "2024"], True),
        (["export", "--region", "chaoyang", "--year", "2024", "--format", "csv", "-o", "x.csv"], True),
        (["export", "--region", "chaoyang", "--year", "2024", "--format", "xlsx"], False),
        (["export", "--region", "chaoyang", "--year", "2024", "--format", "push"], False),
        (["export", "--region", "chaoyang", "--year", "2024", "--help"], False),
        (["export", "--region", "chaoyang"], False),  # the full command says what is missing
        (["export", "--region", "chaoyang", "--year", "soon"], False),
        (["plugins"], False),
        ([], False),
    ],
)
def test_which_command_lines_take_the_quick_path(args, quick, monkeypatch):
    monkeypatch.delenv("FLASK_APP", raising=False)
    assert quick_export.handles(args) is quick


def test_flask_app_sends_even_a_csv_export_to_the_full_command(monkeypatch):
    monkeypatch.setenv("FLASK_APP", "elsewhere:app")
    assert not quick_export.handles(["export", "--region", "chaoyang", "--year", "2024"])


def test_the_default_instance_folder_is_flasks(monkeypatch):
    from flask import Flask

    monkeypatch.delenv("CPE_INSTANCE_PATH", raising=False)
    assert settings.instance_path() == Flask("cpe_core", instance_relative_config=True).instance_path


def test_a_relative_sqlite_path_lies_in_the_instance_folder_as_flask_sqlalchemy_puts_it(tmp_path):
    from cpe_core.extensions import db

    config = {"CPE_DATABASE_URL": "sqlite:///relative.sqlite3", "CPE_ENV": "testing", "CPE_PLUGINS": "chaoyang"}
    app = create_app(config, instance_path=str(tmp_path))
    with app.app_context():
        expected = db.engine.url
        db.engine.dispose()

    url = settings.engine_url(settings.load_settings(str(tmp_path), config), str(tmp_path))

    assert url.database == expected.database == str(tmp_path / "relative.sqlite3")


def test_the_console_script_leaves_with_click_s_exit_code_and_everything_written(app, tmp_path, make_learner, cpe_database_url):
    # As the console script, the quick path ends the process without the interpreter's teardown.
    earn(make_learner("chaoyang", name="张丽华"), 2024, professional=60, public=30)
    target = tmp_path / "out.csv"
    script = ("import atexit\nfrom cpe_core.cli.console import main\natexit.register(print, 'torn down')\n"
              "main()\nprint('not reached')\n")
    env = deployment(tmp_path, cpe_database_url)

    done = subprocess.run([sys.executable, "-c", script, "export", "--region", "chaoyang", "--year", "2024", "-o", str(target)],
                          env=env, capture_output=True, text=True)
    refused = subprocess.run([sys.executable, "-c", script, "export", "--region", "mars", "--year", "2024"],
                             env=env, capture_output=True, text=True)

    assert (done.returncode, done.stdout) == (0, f"导出\n1 rows -> {target}\n"), done.stderr  # no "torn down"
    assert target.read_text(encoding="utf-8-sig").count("\n") == 2 and not target.with_name("out.csv.part").exists()
    assert refused.returncode == 2 and "Unknown region 'mars'" in refused.stderr and "not reached" not in refused.stdout


def test_a_dotenv_file_that_flask_would_read_sends_the_export_to_the_full_command(tmp_path, monkeypatch):
    """Flask's command line reads ``.env`` when python-dotenv is installed (the test extra brings
    it); the quick path, which would not, steps aside only when such a file is there."""
    pytest.importorskip("dotenv")
    args = ["export", "--region", "chaoyang", "--year", "2024"]
    monkeypatch.delenv("FLASK_APP", raising=False)
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    monkeypatch.chdir(tmp_path)
    assert quick_export.handles(args)
    (tmp_path / ".env").write_text("CPE_PLUGINS=chaoyang\n")
    nested = tmp_path / "sub"
    nested.mkdir()
    monkeypatch.chdir(nested)
    assert not quick_export.handles(args)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    assert quick_export.handles(args)
