"""ratings (评价): a learner's stars and comment on a course or institution, per year

Revision ID: 0017
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["hidden_by_id"], ["user.id"], name=op.f("fk_rating_hidden_by_id_user")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_rating_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("user_id", "target", "target_id", "year",
                            name=op.f("uq_rating_user_id_target_target_id_year")),
    )
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_region"), ["region"], unique=False)
        batch_op.create_index("ix_rating_target", ["target", "target_id"], unique=False)


def downgrade():
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index("ix_rating_target")
        batch_op.drop_index(batch_op.f("ix_rating_region"))
    op.drop_table("rating")
