"""The schema comes from Alembic migrations, and the migrations match the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cpe_core.extensions import db


def test_migrations_create_exactly_the_models_schema(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_migrated_database_is_at_every_head_revision(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    from cpe_core import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        assert set(MigrationContext.configure(connection).get_current_heads()) == heads


def test_no_production_path_calls_create_all():
    from pathlib import Path

    import cpe_core

    root = Path(cpe_core.__file__).parent
    offenders = [p for p in root.rglob("*.py") if "create_all(" in p.read_text(encoding="utf-8")]
    assert offenders == []
