"""user.closed_at: when a learner closed the account (注销), so the retention job knows when the
personal data the closure kept (name, ID or member number) has been kept long enough

Revision ID: 0023
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = "0023"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_user_closed_at", ["closed_at"])


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_index("ix_user_closed_at")
        batch.drop_column("closed_at")
