"""invoice delivery by e-mail and/or SMS (a time-limited link to the PDF)

Revision ID: 0020
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("delivery", sa.String(length=8), nullable=False, server_default="email"))
        batch.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("emailed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("texted_at", sa.DateTime(), nullable=True))
    # Invoices already sent went by e-mail, when they were issued.
    op.execute("UPDATE invoice SET emailed_at = issued_at WHERE status = 'sent'")


def downgrade():
    with op.batch_alter_table("invoice") as batch:
        for name in ("texted_at", "emailed_at", "phone", "delivery"):
            batch.drop_column(name)
