"""Production refuses the switches meant for tests and demos: ``TESTING`` (a ``TESTING = True``
left in a production ``cpe.cfg`` made cookies lose Secure and let the sandbox fake payments), the
test captcha answer, and the sandbox payment provider. Start-up stops with a message naming the
setting, unless ``CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION`` is set."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cpe_core import PluginError, create_app
from cpe_core.settings import ENV_SETTINGS

SWITCHES = [
    ("TESTING", {"TESTING": True}),
    ("CPE_CAPTCHA_TEST_ANSWER", {"CPE_CAPTCHA_TEST_ANSWER": "7K3P"}),
    ("CPE_PAYMENT_SANDBOX", {"CPE_PAYMENT_SANDBOX": True}),
]


def production_app(tmp_path, **config):
    return create_app({"CPE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "SECRET_KEY": "s" * 32,
                       "CPE_PLUGINS": "chaoyang", "CPE_SMS_LOG_IN_PRODUCTION": True, **config}, instance_path=str(tmp_path))


@pytest.fixture(autouse=True)
def no_environment_settings(monkeypatch):
    """The test's own settings only (the runner's CPE_ENV, say, must not decide)."""
    for key in ENV_SETTINGS:
        monkeypatch.delenv(key, raising=False)


@pytest.mark.parametrize("name, switch", SWITCHES, ids=[name for name, _ in SWITCHES])
def test_production_refuses_each_test_switch_by_name(tmp_path, name, switch):
    with pytest.raises(PluginError) as refused:
        production_app(tmp_path, **switch)
    message = str(refused.value)
    assert name in message and "CPE_ENV is production" in message
    assert "CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION=1" in message


@pytest.mark.parametrize("name, switch", SWITCHES, ids=[name for name, _ in SWITCHES])
def test_the_documented_override_lets_production_start(tmp_path, name, switch):
    app = production_app(tmp_path, CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION=True, **switch)
    assert app.config["CPE_ENV"] == "production"


def test_the_override_may_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION", "1")
    production_app(tmp_path, CPE_PAYMENT_SANDBOX=True)
    monkeypatch.setenv("CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION", "0")
    with pytest.raises(PluginError, match="CPE_PAYMENT_SANDBOX"):
        production_app(tmp_path, CPE_PAYMENT_SANDBOX=True)


def test_testing_in_the_instance_file_is_refused_with_everything_it_turns_on(tmp_path):
    (tmp_path / "cpe.cfg").write_text("TESTING = True\n")
    with pytest.raises(PluginError) as refused:
        production_app(tmp_path)
    # TESTING also turns the sandbox on by default: both are named.
    assert "test switches are on: TESTING, CPE_PAYMENT_SANDBOX." in str(refused.value)


@pytest.mark.parametrize("env", ["development", "testing"])
def test_outside_production_the_switches_are_allowed(tmp_path, env):
    app = production_app(tmp_path, CPE_ENV=env, TESTING=True, CPE_CAPTCHA_TEST_ANSWER="7K3P", CPE_PAYMENT_SANDBOX=True)
    with app.app_context():
        assert "sandbox" in app.extensions["cpe"].payment_providers()


def test_production_without_switches_has_no_sandbox(tmp_path):
    app = production_app(tmp_path)
    with app.app_context():
        assert "sandbox" not in app.extensions["cpe"].payment_providers()
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_command_line_stops_with_the_message_not_a_traceback(tmp_path):
    (tmp_path / "cpe.cfg").write_text("TESTING = True\nCPE_SECRET_KEY = 'k'\n")
    env = {key: value for key, value in os.environ.items() if key not in ENV_SETTINGS}
    env.update(CPE_INSTANCE_PATH=str(tmp_path), CPE_PLUGINS="chaoyang",
               CPE_DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    done = subprocess.run([sys.executable, "-c", "from cpe_core.cli.console import main; main()", "plugins"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "TESTING" in done.stderr and "CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION" in done.stderr
    assert "Traceback" not in done.stderr


def test_production_refuses_to_start_when_sms_would_go_to_the_log(tmp_path):
    """Without a gateway a password-reset code would sit in the log and never reach the learner."""
    config = {"CPE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "SECRET_KEY": "s" * 32, "CPE_PLUGINS": "chaoyang"}
    with pytest.raises(PluginError) as refused:
        create_app(config, instance_path=str(tmp_path))
    assert "region 'chaoyang' has no SMS gateway in CPE_SMS_REGIONS" in str(refused.value)
    assert "CPE_SMS_LOG_IN_PRODUCTION=1" in str(refused.value)


def test_the_log_in_production_may_be_allowed_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CPE_SMS_LOG_IN_PRODUCTION", "1")
    config = {"CPE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "SECRET_KEY": "s" * 32, "CPE_PLUGINS": "chaoyang"}
    assert create_app(config, instance_path=str(tmp_path)).config["CPE_ENV"] == "production"
