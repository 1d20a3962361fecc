"""``cpe check --deploy`` passes on the production recipe of ``deploy/`` and finds each planted
misconfiguration by its code, with an exit status that stops a deploy script."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpe_core.cli.commands import main
from cpe_core.services.deploy_checks import ERROR, check
from cpe_core.settings import ENV_SETTINGS

from deploy_recipe import DEPLOY, materialise, read_env

STATIC = Path(__file__).resolve().parents[1] / "cpe_core" / "static"


@pytest.fixture
def instance(tmp_path, monkeypatch, cpe_database_url):
    """An instance folder whose cpe.cfg follows the README's production recipe, on the test's
    migrated database; the environment's CPE_* settings are cleared so only the file counts."""
    for key in ENV_SETTINGS:
        monkeypatch.delenv(key, raising=False)
    folder = tmp_path / "instance"
    folder.mkdir()
    settings = {
        "CPE_SECRET_KEY": secrets.token_hex(32),
        "CPE_DATABASE_URL": cpe_database_url,
        "CPE_PLUGINS": "chaoyang,sms",
        "CPE_ALIYUN_SMS_ACCESS_KEY_ID": "LTAI-deploy-check",
        "CPE_ALIYUN_SMS_ACCESS_KEY_SECRET": secrets.token_urlsafe(24),
        "CPE_SMS_REGIONS": {"chaoyang": {"gateway": "aliyun", "sign_name": "朝阳会计在线", "templates": {
            "password_reset": "SMS_1", "invoice": "SMS_3"}}},
        "CPE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "CPE_EXPORT_DIR": str(tmp_path / "exports"),
        "CPE_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "CPE_SMTP_HOST": "127.0.0.1",
    }

    def write(**changes):
        values = {**settings, **changes}
        lines = [f"{key} = {value!r}" for key, value in values.items() if value is not None]
        (folder / "cpe.cfg").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return str(folder)

    write.folder = str(folder)
    return write


def errors(instance_folder: str) -> list[str]:
    return sorted({f.code for f in check(instance_folder) if f.level == ERROR})


def redis_or_skip() -> str:
    import redis

    from cpe_core.testing import require_or_skip

    url = os.environ.get("CPE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        require_or_skip("Redis on 127.0.0.1:6379 is needed for the recipe's rate-limit storage and broker")
    return url


def test_the_recipe_in_deploy_passes_the_deploy_check(tmp_path, cpe_database_url):
    """deploy/cpe.cfg and deploy/cpe.env as shipped (paths, secret, database and Redis the
    test's: tests/deploy_recipe.py), checked the way docs/deployment.md says, through
    deploy/cpe-admin."""
    recipe = materialise(tmp_path / "srv-cpe", database_url=cpe_database_url, redis_url=redis_or_skip())
    result = subprocess.run(
        [str(DEPLOY / "cpe-admin"), "check", "--deploy"], capture_output=True, text=True, timeout=120,
        env={"PATH": os.environ["PATH"], "ENV_FILE": str(recipe.env_file), "VENV": sys.prefix})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0个错误" in result.stdout


def test_the_recipe_as_shipped_is_refused_until_its_placeholder_secret_is_replaced(tmp_path, cpe_database_url,
                                                                                  monkeypatch):
    recipe = materialise(tmp_path / "srv-cpe", database_url=cpe_database_url, redis_url=redis_or_skip())
    for key in ENV_SETTINGS:
        monkeypatch.delenv(key, raising=False)
    for key, value in {**recipe.env, "CPE_SECRET_KEY": read_env((DEPLOY / "cpe.env").read_text())["CPE_SECRET_KEY"]}.items():
        monkeypatch.setenv(key, value)
    assert errors(str(recipe.instance)) == ["cpe.E003"]


@pytest.mark.parametrize("changes, code", [
    ({"CPE_SECRET_KEY": None}, "cpe.E001"),
    ({"CPE_ENV": "development"}, "cpe.E002"),
    ({"CPE_SECRET_KEY": "short"}, "cpe.E003"),
    ({"TESTING": True, "CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION": True}, "cpe.E004"),
    ({"CPE_RETAIN_JOB_DAYS": "a month"}, "cpe.E005"),
    ({"CPE_RETAIN_AUDIT_DAYS": -1}, "cpe.E005"),
    ({"CPE_CJK_FONT": "/nonexistent/font.ttc"}, "cpe.E010"),
    ({"CPE_UPLOAD_DIR": str(STATIC / "uploads")}, "cpe.E011"),
    ({"CPE_EXPORT_DIR": "/proc/cpe-exports"}, "cpe.E012"),
    ({"CPE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}, "cpe.E020"),
    ({"CPE_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}, "cpe.E030"),
    ({"CPE_PLUGINS": "chaoyang,nosuchplugin"}, "cpe.E040"),
    ({"CPE_PLUGINS": "guangdong,sms"}, "cpe.E042"),
    ({"CPE_SMS_REGIONS": {}}, "cpe.E044"),
    ({"CPE_ALIYUN_SMS_ACCESS_KEY_SECRET": None}, "cpe.E044"),
    ({"CPE_PLUGINS": "chaoyang"}, "cpe.E044"),
    ({"CPE_SMS_REGIONS": {"chaoyang": {"gateway": "aliyun", "templates": {"password_reset": "SMS_1"}}}}, "cpe.E045"),
    ({"CPE_WECHAT_APP_ID": "wx0123456789abcdef"}, "cpe.E046"),
])
def test_each_planted_misconfiguration_is_found_by_its_code(instance, changes, code):
    assert code in errors(instance(**changes))


def test_an_unmigrated_database_is_found_and_the_command_exits_non_zero(instance, tmp_path):
    folder = instance(CPE_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert "cpe.E021" in errors(folder)
    result = CliRunner().invoke(main, ["check", "--deploy"], env={"CPE_INSTANCE_PATH": folder})
    assert result.exit_code == 1 and "cpe db upgrade heads" in result.output


def test_an_optional_push_left_unconfigured_is_a_warning_not_an_error(instance):
    # Chaoyang registers credits back to the Liaoning hub only where the deployer connects them.
    findings = {f.code: f.level for f in check(instance(CPE_PLUGINS="chaoyang,liaoning"))}
    assert findings.get("cpe.W005") == "warning" and "cpe.E042" not in findings
    connected = instance(CPE_PLUGINS="chaoyang,liaoning", CPE_CHAOYANG_PUSH_URL="https://cpe.example.org/r",
                         CPE_CHAOYANG_PUSH_TOKEN="token")
    assert "cpe.W005" not in {f.code for f in check(connected)}


@pytest.mark.parametrize("unit", ["cpe-web.service", "cpe-worker.service", "cpe-beat.service"])
def test_each_systemd_unit_of_the_recipe_is_valid(tmp_path, unit):
    import shutil

    if shutil.which("systemd-analyze") is None:
        pytest.skip("SKIPPED, NOT TESTED: systemd-analyze is not installed")
    # The unit as shipped, with /srv/cpe/venv standing for the running virtualenv (its commands exist).
    text = (DEPLOY / unit).read_text(encoding="utf-8").replace("/srv/cpe/venv", sys.prefix)
    (tmp_path / unit).write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and unit not in result.stderr, result.stderr
