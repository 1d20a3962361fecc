"""each account's one live session, and each learner's study clock

Revision ID: 0013
Revises: 0010

``user.session_token`` is the account's live session, carried by its session cookie and API
tokens: a new sign-in replaces it, signing out, a password change or reset and staff disabling
the account clear it. Accounts start with none, so sessions signed before this revision end
once (everyone signs in again). ``user.study_counted_until`` is the instant up to which the
learner's heartbeats, of any chapter, have counted study time: two chapters played at once
cannot both count the same second.
"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("study_counted_until", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("study_counted_until")
        batch_op.drop_column("session_token")
