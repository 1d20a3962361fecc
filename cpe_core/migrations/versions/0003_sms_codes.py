"""sms codes for password reset

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sms_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_sms_code_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_code")),
    )
    with op.batch_alter_table("sms_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_code_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_code_region"), ["region"], unique=False)


def downgrade():
    with op.batch_alter_table("sms_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_code_region"))
        batch_op.drop_index(batch_op.f("ix_sms_code_phone"))
    op.drop_table("sms_code")
