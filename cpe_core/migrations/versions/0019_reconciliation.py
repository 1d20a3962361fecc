"""reconciliation (对账): each provider's bill of a day compared with our payments and refunds

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reconciliation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("differences", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_run")),
        sa.UniqueConstraint("day", "provider", name=op.f("uq_reconciliation_run_day_provider")),
    )
    with op.batch_alter_table("reconciliation_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_run_day"), ["day"], unique=False)


def downgrade():
    with op.batch_alter_table("reconciliation_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_run_day"))
    op.drop_table("reconciliation_run")
