"""staff pages at a province's scale: indexes for exact search (phone), part-of-name search
(pg_trgm GIN on PostgreSQL), the review queues, card batches, waiting counts and failed pushes;
the progress snapshot a background job keeps

Revision ID: 0022
Revises: 0023

On PostgreSQL this creates the ``pg_trgm`` extension (trusted since PostgreSQL 13: the
database's owner may create it). Building the indexes on a million learners takes about a
minute and blocks writes to those tables meanwhile: run it in a maintenance window.
"""
from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_user_phone", "user", ["phone"])
    # GIN with trigram operators on PostgreSQL; elsewhere the options are ignored (a plain index).
    op.create_index("ix_user_name_trgm", "user", ["name"], postgresql_using="gin",
                    postgresql_ops={"name": "gin_trgm_ops"})
    # Names of 4 characters or more, where a part of 2 characters may sit in the middle.
    op.create_index("ix_user_long_name_trgm", "user", ["name"], postgresql_using="gin",
                    postgresql_ops={"name": "gin_trgm_ops"}, postgresql_where=sa.text("length(name) >= 4"))
    op.create_index("ix_learner_profile_collection_status", "learner_profile", ["collection_status", "user_id"])
    op.create_index("ix_offset_application_queue", "offset_application", ["region", "status", "submitted_at", "id"])
    op.create_index("ix_offset_application_submitted", "offset_application", ["region", "submitted_at", "id"])
    op.create_index("ix_refund_kind_status", "refund", ["kind", "status"])
    op.create_index("ix_invoice_status", "invoice", ["status"])
    op.create_index("ix_study_card_batches", "study_card", ["region", "batch", "year", "status"])
    op.create_index("ix_credit_push_failures", "credit_push", ["region", "status", "updated_at", "id"])
    op.create_table(
        "progress_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Integer(), nullable=False),
        sa.Column("in_progress", sa.Integer(), nullable=False),
        sa.Column("not_started", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_snapshot")),
        sa.UniqueConstraint("region", "year", name=op.f("uq_progress_snapshot_region_year")),
    )


def downgrade():
    op.drop_table("progress_snapshot")
    for name, table in (("ix_credit_push_failures", "credit_push"), ("ix_study_card_batches", "study_card"), ("ix_invoice_status", "invoice"),
                        ("ix_refund_kind_status", "refund"),
                        ("ix_offset_application_submitted", "offset_application"),
                        ("ix_offset_application_queue", "offset_application"),
                        ("ix_learner_profile_collection_status", "learner_profile"),
                        ("ix_user_long_name_trgm", "user"), ("ix_user_name_trgm", "user"), ("ix_user_phone", "user")):
        op.drop_index(name, table_name=table)
