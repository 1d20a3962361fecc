"""orders tied to an enrolment (enrol-then-pay); refunds of duplicate payments

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrolment_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_order_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_order_enrolment_id_enrolment"), "enrolment", ["enrolment_id"], ["id"]
        )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="request", nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_refund_payment_id"), ["payment_id"])
        batch_op.create_foreign_key(batch_op.f("fk_refund_payment_id_payment"), "payment", ["payment_id"], ["id"])


def downgrade():
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_refund_payment_id_payment"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_refund_payment_id"), type_="unique")
        batch_op.drop_column("kind")
        batch_op.drop_column("payment_id")
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_enrolment_id_enrolment"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_order_enrolment_id"))
        batch_op.drop_column("enrolment_id")
