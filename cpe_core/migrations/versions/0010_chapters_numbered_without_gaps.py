"""chapters numbered 1, 2, 3... in each course, closing gaps left by earlier imports

Revision ID: 0010
Revises: 0008, 0009

A chapter is unlocked by the one numbered just before it. Before adding and importing refused
numbering gaps, a course could be stored as chapters 1, 3, 7: chapter 3 then had no previous
chapter and opened at once. Each course's chapters are renumbered in their order, so the chain
holds. Learners keep their progress (it belongs to the chapter, not its number); a chapter that
was open only because of a gap now waits for the exercise before it, as the rule says.
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = ("0008", "0009")
branch_labels = None
depends_on = None

_chapter = sa.table("chapter", sa.column("id", sa.Integer), sa.column("course_id", sa.Integer),
                    sa.column("position", sa.Integer))


def renumber_chapters(connection) -> int:
    """Number each course's chapters 1, 2, 3... in their present order; how many moved.

    In ascending order every chapter moves down into a number no other chapter holds any more,
    so the (course, position) uniqueness holds after each statement."""
    rows = connection.execute(
        sa.select(_chapter.c.id, _chapter.c.course_id, _chapter.c.position)
        .order_by(_chapter.c.course_id, _chapter.c.position)
    ).all()
    numbered: dict[int, int] = {}
    moved = 0
    for chapter_id, course_id, position in rows:
        number = numbered[course_id] = numbered.get(course_id, 0) + 1
        if position != number:
            connection.execute(sa.update(_chapter).where(_chapter.c.id == chapter_id).values(position=number))
            moved += 1
    return moved


def upgrade():
    renumber_chapters(op.get_bind())


def downgrade():
    pass  # the old numbers are not kept: nothing depended on the gaps
