"""hand-overs to an institution of the same deployment, credit registrations pushed back, 主管部门

Revision ID: 0018
Revises: 0015, 0017
"""
from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = ("0015", "0017")
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("learner_profile") as batch:
        batch.add_column(sa.Column("department", sa.String(length=64), nullable=True))
    with op.batch_alter_table("institution") as batch:
        batch.add_column(sa.Column("push_token_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_institution_push_token_hash", ["push_token_hash"])
    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("source_user_id", sa.Integer(), nullable=False),
        sa.Column("target_region", sa.String(length=32), nullable=False),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"]),
        sa.ForeignKeyConstraint(["source_user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["target_user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    op.create_index("ix_handover_enrolment_id", "handover", ["enrolment_id"])
    op.create_index("ix_handover_target_user_id", "handover", ["target_user_id"])
    op.create_table(
        "credit_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("credits", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_credit_registration_region", "credit_registration", ["region"])
    op.create_index("ix_credit_registration_enrolment_id", "credit_registration", ["enrolment_id"])


def downgrade():
    op.drop_table("credit_registration")
    op.drop_table("handover")
    with op.batch_alter_table("institution") as batch:
        batch.drop_constraint("uq_institution_push_token_hash", type_="unique")
        batch.drop_column("push_token_hash")
    with op.batch_alter_table("learner_profile") as batch:
        batch.drop_column("department")
