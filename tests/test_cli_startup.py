"""`cpe export` and `cpe plugins` start on a lean app: the site's imports (views, sign-in, rate
limits, translations, migrations, the job queue, PDF and Excel libraries) are never loaded.
Checked in a child process, on ``sys.modules`` after the real command has run."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from credit_helpers import earn

#: Imported by the site or by some commands only; a CSV export needs none of them.
HEAVY = (
    "alembic", "apispec", "captcha", "celery", "cpe_core.views", "flask_babel", "flask_limiter",
    "flask_migrate", "flask_wtf", "openpyxl", "PIL", "reportlab", "requests", "segno", "smtplib", "stdnum",
)

RUN = """
import json, sys
from cpe_core.cli.commands import main
try:
    main(sys.argv[2:], prog_name="cpe")
except SystemExit as exit:
    code = exit.code
with open(sys.argv[1], "w") as stream:
    json.dump({"code": code, "modules": sorted(sys.modules)}, stream)
"""


def cpe(tmp_path, url: str, *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    env = {**os.environ, "CPE_DATABASE_URL": url, "CPE_PLUGINS": "chaoyang,guangdong,cicpa",
           "CPE_ENV": "testing", "CPE_SECRET_KEY": "test", "CPE_INSTANCE_PATH": str(tmp_path)}
    report = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", RUN, str(report), *args], env=env, capture_output=True, text=True)
    return json.loads(report.read_text()), done


def loaded(modules: list[str], name: str) -> bool:
    return any(module == name or module.startswith(name + ".") for module in modules)


def test_a_csv_export_imports_nothing_the_site_needs(app, tmp_path, make_learner, cpe_database_url):
    earn(make_learner("chaoyang", name="张丽华"), 2024, professional=60, public=30)
    target = tmp_path / "out.csv"

    report, done = cpe(tmp_path, cpe_database_url, "export", "--region", "chaoyang", "--year", "2024", "-o", str(target))

    assert report["code"] in (0, None), done.stderr
    assert "张丽华" in target.read_text(encoding="utf-8-sig")
    assert [name for name in HEAVY if loaded(report["modules"], name)] == []


def test_plugins_lists_the_plugins_on_the_lean_app_too(app, tmp_path, cpe_database_url):
    report, done = cpe(tmp_path, cpe_database_url, "plugins")

    assert report["code"] in (0, None), done.stderr
    assert "cicpa 0.1.0  [cpe-cicpa]" in done.stdout
    assert not loaded(report["modules"], "cpe_core.views")


@pytest.mark.parametrize(
    ("args", "shown", "module"),
    [
        (["routes"], "/api/v1/openapi.json", "cpe_core.views"),  # the site's commands: the whole app
        (["db", "--help"], "upgrade", "flask_migrate"),
    ],
)
def test_other_commands_still_get_the_whole_app(app, tmp_path, cpe_database_url, args, shown, module):
    report, done = cpe(tmp_path, cpe_database_url, *args)

    assert report["code"] in (0, None), done.stderr
    assert shown in done.stdout
    assert loaded(report["modules"], module)


def test_the_lean_app_builds_the_job_queue_when_first_used(cpe_test_config):
    from cpe_core import create_app

    lean = create_app(cpe_test_config, lean=True)
    assert lean.extensions["celery"].conf.task_always_eager  # no broker: inline, as the full app
    assert "cpe.export" in lean.extensions["celery"].tasks


def test_a_push_from_the_lean_command_reaches_the_receiver(app, tmp_path, make_learner, make_course, cpe_database_url):
    from cpe_core.testing_receiver import running_receiver

    course = make_course("guangdong", 2024, kind="public", credits=30)
    earn(make_learner("guangdong", name="陈敏"), 2024, professional=60, public=30, score=60, minutes=1440, course=course)
    with running_receiver(token="s3cret") as receiver:
        os.environ.update(CPE_GUANGDONG_PUSH_URL=receiver.url, CPE_GUANGDONG_PUSH_TOKEN="s3cret")
        try:
            report, done = cpe(tmp_path, cpe_database_url, "export", "--region", "guangdong", "--year", "2024",
                               "--format", "push")
        finally:
            del os.environ["CPE_GUANGDONG_PUSH_URL"], os.environ["CPE_GUANGDONG_PUSH_TOKEN"]
        assert report["code"] in (0, None), done.stdout + done.stderr
        assert len(receiver.records) == 1
        assert "陈敏" in json.dumps(list(receiver.records.values()), ensure_ascii=False)


#: The application itself: a CSV export from the ``cpe`` console script builds no app at all.
APP = ("flask", "flask_sqlalchemy", "flask_login", "jinja2", "werkzeug", "sqlalchemy.orm",
       "cpe_core.models", "cpe_core.extensions", "cpe_core.cli.commands", "cpe_core.cli.export")


def test_a_csv_export_from_the_console_script_imports_no_flask_orm_or_models(app, tmp_path, make_learner, cpe_database_url, monkeypatch):
    # The console script (setup.cfg: cpe = cpe_core.cli.console:main) sends a CSV export to
    # cpe_core.cli.quick_export, which builds no Flask app.
    monkeypatch.setattr(sys.modules[__name__], "RUN", RUN.replace("from cpe_core.cli.commands import main", "from cpe_core.cli.console import main"))
    earn(make_learner("chaoyang", name="张丽华"), 2024, professional=60, public=30)
    target = tmp_path / "out.csv"

    report, done = cpe(tmp_path, cpe_database_url, "export", "--region", "chaoyang", "--year", "2024", "--format", "csv", "-o", str(target))

    assert report["code"] in (0, None), done.stderr
    assert "张丽华" in target.read_text(encoding="utf-8-sig")
    assert [name for name in HEAVY + APP if loaded(report["modules"], name)] == []
