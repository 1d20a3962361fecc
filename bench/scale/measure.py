"""Time each staff page of a database seeded by ``seed.py``, in-process (Flask's test client
signed in as the region's admin), and count its SQL statements.

Usage: ``python bench/scale/measure.py DATABASE_URL [--json FILE]``. Each page is requested
once to warm up, then ``RUNS`` times; prints the median wall time and the statements of the
last request as a Markdown table, and exits non-zero when a page answers other than 200, a
search does not find its learner, a page's statement count varies between runs, or a page is
over ``BENCH_BUDGET_MS`` (default 200) when ``BENCH_ENFORCE=1``.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import seed  # noqa: E402 - this folder's seed.py

RUNS = 4
BUDGET_MS = int(os.environ.get("BENCH_BUDGET_MS", "200"))


def pages(n: int, middle_id: int) -> list[tuple[str, str, str | None]]:
    """(what, URL, text the answer must contain) of every staff page measured."""
    region, year = seed.REGION, seed.YEAR
    middle = seed.learner(n // 2 + 1)  # learner ids run base+1 .. base+n; any one will do
    rare = seed.learner(n - 7)
    q = lambda text: quote(text)  # noqa: E731
    return [
        ("staff dashboard (queues with counts)", f"/{region}/admin/", None),
        (f"progress dashboard {year} (complete / in progress / not started)", f"/{region}/admin/progress?year={year}", None),
        ("learner list (first 50)", f"/{region}/admin/learners", None),
        ("learner list, a page half-way through", f"/{region}/admin/learners?after={middle_id}", None),
        ("search: exact ID number (18 characters)", f"/{region}/admin/learners?q={middle['id_number']}", middle["name"]),
        ("search: exact member number", f"/{region}/admin/learners?q={rare['member_number']}", rare["name"]),
        ("search: exact phone number", f"/{region}/admin/learners?q={middle['phone']}", middle["name"]),
        ("search: part of a name (2 characters, common)", f"/{region}/admin/learners?q={q(middle['name'][1:])}", middle["name"][1:]),
        ("search: a whole name (3 characters)", f"/{region}/admin/learners?q={q(rare['name'])}", rare["name"]),
        ("review queue: info collections waiting", f"/{region}/admin/learners?collection=submitted", None),
        ("review queue: offset applications waiting", f"/{region}/review/offsets?status=submitted", None),
        ("review queue: every offset application", f"/{region}/review/offsets", None),
        ("study-card batches", f"/{region}/admin/cards", None),
        ("invoices", f"/{region}/admin/invoices", None),
        ("refunds", f"/{region}/admin/refunds", None),
        ("exports and jobs", f"/{region}/admin/exports", None),
    ]


def signed_in_client(app):
    """A test client carrying the admin's session cookie, as signing in leaves it."""
    from flask import session
    from flask_login import login_user

    from cpe_core.extensions import db
    from cpe_core.models import User
    from cpe_core.services import sessions

    client = app.test_client()
    serializer = app.session_interface.get_signing_serializer(app)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        admin = db.session.scalar(db.select(User).where(User.login == f"{seed.REGION}-admin"))
        sessions.begin(admin)
        db.session.commit()
        login_user(admin)
        session["seen"] = time.time()
        cookie = serializer.dumps(dict(session))
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie, domain="localhost")
    return client


def main(url: str, json_path: str | None) -> int:
    os.environ.setdefault("CPE_PLUGINS", "*")
    from sqlalchemy import event, func, select

    from cpe_core import create_app
    from cpe_core.extensions import db
    from cpe_core.models import User

    from cpe_core.services import progress

    app = create_app({"CPE_DATABASE_URL": url, "CPE_SECRET_KEY": "bench-secret", "CPE_SECURE_COOKIES": False})
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(User).where(User.role == "learner"))
        middle_id = db.session.scalar(select(User.id).where(User.login == seed.learner(n // 2)["id_number"]))
        engine = db.engine
        # What the beat does every CPE_BEAT_REFRESH_PROGRESS_SECONDS: count the dashboard.
        refresh_ms = progress.refresh(seed.REGION, seed.YEAR).duration_ms
    client = signed_in_client(app)
    counted: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *_a: counted.append(1))
    failures: list[str] = []
    results = []
    print(f"{n:,} learners; each page {RUNS} times after one warm-up, median in-process wall time")
    print(f"(the progress dashboard's background count took {refresh_ms:,} ms; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)\n")
    print("| page | URL | median | SQL statements |")
    print("|---|---|---|---|")
    for what, path, expect in pages(n, middle_id):
        answer = client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if answer.status_code != 200:
            failures.append(f"{path}: {answer.status_code}")
        if expect and expect not in answer.get_data(as_text=True):
            failures.append(f"{path}: {expect!r} not on the page")
        times, counts = [], []
        for _ in range(RUNS):
            counted.clear()
            started = time.perf_counter()
            client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"})
            times.append((time.perf_counter() - started) * 1000)
            counts.append(len(counted))
        median = statistics.median(times)
        if len(set(counts)) != 1:
            failures.append(f"{path}: statements vary between runs {counts}")
        if os.environ.get("BENCH_ENFORCE") == "1" and median > BUDGET_MS:
            failures.append(f"{path}: {median:.0f} ms is over {BUDGET_MS} ms")
        results.append({"page": what, "url": path, "median_ms": round(median, 1), "statements": counts[-1]})
        print(f"| {what} | `{path}` | {median:,.0f} ms | {counts[-1]} |", flush=True)
    if json_path:
        with open(json_path, "w", encoding="utf-8") as out:
            json.dump({"learners": n, "runs": RUNS, "progress_count_ms": refresh_ms, "pages": results}, out, ensure_ascii=False, indent=1)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    json_file = args[args.index("--json") + 1] if "--json" in args else None
    sys.exit(main(args[0], json_file))
