"""The production recipe of ``deploy/`` made real in a temporary folder, for the tests that prove
it: the files as shipped, with only what must differ on a test machine replaced.

``/srv/cpe`` becomes the temporary folder, ``/srv/cpe/venv`` the running virtualenv; the
secret key, the database URL, the Redis URLs and the Celery queue are the test's. Everything
else (plugins, proxy count, shared folders, pools, retention, the unit files' command lines)
is read from ``deploy/`` unchanged.
"""
from __future__ import annotations

import secrets
import shutil
import shlex
import sys
from configparser import ConfigParser
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PLACE = "/srv/cpe"


def read_env(text: str) -> dict[str, str]:
    """``KEY=value`` lines, as systemd's EnvironmentFile= and ``sh`` read them (no quoting)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def exec_start(unit: str) -> list[str]:
    """The unit's ExecStart command line, split as systemd splits it."""
    parser = ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string((DEPLOY / unit).read_text(encoding="utf-8"))
    return shlex.split(parser["Service"]["ExecStart"])


@dataclass
class Recipe:
    root: Path
    env: dict[str, str]
    env_file: Path
    queue: str
    extra_settings: dict[str, object] = field(default_factory=dict)

    @property
    def instance(self) -> Path:
        return Path(self.env["CPE_INSTANCE_PATH"])

    @property
    def shared(self) -> Path:
        return self.root / "shared"

    def command(self, unit: str) -> list[str]:
        """The unit's ExecStart with this recipe's paths and queue."""
        venv = str(Path(sys.prefix))
        args = [part.replace(f"{PLACE}/venv", venv).replace(PLACE, str(self.root)) for part in exec_start(unit)]
        return _with_queue(args, self.queue)


def _with_queue(args: list[str], queue: str) -> list[str]:
    if "-Q" in args:
        args = list(args)
        args[args.index("-Q") + 1] = queue
    return args


def materialise(folder: Path, *, database_url: str, redis_url: str, queue: str = "cpe",
                extra_settings: dict[str, object] | None = None) -> Recipe:
    """Lay the recipe out under ``folder`` (standing for ``/srv/cpe``); ``extra_settings`` are
    appended to its ``cpe.cfg`` (what a test adds, named in the test)."""
    root = folder
    (root / "instance").mkdir(parents=True, exist_ok=True)
    (root / "shared").mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEPLOY, root / "deploy", dirs_exist_ok=True)  # the release's deploy/ at /srv/cpe/deploy
    settings = (DEPLOY / "cpe.cfg").read_text(encoding="utf-8").replace(PLACE, str(root))
    settings = settings.replace('CPE_RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/1"',
                                f"CPE_RATELIMIT_STORAGE_URI = {redis_url!r}")
    settings = settings.replace('CPE_CELERY_QUEUE = "cpe"', f"CPE_CELERY_QUEUE = {queue!r}")
    assert redis_url in settings and queue in settings, "deploy/cpe.cfg changed: update tests/deploy_recipe.py"
    for key, value in (extra_settings or {}).items():
        settings += f"{key} = {value!r}\n"
    (root / "instance" / "cpe.cfg").write_text(settings, encoding="utf-8")
    env = {key: value.replace(PLACE, str(root)) for key, value in read_env((DEPLOY / "cpe.env").read_text()).items()}
    env.update(CPE_SECRET_KEY=secrets.token_hex(32), CPE_DATABASE_URL=database_url, CPE_CELERY_BROKER_URL=redis_url)
    env_file = root / "cpe.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()), encoding="utf-8")
    return Recipe(root=root, env=env, env_file=env_file, queue=queue, extra_settings=dict(extra_settings or {}))
