"""invoice delivery by e-mail and/or SMS (a time-limited link to the PDF); WeChat mini-program
identities bound to learners' accounts

Revision ID: 0020
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0021"
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
    op.create_table(
        "wechat_binding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region", "app_id", "openid", name="uq_wechat_binding_identity"),
        sa.UniqueConstraint("user_id", "app_id", name="uq_wechat_binding_user"),
    )
    op.create_index("ix_wechat_binding_user_id", "wechat_binding", ["user_id"])


def downgrade():
    op.drop_index("ix_wechat_binding_user_id", table_name="wechat_binding")
    op.drop_table("wechat_binding")
    with op.batch_alter_table("invoice") as batch:
        for name in ("texted_at", "emailed_at", "phone", "delivery"):
            batch.drop_column(name)
