"""The production recipe of ``deploy/`` run as real processes on 127.0.0.1: gunicorn with two
workers, a Celery worker and Celery beat, each started from its systemd unit's command line,
against a PostgreSQL database of its own and the Redis on loopback (tests/deploy_recipe.py says
what differs from ``/srv/cpe``). A Chaoyang learner's journey runs over HTTP: registration with
the privacy notice, sign-in, an annual purchase paid through the sandbox's signed notification;
the region's admin (made with ``cpe staff add``) exports the year, which the worker runs; beat's
retention job removes an old SMS code; then a backup (deploy/backup.sh) is restored
(deploy/restore.sh) into a scratch database and checked.

Besides the recipe the stack turns on three test switches, and says so to the production
guard (``CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION``): ``TESTING`` with ``CPE_CAPTCHA_TEST_ANSWER``
(an HTTP client cannot read a captcha) and the sandbox payment provider.

Runs in the PostgreSQL pass only (about 30 s on the 2-CPU build machine, over 2 minutes when other
work loads it: the waits are generous); skipped loudly without PostgreSQL, Redis,
gunicorn or pg_dump, and failed instead under ``CPE_REQUIRE_SERVICES=1``.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cpe_core.payments.sandbox import SIGNATURE_HEADER, sign
from cpe_core.testing import id_number, require_or_skip

from deploy_recipe import DEPLOY, materialise
from test_deploy_check import redis_or_skip

CAPTCHA = "7K3P"
SANDBOX_SECRET = secrets.token_hex(16)
LEARNER = id_number("211302", "19880516", 77)
PASSWORD = "Secret123"
ADMIN_PASSWORD = "Admin-Pass-2024"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_database(url: str, name: str):
    """(URL of database ``name`` on ``url``'s server, an AUTOCOMMIT engine on its ``postgres`` db)."""
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    return base.set(database=name).render_as_string(hide_password=False), admin


def fresh_database(url: str, name: str) -> str:
    target, admin = server_database(url, name)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return target


def drop_database(url: str, name: str) -> None:
    _target, admin = server_database(url, name)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Stack:
    """The processes, each in a session of its own so that stopping it stops its children."""

    def __init__(self, recipe, logs: Path) -> None:
        self.recipe = recipe
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **recipe.env,
                    "WEB_CONCURRENCY": "2", "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{self.port}"}

    def admin(self, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        """``deploy/cpe-admin ARGS``, as docs/deployment.md runs it."""
        return subprocess.run([str(DEPLOY / "cpe-admin"), *args], input=stdin, capture_output=True, text=True,
                              timeout=120, env={"PATH": os.environ["PATH"], "VENV": sys.prefix,
                                                "ENV_FILE": str(self.recipe.env_file), **(env or {})})

    def start(self, unit: str) -> None:
        log = open(self.logs / f"{unit}.log", "wb")
        self.processes[unit] = subprocess.Popen(self.recipe.command(unit), cwd=self.recipe.root, env=self.env,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, unit: str) -> str:
        return (self.logs / f"{unit}.log").read_text(errors="replace")[-4000:]

    def wait_for_web(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.processes["cpe-web.service"].poll() is not None:
                pytest.fail("gunicorn stopped:\n" + self.log("cpe-web.service"))
            try:
                if requests.get(f"{self.base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        pytest.fail("gunicorn did not answer:\n" + self.log("cpe-web.service"))

    def web_workers(self) -> int:
        master = self.processes["cpe-web.service"].pid
        children = 0
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    children += 1
        return children

    def stop(self) -> None:
        for unit, process in self.processes.items():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def poll(what, seconds: float, describe) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(describe())


@pytest.fixture
def services(cpe_database_url):
    if not cpe_database_url.startswith("postgresql"):
        pytest.skip("the production stack runs in the PostgreSQL pass (CPE_DATABASE_URL=postgresql+psycopg://...)")
    redis_url = redis_or_skip()
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        require_or_skip("gunicorn (pip install -e '.[test]') for the production-stack test")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            require_or_skip(f"{tool} (Debian's postgresql-client) for the backup and restore")
    return cpe_database_url, redis_url


def test_the_recipe_runs_as_real_processes_and_a_learners_journey_completes_over_http(services, tmp_path):
    server_url, redis_url = services
    name = make_url(server_url).database
    stack_db, restore_db = f"{name}_stack", f"{name}_restore"
    recipe = materialise(
        tmp_path / "srv-cpe", database_url=fresh_database(server_url, stack_db), redis_url=redis_url,
        queue=f"cpe-stack-{uuid.uuid4().hex}",
        extra_settings={
            "TESTING": True, "CPE_CAPTCHA_TEST_ANSWER": CAPTCHA, "CPE_PAYMENT_SANDBOX": True,
            "CPE_SANDBOX_SECRET": SANDBOX_SECRET, "CPE_SANDBOX_DELIVER": False,
            "CPE_ALLOW_TEST_SWITCHES_IN_PRODUCTION": True,
            "CPE_BEAT_RETENTION_SECONDS": 1,  # so the test sees beat's retention job run
        })
    stack = Stack(recipe, tmp_path)
    try:
        # The upgrade step of docs/deployment.md, then the first admin.
        migrated = stack.admin("db", "upgrade", "heads")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        added = stack.admin("staff", "add", "cy-admin", "--name", "王管理", "--region", "chaoyang",
                            "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        assert added.returncode == 0, added.stdout + added.stderr
        engine = create_engine(recipe.env["CPE_DATABASE_URL"])
        with engine.begin() as connection:  # an SMS code older than the 30 days the recipe keeps
            sent = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=40)
            connection.execute(text("INSERT INTO sms_code (region, phone, purpose, code_hash, sent_at, expires_at, attempts) "
                                    "VALUES ('chaoyang', '13800000001', 'reset', 'x', :sent, :sent, 0)"), {"sent": sent})

        for unit in ("cpe-web.service", "cpe-worker.service", "cpe-beat.service"):
            stack.start(unit)
        stack.wait_for_web()
        assert stack.web_workers() >= 2, stack.log("cpe-web.service")
        base = stack.base + "/api/v1"

        def captcha() -> dict:
            return {"captcha_id": requests.post(f"{base}/captcha", timeout=10).json()["captcha_id"], "captcha": CAPTCHA}

        # Register, accepting the region's privacy notice, then sign in.
        form = requests.get(f"{base}/regions/chaoyang/registration-form", timeout=10).json()
        assert form["privacy_notice"]["version"] == "chaoyang-2024-01"
        registered = requests.post(f"{base}/regions/chaoyang/register", timeout=20, json={
            "login": LEARNER, "password": PASSWORD, "password2": PASSWORD, "name": "赵栈", "qualification_level": "中级",
            "qualified_year": 2016, "employer": "朝阳某单位", "phone": "13904210777", "collection_region": "chaoyang",
            "privacy_accepted": True, **captcha()})
        assert registered.status_code == 201, registered.text
        signed_in = requests.post(f"{base}/regions/chaoyang/login", timeout=20,
                                  json={"login": LEARNER, "password": PASSWORD, **captcha()})
        assert signed_in.status_code == 200, signed_in.text
        learner = {"Authorization": f"Bearer {signed_in.json()['token']}"}

        # Buy the year: order, payment, and the gateway's signed notification.
        offers = requests.get(f"{base}/offers", headers=learner, timeout=10).json()
        annual = next(o for o in offers["offers"] if o["mode"] == "annual")
        assert annual["available"] and annual["total_fen"] > 0
        order = requests.post(f"{base}/orders", headers=learner, json={"year": offers["year"], "mode": "annual"}, timeout=10)
        assert order.status_code == 201, order.text
        number = order.json()["number"]
        payment = requests.post(f"{base}/orders/{number}/payments", headers=learner, json={"provider": "sandbox"}, timeout=10)
        assert payment.status_code == 201, payment.text
        reference = payment.json()["url"].rstrip("/").rsplit("/", 1)[-1]
        body = json.dumps({"merchant_ref": reference, "amount_fen": annual["total_fen"], "status": "paid",
                           "transaction_id": "SBX-STACK-1", "nonce": uuid.uuid4().hex}).encode()
        notified = requests.post(f"{stack.base}/payments/notify/sandbox", data=body, timeout=10,
                                 headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(SANDBOX_SECRET, body)})
        assert notified.status_code == 200, notified.text
        orders = requests.get(f"{base}/orders", headers=learner, timeout=10).json()["orders"]
        assert [(o["number"], o["status"]) for o in orders] == [(number, "paid")]
        copy = zipfile.ZipFile(io.BytesIO(requests.get(f"{base}/me/personal-data", headers=learner, timeout=10).content))
        assert json.loads(copy.read("orders.json"))[0]["number"] == number

        # The admin's export runs in the Celery worker process.
        admin_token = requests.post(f"{base}/regions/chaoyang/login", timeout=20,
                                    json={"login": "cy-admin", "password": ADMIN_PASSWORD, **captcha()}).json()["token"]
        admin = {"Authorization": f"Bearer {admin_token}"}
        started = requests.post(f"{base}/regions/chaoyang/exports", headers=admin, timeout=10,
                                json={"year": offers["year"], "format": "csv"})
        assert started.status_code == 202, started.text
        job_url = f"{base}/regions/chaoyang/exports/{started.json()['id']}"
        job = poll(lambda: (state := requests.get(job_url, headers=admin, timeout=10).json())["status"] in ("done", "failed")
                   and state, 120, lambda: "the export did not end:\n" + stack.log("cpe-worker.service"))
        assert job["status"] == "done", job
        exported = requests.get(f"{job_url}/download", headers=admin, timeout=10)
        assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")  # UTF-8 CSV, BOM first

        # Beat queued the retention job; the worker removed the old code.
        def old_code_gone() -> bool:
            with engine.connect() as connection:
                return connection.execute(text("SELECT count(*) FROM sms_code")).scalar() == 0
        poll(old_code_gone, 90, lambda: "beat's retention did not run:\n" + stack.log("cpe-beat.service")
             + stack.log("cpe-worker.service"))
        engine.dispose()

        # Back up, restore into a scratch database and folder, and check what came back.
        backup = subprocess.run([str(DEPLOY / "backup.sh"), str(tmp_path / "backups")], capture_output=True,
                                text=True, timeout=120, env={"PATH": os.environ["PATH"], "ENV_FILE": str(recipe.env_file),
                                                             "SHARED_DIR": str(recipe.shared)})
        assert backup.returncode == 0, backup.stdout + backup.stderr
        dump, files = backup.stdout.split()
        restore_url = fresh_database(server_url, restore_db)
        restore_env = tmp_path / "restore.env"
        restore_env.write_text(recipe.env_file.read_text().replace(recipe.env["CPE_DATABASE_URL"], restore_url))
        restored_shared = tmp_path / "restored-shared"
        restored = subprocess.run([str(DEPLOY / "restore.sh"), dump, files], capture_output=True, text=True,
                                  timeout=120, env={"PATH": os.environ["PATH"], "ENV_FILE": str(restore_env),
                                                    "SHARED_DIR": str(restored_shared)})
        assert restored.returncode == 0, restored.stdout + restored.stderr
        verified = stack.admin("audit", "verify", env={"ENV_FILE": str(restore_env)})
        assert verified.returncode == 0, verified.stdout + verified.stderr
        counts = text('SELECT (SELECT count(*) FROM "user"), (SELECT count(*) FROM "order"), (SELECT count(*) FROM job), '
                      "(SELECT count(*) FROM audit_entry), (SELECT version_num FROM alembic_version LIMIT 1)")
        for url in (recipe.env["CPE_DATABASE_URL"], restore_url):
            engine = create_engine(url)
            with engine.connect() as connection:
                found = connection.execute(counts).one()
            engine.dispose()
            if url != restore_url:
                original = found
        assert found == original and found[1] == 1
        assert (restored_shared / "exports" / f"chaoyang-{offers['year']}-{job['id']}.csv").read_bytes() == exported.content
    finally:
        stack.stop()
        drop_database(server_url, stack_db)
        drop_database(server_url, restore_db)
