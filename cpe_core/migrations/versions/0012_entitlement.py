"""what an order line opens (the year, one kind); when a plan course opened for study

Revision ID: 0012
Revises: 0010

Until now nothing checked payment before study: any course in the plan could be watched and
its credits earned. Study now needs the course opened (``study_plan_item.opened_at``), which
:mod:`cpe_core.services.entitlement` sets from the paid order lines that cover the course
(``order_line.course_id``, ``opens_year``, ``opens_kind``) or the region's free study.

Existing rows keep what the old code granted, so an upgrade locks nobody out mid-study: a
line of an earlier order that named no course opened every course of its year (the order page
listed them all as 已开通), and every course already in a plan was open. From the next change
to a learner's orders or plan, the entitlement service recomputes their courses by the new rule
(``cpe orders refresh-entitlements`` does it for everyone at once).
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opens_year", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("opens_kind", sa.String(length=32), nullable=True))
    with op.batch_alter_table("study_plan_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(), nullable=True))
    line = sa.table("order_line", sa.column("course_id", sa.Integer), sa.column("opens_year", sa.Boolean))
    op.execute(sa.update(line).where(line.c.course_id.is_(None)).values(opens_year=True))
    item = sa.table("study_plan_item", sa.column("added_at", sa.DateTime), sa.column("opened_at", sa.DateTime))
    op.execute(sa.update(item).values(opened_at=item.c.added_at))


def downgrade():
    with op.batch_alter_table("study_plan_item", schema=None) as batch_op:
        batch_op.drop_column("opened_at")
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_column("opens_kind")
        batch_op.drop_column("opens_year")
