"""The columns the credit export reads, as light SQLAlchemy Core tables.

The export's query (:mod:`cpe_core.services.exports`) is built on these rather than on the
models, so ``cpe export --format csv`` builds it without importing Flask, Flask-SQLAlchemy, the
ORM or the 26 models (most of its start-up time). They name the models' own tables and columns
with the same types; ``tests/test_export_tables.py`` checks that against the models, so a renamed
or retyped column fails a test instead of the export.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, column, table

users = table(
    "user",
    column("id", Integer),
    column("name", String(64)),
    column("region", String(32)),
    column("role", String(16)),
)
profiles = table(
    "learner_profile",
    column("id", Integer),
    column("user_id", Integer),
    column("id_number", String(18)),
    column("member_number", String(32)),
    column("member_type", String(32)),
    column("department", String(64)),
)
ledger = table(
    "credit_record",
    column("user_id", Integer),
    column("kind", String(16)),
    column("credits", Integer),
    column("region", String(32)),
    column("year", Integer),
)
attempts = table(
    "exam_attempt",
    column("user_id", Integer),
    column("score", Integer),
    column("region", String(32)),
    column("year", Integer),
)
watched = table(
    "chapter_progress",
    column("user_id", Integer),
    column("chapter_id", Integer),
    column("watched_seconds", Integer),
)
chapters = table("chapter", column("id", Integer), column("course_id", Integer))
courses = table("course", column("id", Integer), column("region", String(32)), column("year", Integer))

#: Each light table by the model class whose table it mirrors (for the test).
MIRRORS = {
    "User": users,
    "LearnerProfile": profiles,
    "CreditRecord": ledger,
    "ExamAttempt": attempts,
    "ChapterProgress": watched,
    "Chapter": chapters,
    "Course": courses,
}
enrolments = table(
    "enrolment",
    column("id", Integer),
    column("user_id", Integer),
    column("year", Integer),
    column("institution_id", Integer),
    column("level", String(32)),
    column("status", String(16)),
)
institutions = table(
    "institution",
    column("id", Integer),
    column("name", String(128)),
)
