"""captcha challenges for API clients

Revision ID: 0007
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "captcha_challenge",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("answer_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captcha_challenge")),
    )
    with op.batch_alter_table("captcha_challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_captcha_challenge_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("captcha_challenge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_captcha_challenge_expires_at"))
    op.drop_table("captcha_challenge")
