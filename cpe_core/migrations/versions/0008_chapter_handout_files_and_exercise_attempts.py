"""uploaded chapter handout files; exercise attempts per chapter progress

Revision ID: 0008
Revises: 0004, 0005, 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = ("0004", "0005", "0007")
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("chapter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handout_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("handout_filename", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("handout_content_type", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("handout_size", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_chapter_handout_key"), ["handout_key"])
    with op.batch_alter_table("chapter_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exercise_attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("chapter_progress", schema=None) as batch_op:
        batch_op.drop_column("exercise_attempts")
    with op.batch_alter_table("chapter", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_chapter_handout_key"), type_="unique")
        batch_op.drop_column("handout_size")
        batch_op.drop_column("handout_content_type")
        batch_op.drop_column("handout_filename")
        batch_op.drop_column("handout_key")
