"""The users.locale migration: existing accounts keep their rows and follow their browser (NULL), and it
goes down and up again without losing them (SQLite rebuilds the table in batch mode; PostgreSQL alters it)."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from tests.conftest import make_config
from tracker import create_app
from tracker.extensions import db

BEFORE, REVISION = "608908df578f", "35e7ae3f7da2"


def _columns() -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns("users")}


def test_the_locale_column_comes_and_goes_keeping_the_accounts(database_factory, tmp_path):
    app = create_app(make_config(database_factory(), tmp_path))
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO units (code, name, timezone, created_at) "
                                       "VALUES ('CG', 'Chengguan station', 'Asia/Shanghai', CURRENT_TIMESTAMP)"))
            connection.execute(sa.text(
                "INSERT INTO users (username, full_name, password_hash, role, unit_id, legal_reviewer, active, "
                "created_at) VALUES ('zhang.wei', 'Zhang Wei', 'x', 'officer', 1, false, true, CURRENT_TIMESTAMP)"))
        assert "locale" not in _columns()

        flask_migrate.upgrade(revision=REVISION)
        assert "locale" in _columns()
        with db.engine.begin() as connection:
            assert connection.execute(sa.text("SELECT username, locale FROM users")).all() == [("zhang.wei", None)]
            connection.execute(sa.text("UPDATE users SET locale = 'zh_CN'"))

        flask_migrate.downgrade(revision=BEFORE)
        assert "locale" not in _columns()
        with db.engine.begin() as connection:
            assert connection.execute(sa.text("SELECT username FROM users")).scalars().all() == ["zhang.wei"]
        flask_migrate.upgrade(revision=REVISION)
        assert "locale" in _columns()
        db.engine.dispose()
