"""Migrations build the whole schema, match the models, and go down to nothing and back."""
import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_config
from tracker import create_app
from tracker.extensions import db


def test_upgrade_downgrade_upgrade_on_an_empty_database(database_factory, tmp_path):
    app = create_app(make_config(database_factory(), tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"units", "users", "premises", "inspections", "price_observations", "violations"} <= tables
        with db.engine.connect() as connection:
            # The pg_trgm search indexes are expression indexes the models cannot declare (migrations/env.py).
            context = MigrationContext.configure(
                connection, opts={"include_name": lambda name, kind, _: not (kind == "index" and name.endswith(("_trgm", "_prefix")))}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        flask_migrate.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "inspections" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
