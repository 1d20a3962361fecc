"""Migration 0010 closes numbering gaps that earlier imports could leave in a course's chapters,
so each chapter is again unlocked by the one just before it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import select

import cpe_core
from cpe_core.extensions import db
from cpe_core.models import Chapter, ChapterProgress, Course
from study_support import YEAR, learner


def migration():
    path = Path(cpe_core.__file__).parent / "migrations" / "versions" / "0010_chapters_numbered_without_gaps.py"
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stored_course(code: str, positions: list[int]) -> Course:
    c = Course(region="chaoyang", year=YEAR, code=code, title=code, kind="professional", credits=2)
    c.chapters = [Chapter(position=p, title=f"原第{p}章", duration_seconds=60) for p in positions]
    db.session.add(c)
    db.session.commit()
    return c


def numbering(c: Course) -> list[tuple[str, int]]:
    return db.session.execute(
        select(Chapter.title, Chapter.position).where(Chapter.course_id == c.id).order_by(Chapter.position)
    ).all()


def test_each_courses_chapters_are_renumbered_in_order_and_keep_their_progress(app, make_learner):
    gapped = stored_course("GAP-1", [1, 3, 7])
    late_start = stored_course("GAP-2", [2, 5])
    fine = stored_course("OK-1", [1, 2])
    user = learner(make_learner, "chaoyang")
    seventh = gapped.chapters[2]
    db.session.add(ChapterProgress(user_id=user.id, chapter_id=seventh.id, watched_seconds=42))
    db.session.commit()

    moved = migration().renumber_chapters(db.session.connection())
    db.session.commit()
    db.session.expire_all()

    assert moved == 4
    assert numbering(gapped) == [("原第1章", 1), ("原第3章", 2), ("原第7章", 3)]
    assert numbering(late_start) == [("原第2章", 1), ("原第5章", 2)]
    assert numbering(fine) == [("原第1章", 1), ("原第2章", 2)]
    progress = db.session.scalar(select(ChapterProgress).where(ChapterProgress.user_id == user.id))
    assert (progress.chapter_id, progress.watched_seconds) == (seventh.id, 42)
    assert migration().renumber_chapters(db.session.connection()) == 0  # nothing left to move
