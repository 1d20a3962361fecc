"""Test helpers for the credit ledger, exports and pushes: a learner's year built through the
same service every source uses (``ledger.record_credit``), plus exam scores and study time."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, ExamAttempt
from cpe_core.services.ledger import record_credit
from cpe_core.testing import login

_source_ids = itertools.count(1)


# The export and reporting pages' tests share these: files under the test's tmp folder (autouse
# in any module that imports it), and a signed-in Chaoyang admin.
@pytest.fixture(autouse=True)
def export_dir(app, tmp_path):
    app.config["CPE_EXPORT_DIR"] = str(tmp_path / "exports")


@pytest.fixture
def admin(testapp, make_staff):
    staff = make_staff("chaoyang")
    login(testapp, "chaoyang", staff.login)
    return staff


def earn(
    user,
    year: int,
    *,
    professional: int = 0,
    public: int = 0,
    score: int | None = None,
    minutes: int = 0,
    course=None,
) -> None:
    """Give ``user`` ledger credits, a closed exam attempt with ``score`` and ``minutes`` of video
    watched in ``course`` (a chapter of ``year`` in the user's region), then commit."""
    for kind, amount in (("professional", professional), ("public", public)):
        if amount:
            record_credit(
                user_id=user.id, region=user.region, year=year, kind=kind, credits=amount,
                source="course", source_id=next(_source_ids),
            )
    if score is not None:
        db.session.add(
            ExamAttempt(
                user_id=user.id, region=user.region, year=year, question_ids=[], status="closed",
                deadline_at=dt.datetime(year, 6, 1), submitted_at=dt.datetime(year, 6, 1),
                score=score, passed=score >= 60,
            )
        )
    if minutes:
        db.session.add(
            ChapterProgress(user_id=user.id, chapter_id=course.chapters[0].id, watched_seconds=minutes * 60)
        )
    db.session.commit()
