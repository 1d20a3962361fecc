"""institution details: the site 进入网校 leads to, introduction, contact and fees (查看)

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = (
    ("url", sa.String(length=500)),
    ("introduction", sa.Text()),
    ("contact", sa.String(length=200)),
    ("fees", sa.String(length=500)),
)


def upgrade():
    with op.batch_alter_table("institution") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("institution") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
