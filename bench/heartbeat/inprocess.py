"""CPU per request in-process, without a server: the API heartbeat, the site's heartbeat and the
bare Flask hello-world, each called as ``app(environ, start_response)`` in a loop.

Usage: ``python bench/heartbeat/inprocess.py DATABASE_URL [REQUESTS] [--profile]`` (WIPES the
database, like ``prepare.py``). Prints microseconds of CPU (``time.process_time``) per request;
``--profile`` adds a cProfile (CPU clock) of the API heartbeat, top 30 by cumulative time. What
``run.sh`` measures under load is this plus the WSGI server's and the kernel's work.
"""
from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import prepare  # noqa: E402 - this folder's prepare.py

WARM_UP = 300


def environ(path: str, body: bytes, cookie: str, headers: dict[str, str] | None = None) -> dict:
    env = {
        "REQUEST_METHOD": "POST" if body else "GET", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8811", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8811", "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }
    if body:
        env.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    if cookie:
        env["HTTP_COOKIE"] = f"session={cookie}"
    env.update(headers or {})
    return env


def cpu_per_request(app, make_environ: Callable[[], dict], requests: int, profile: bool = False) -> float:
    """Microseconds of CPU per request; fails unless every answer is 200."""
    statuses: list[str] = []

    def start_response(status, _headers, _exc_info=None):
        statuses.append(status)

    def one() -> None:
        for _chunk in app(make_environ(), start_response):
            pass

    for _ in range(WARM_UP):
        one()
    profiler = cProfile.Profile(time.process_time) if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(requests):
        one()
    if profiler:
        profiler.disable()
    spent = time.process_time() - started
    if set(statuses) != {"200 OK"}:
        sys.exit(f"error: answers other than 200: {sorted(set(statuses))}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return 1e6 * spent / requests


def site_credentials(app, count: int) -> list[tuple[str, str]]:
    """Session cookies with a CSRF token, as the site's player page leaves them."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from cpe_core.extensions import db
    from cpe_core.models import User

    serializer = app.session_interface.get_signing_serializer(app)
    credentials = []
    with app.app_context():
        ids = db.session.scalars(db.select(User.id).where(User.role == "learner").limit(count)).all()
    for user_id in ids:
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            login_user(db.session.get(User, user_id))
            token = generate_csrf()
            session["seen"] = time.time()
            credentials.append((serializer.dumps(dict(session)), token))
    return credentials


def main(url: str, requests: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as work:
        cookies = os.path.join(work, "cookies")
        prepare.main(url, cookies, 50)
        with open(cookies, encoding="utf-8") as lines:
            learners = [line.split() for line in lines if line.strip()]
    os.environ.update(CPE_DATABASE_URL=url, CPE_SECRET_KEY="bench-secret", CPE_ENV="production")
    os.environ.setdefault("CPE_PLUGINS", "*")
    from cpe_core import create_app
    from cpe_core.extensions import db
    from cpe_core.models import Chapter, User

    import hello

    app = create_app()
    with app.app_context():
        region = db.session.scalar(db.select(User.region).where(User.role == "learner").limit(1))
        chapter_id = db.session.scalar(db.select(Chapter.id).limit(1))
    site = site_credentials(app, 20)
    start = time.time()

    def position() -> bytes:  # a player playing in real time since the start
        return b'{"position": %d}' % int(time.time() - start)

    def api_beat() -> dict:
        cookie, path = random.choice(learners)
        return environ(path, position(), cookie)

    def site_beat() -> dict:
        cookie, token = random.choice(site)
        return environ(f"/{region}/learn/{chapter_id}/heartbeat", position(), cookie, {"HTTP_X_CSRFTOKEN": token})

    print(f"hello-world:    {cpu_per_request(hello.app, lambda: environ('/', b'', ''), requests):7.0f} µs of CPU per request")
    print(f"API heartbeat:  {cpu_per_request(app, api_beat, requests, profile):7.0f} µs")
    print(f"site heartbeat: {cpu_per_request(app, site_beat, max(1, requests // 5)):7.0f} µs")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--profile"]
    if not arguments:
        sys.exit(__doc__)
    main(arguments[0], int(arguments[1]) if len(arguments) > 1 else 5000, "--profile" in sys.argv)
