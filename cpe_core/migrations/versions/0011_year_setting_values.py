"""year settings (年度设置): the values a region's admin changed for a programme year

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "year_setting_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=False), nullable=True),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["changed_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region", "year", "key", name="uq_year_setting_value"),
    )
    with op.batch_alter_table("year_setting_value", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_year_setting_value_region"), ["region"], unique=False)


def downgrade():
    with op.batch_alter_table("year_setting_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_setting_value_region"))
    op.drop_table("year_setting_value")
