"""How long one certificate takes: ``.venv/bin/python bench/certificate.py`` (``--profile``
adds a cProfile of the issue calls).

Two figures, both after a warm-up (the CJK font is parsed once per process):

- render: the PDF alone (reportlab, embedded CJK font subset, QR code) plus its SHA-256;
- issue: the whole service call a learner's click makes — eligibility (exam policy, the passed
  attempt), ledger sums, the signed code, rendering, digest and the INSERT — on a migrated
  SQLite database in a temporary folder.

The issue asks for under 100 ms per certificate; the script exits non-zero above that.
"""
from __future__ import annotations

import cProfile
import datetime as dt
import hashlib
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

BUDGET_MS = 100.0
ROUNDS = 50


def main() -> int:
    from flask_migrate import upgrade

    from cpe_core import create_app
    from cpe_core.extensions import db
    from cpe_core.models import ExamAttempt
    from cpe_core.services import certificates, ledger
    from cpe_core.services.accounts import create_user
    from cpe_core.testing import FAST_HASH, id_number

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "CPE_ENV": "testing",
                "CPE_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                "CPE_PLUGINS": "*",
                "CPE_PASSWORD_METHOD": FAST_HASH,
                "SECRET_KEY": "bench",
                "SERVER_NAME": "cpe.example.cn",
            }
        )
        with app.app_context():
            upgrade(revision="heads")
            region = next(r for r in app.extensions["cpe"] if r.exam_policy(r.info.current_year) is not None)
            year = region.info.current_year
            policy = region.exam_policy(year)
            learners = []
            for number in range(ROUNDS + 1):
                user = create_user(
                    region=region.code, login=f"bench{number}", name="基准测试学员", password="x",
                    id_number=id_number(sequence=number + 1),
                )
                db.session.flush()
                for source_id, (kind, amount) in enumerate(policy.required_by_kind.items(), 1):
                    ledger.record_credit(user_id=user.id, region=region.code, year=year, kind=kind,
                                         credits=amount, source="course", source_id=source_id)
                db.session.add(ExamAttempt(
                    user_id=user.id, region=region.code, year=year, question_ids=[], status="closed",
                    deadline_at=dt.datetime(2024, 6, 15, 2, 0), score=policy.full_marks, passed=True,
                ))
                learners.append(user)
            db.session.commit()

            with app.test_request_context():
                certificates.issue(learners[0], region.code, year)  # warm-up: loads the font
                issue_ms = []
                profile = cProfile.Profile() if "--profile" in sys.argv else None
                if profile:
                    profile.enable()
                for user in learners[1:]:
                    start = time.perf_counter()
                    certificate = certificates.issue(user, region.code, year)
                    issue_ms.append((time.perf_counter() - start) * 1000)
                if profile:
                    profile.disable()
                    pstats.Stats(profile).sort_stats("cumtime").print_stats(25)
                fields = certificate.fields
                render_ms = []
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    hashlib.sha256(certificates.render_pdf(fields)).hexdigest()
                    render_ms.append((time.perf_counter() - start) * 1000)
                size = len(certificates.render_pdf(fields))

    for label, samples in (("render", render_ms), ("issue", issue_ms)):
        print(
            f"{label:>6}: median {statistics.median(samples):6.1f} ms, "
            f"p95 {sorted(samples)[int(len(samples) * 0.95) - 1]:6.1f} ms, max {max(samples):6.1f} ms "
            f"({len(samples)} runs)"
        )
    print(f"PDF size: {size / 1024:.0f} KiB; budget {BUDGET_MS:.0f} ms per certificate")
    return 0 if statistics.median(issue_ms) < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
