"""Benchmark: ``cpe export`` of 100,000 learner-years to CSV against the database's own dump of
the same rows (``sqlite3 -csv`` / ``psql \\copy``), on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/export/run.py                # 100,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/export/run.py --rows 20000 --skip-postgres --repeat 1

The dump runs the very query the export runs for its CSV cells (``exports.csv_query``: the
region's ``ExportColumn``s computed in SQL), so both write the same rows and columns; the
benchmark checks this cell for cell. Export and dump take turns ``--repeat`` times (default 3)
and the medians are compared, so a burst of load on a shared machine weighs on both alike; the
1-minute load average as each turn starts is printed with the figures.

PostgreSQL: ``CPE_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
the benchmark works in a schema of its own (``cpe_bench``), created and dropped here, so the
database's other tables are left alone. Each measured command runs in its own child process;
its peak memory is that child's maximum resident set size. Times vary from machine to machine:
no test asserts on them.
"""
from __future__ import annotations

import argparse
import csv
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
REGION, YEAR = "chaoyang", 2024
SCHEMA = "cpe_bench"
BUDGET_MB = 200
MAX_RATIO = 3.0
# A wrapper that runs one command and prints its peak memory (KiB), so the figure is the
# command's own and not this script's.
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def ensure_sqlite3_cli() -> None:
    if shutil.which("sqlite3"):
        return
    print("installing Debian's sqlite3 ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "sqlite3"], check=True)


def measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak MB) of ``command`` run in a child process."""
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", MEASURE, *command], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{command[0]} failed:\n{done.stderr}")
    return elapsed, int(done.stdout.strip().splitlines()[-1]) / 1024


def make_app(url: str, instance: Path):
    sys.path.insert(0, str(ROOT))
    from cpe_core import create_app

    return create_app(
        {"CPE_DATABASE_URL": url, "CPE_PLUGINS": REGION, "CPE_ENV": "testing", "SECRET_KEY": "bench"},
        instance_path=str(instance),
    )


def seed(app, rows: int) -> None:
    """``rows`` learners of the region, each with a profile and two ledger entries."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from cpe_core.extensions import db
    from cpe_core.models import CreditRecord, LearnerProfile, User

    with app.app_context():
        upgrade(revision="heads")
        chunk = 10_000
        for start in range(1, rows + 1, chunk):
            ids = range(start, min(start + chunk, rows + 1))
            db.session.execute(insert(User), [
                {"id": i, "region": REGION, "login": f"{i:018d}", "name": f"学员{i}",
                 "role": "learner", "password_hash": "x", "is_active_account": True}
                for i in ids
            ])
            db.session.execute(insert(LearnerProfile), [
                {"id": i, "user_id": i, "id_number": f"{211302198800000000 + i}",
                 "collection_status": "approved", "is_student": False, "details": {}}
                for i in ids
            ])
            db.session.execute(insert(CreditRecord), [
                {"user_id": i, "region": REGION, "year": YEAR, "kind": kind,
                 "credits": credits if i % 3 else credits // 2, "source": "course",
                 "source_id": i * 2 + n, "description": ""}
                for i in ids
                for n, (kind, credits) in enumerate((("professional", 60), ("public", 30)))
            ])
            db.session.commit()
        # A live database is analysed by autovacuum; a freshly loaded one must be, or
        # PostgreSQL plans the outer joins as nested loops over "empty" tables.
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")


def dump_sql(app) -> str:
    """The query the export itself runs for its CSV cells (the region's ``ExportColumn``s
    computed in SQL), as SQL the database's tool can run: the dump writes the same rows and
    columns as the export, which :func:`check_same_rows` then verifies."""
    from cpe_core.extensions import db
    from cpe_core.services.exports import csv_query

    with app.app_context():
        query = csv_query(REGION, YEAR)
        return str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))


def check_same_rows(label: str, export_csv: Path, dump_csv: Path) -> None:
    """The dump's data rows are the export's, cell for cell (headers differ: the export's are
    the region's titles, the dump's the query's column names)."""
    with open(export_csv, encoding="utf-8-sig", newline="") as ours, open(dump_csv, encoding="utf-8", newline="") as theirs:
        mine, dumped = csv.reader(ours), csv.reader(theirs)
        next(mine), next(dumped)
        for number, (a, b) in enumerate(itertools.zip_longest(mine, dumped), start=2):
            if a != b:
                raise SystemExit(f"[{label}] line {number}: export {a} but dump {b}")


def run_one(label: str, url: str, rows: int, work: Path, dump_command, repeat: int) -> dict:
    instance = work / label
    instance.mkdir()
    app = make_app(url, instance)
    started = time.perf_counter()
    seed(app, rows)
    print(f"[{label}] seeded {rows} learner-years in {time.perf_counter() - started:.1f} s", flush=True)
    env = {**os.environ, "CPE_DATABASE_URL": url, "CPE_PLUGINS": REGION, "CPE_ENV": "testing",
           "CPE_SECRET_KEY": "bench", "CPE_INSTANCE_PATH": str(instance)}
    target = work / f"{label}-export.csv"
    cpe = str(Path(PYTHON).with_name("cpe"))
    sql = dump_sql(app)
    exports, dumps, loads = [], [], []
    for _ in range(repeat):
        # The 1-minute load average as each turn starts: the machine may be shared.
        loads.append(os.getloadavg()[0])
        exports.append(measured(
            [cpe, "export", "--region", REGION, "--year", str(YEAR), "--format", "csv", "-o", str(target)], env
        ))
        dumps.append(measured(dump_command(sql, work / f"{label}-dump.csv")))
    lines = sum(1 for _ in open(target, encoding="utf-8-sig")) - 1
    if lines != rows:
        raise SystemExit(f"[{label}] export wrote {lines} rows, expected {rows}")
    check_same_rows(label, target, work / f"{label}-dump.csv")
    export_s, dump_s = statistics.median(s for s, _ in exports), statistics.median(s for s, _ in dumps)
    export_mb, dump_mb = max(mb for _, mb in exports), max(mb for _, mb in dumps)
    print(f"[{label}] runs: export {', '.join(f'{s:.2f}' for s, _ in exports)} s; "
          f"dump {', '.join(f'{s:.2f}' for s, _ in dumps)} s; "
          f"load average {', '.join(f'{load:.2f}' for load in loads)}", flush=True)
    with app.app_context():
        from cpe_core.extensions import db

        db.engine.dispose()
    result = {"db": label, "rows": rows, "export_s": export_s, "export_mb": export_mb,
              "dump_s": dump_s, "dump_mb": dump_mb, "ratio": export_s / dump_s,
              "load": " / ".join(f"{load:.2f}" for load in loads)}
    print(f"[{label}] cpe export {export_s:.2f} s, {export_mb:.0f} MB; dump {dump_s:.2f} s; "
          f"ratio {result['ratio']:.2f}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each (the median counts)")
    args = parser.parse_args()
    ensure_sqlite3_cli()
    results = []
    with tempfile.TemporaryDirectory(prefix="cpe-bench-") as tmp:
        work = Path(tmp)
        sqlite_file = work / "bench.sqlite3"
        if not args.skip_sqlite:
            results.append(run_one(
                "SQLite", f"sqlite:///{sqlite_file}", args.rows, work,
                lambda sql, out: ["sh", "-c", f'sqlite3 -csv -header "{sqlite_file}" "$0" > "{out}"', sql],
                args.repeat,
            ))
        if not args.skip_postgres:
            base = os.environ.get("CPE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            results.append(run_postgres(base, args.rows, work, args.repeat))
    print()
    print(f"| database | learner-years | `cpe export` CSV | peak memory | database's own dump | ratio | load average |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        tool = "`sqlite3 -csv`" if r["db"] == "SQLite" else "`psql \\copy`"
        print(f"| {r['db']} | {r['rows']:,} | {r['export_s']:.2f} s | {r['export_mb']:.0f} MB | "
              f"{r['dump_s']:.2f} s ({tool}) | {r['ratio']:.2f} | {r['load']} |")
    failed = [r for r in results if r["export_mb"] > BUDGET_MB or r["ratio"] > MAX_RATIO]
    for r in failed:
        print(f"OVER BUDGET on {r['db']}: ratio {r['ratio']:.2f} (max {MAX_RATIO}), "
              f"{r['export_mb']:.0f} MB (max {BUDGET_MB})")
    return 1 if failed else 0


def run_postgres(base: str, rows: int, work: Path, repeat: int) -> dict:
    import sqlalchemy

    engine = sqlalchemy.create_engine(base)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{SCHEMA}"
    plain = sqlalchemy.engine.make_url(base).set(drivername="postgresql")
    dsn = plain.render_as_string(hide_password=False)
    try:
        return run_one(
            "PostgreSQL", url, rows, work,
            lambda sql, out: [
                "psql", dsn, "-q", "-v", "ON_ERROR_STOP=1",
                "-c", f"SET search_path TO {SCHEMA}",
                "-c", f"\\copy ({' '.join(sql.split())}) TO '{out}' WITH (FORMAT csv, HEADER)",
            ],
            repeat,
        )
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
