"""credit reviews (审核、合并): a learner-year's credits confirmed by staff before the exam opens;
courses' subject categories (课程分类); records kept before this platform (往年继续教育); daily
sign-ins (我的签到)

Revision ID: 0021
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa

revision = "0021"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credit_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("merged_by", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merged_by"], ["user.id"], name=op.f("fk_credit_review_merged_by_user")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_credit_review_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_review")),
        sa.UniqueConstraint("user_id", "year", name=op.f("uq_credit_review_user_id_year")),
    )
    with op.batch_alter_table("credit_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_review_region"), ["region"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_review_user_id"), ["user_id"], unique=False)
    op.create_table(
        "past_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("cpe_type", sa.String(length=32), nullable=False),
        sa.Column("content", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("study_mode", sa.String(length=32), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_past_record")),
        sa.UniqueConstraint("region", "id_number", "year", "cpe_type", "content",
                            name=op.f("uq_past_record_region_id_number_year_cpe_type_content")),
    )
    with op.batch_alter_table("past_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_past_record_id_number"), ["id_number"], unique=False)
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_check_in_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_check_in_user_id_day")),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_in_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=32), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_in_user_id"))
    op.drop_table("check_in")
    with op.batch_alter_table("past_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_past_record_id_number"))
    op.drop_table("past_record")
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_column("category")
    with op.batch_alter_table("credit_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_review_user_id"))
        batch_op.drop_index(batch_op.f("ix_credit_review_region"))
    op.drop_table("credit_review")
