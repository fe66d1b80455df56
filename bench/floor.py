"""The floor: a bare Flask app that runs exactly the SQL a tracker page ran and renders the rows it got back
with a minimal Jinja template. No ORM, no forms, no sign-in, no extensions: what a hand-written page costs.

``run.py`` captures each page's SELECT statements (text and parameters, as the driver received them) with an
engine listener and hands them to :func:`create_floor_app`. Under gunicorn the app is built by
:func:`from_environment` (``BENCH_DATABASE_URL`` and ``BENCH_FLOOR_FILE``, a pickle of the captured pages)::

    gunicorn -w 2 -b 127.0.0.1:8001 'bench.floor:from_environment()'

``/bare`` answers a constant: the throughput floor of Flask plus gunicorn on this machine.
"""
from __future__ import annotations

import os
import pickle

import sqlalchemy as sa
from flask import Flask, abort, render_template
from jinja2 import DictLoader

ROWS_TEMPLATE = """<!doctype html>
<title>{{ key }}</title>
{% for rows in results %}<table>
{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% endfor %}"""

Captured = dict[str, list[tuple[str, object]]]


def is_read(statement: str) -> bool:
    """Whether a captured statement only reads (the floor never replays a write)."""
    return statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH")


def create_floor_app(database_url: str, pages: Captured) -> Flask:
    """The bare app: ``/replay/<key>`` runs the statements captured for ``key`` on one connection, in one
    transaction as the tracker's session does, and renders every row; ``/bare`` answers ``ok``."""
    app = Flask("floor")
    app.jinja_loader = DictLoader({"rows.html": ROWS_TEMPLATE})
    engine = sa.create_engine(database_url)
    app.extensions["floor.engine"] = engine

    @app.route("/bare")
    def bare():
        return "ok"

    @app.route("/replay/<key>")
    def replay(key: str):
        statements = pages.get(key)
        if statements is None:
            abort(404)
        results = []
        with engine.connect() as connection:
            for statement, parameters in statements:
                result = connection.exec_driver_sql(statement, parameters)
                if result.returns_rows:
                    results.append(result.all())
            connection.rollback()
        return render_template("rows.html", key=key, results=results)

    return app


def from_environment() -> Flask:
    """The floor app for gunicorn, from ``BENCH_DATABASE_URL`` and the pickled pages in ``BENCH_FLOOR_FILE``."""
    with open(os.environ["BENCH_FLOOR_FILE"], "rb") as file:
        pages = pickle.load(file)
    return create_floor_app(os.environ["BENCH_DATABASE_URL"], pages)
