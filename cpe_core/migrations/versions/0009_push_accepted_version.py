"""credit pushes remember the version and digest the receiver last accepted

Revision ID: 0009
Revises: 0004, 0005, 0007 (a branch of its own next to 0008)
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = ("0004", "0005", "0007")
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credit_push", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accepted_hash", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("credit_push", schema=None) as batch_op:
        batch_op.drop_column("accepted_hash")
        batch_op.drop_column("accepted_version")
