"""per-phone daily SMS quota, one row per phone and day

Revision ID: 0014
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sms_quota",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone", "day", name=op.f("pk_sms_quota")),
    )


def downgrade():
    op.drop_table("sms_quota")
