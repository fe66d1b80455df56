"""Links that keep the query string: the one way a page passes the client's query arguments to ``url_for``.

A list page's pager, its download links and the register's feed link carry the filters the reader chose. The
query string is whatever the client sent, so before its arguments reach ``url_for(endpoint, **args)`` three
kinds of names are dropped:

- url_for's own keywords (``_external``, ``_anchor``, ``_method``, ``_scheme``: any name with a leading
  underscore, the prefix Flask reserves for them) and its first parameter, ``endpoint``. Passed on, they would
  be read as instructions (``?_external=1&_scheme=javascript`` would make every link of the page absolute, with
  the client's scheme) or crash the call (``endpoint``: "got multiple values", a 500);
- the target route's own arguments (``premises_id`` on /premises/<premises_id>, ``dataset`` and ``fmt`` on a
  download): they belong to the path, and a query value would re-point the link to another record or fail the
  route's converter;
- what the caller names (the pager's ``page``, which it sets itself).

They are dropped rather than carried through as ordinary query values: no page reads an argument of these
names, so nothing the reader chose is lost, and carrying them would take a second URL builder beside url_for.
Every other argument is kept as it came, repeated values included.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import current_app, request

# url_for(endpoint, *, _anchor, _method, _scheme, _external, **values): its parameters that are not values.
URL_FOR_PARAMETERS = frozenset({"endpoint"})
RESERVED_PREFIX = "_"


def route_arguments(endpoint: str) -> frozenset[str]:
    """The path arguments of every rule of ``endpoint`` (none for an unknown endpoint)."""
    try:
        rules = list(current_app.url_map.iter_rules(endpoint))
    except KeyError:
        return frozenset()
    return frozenset(name for rule in rules for name in rule.arguments)


def link_args(args: Mapping, endpoint: str, drop: Iterable[str] = ()) -> dict:
    """The query arguments ``args`` (a MultiDict such as ``request.args``, or a plain mapping) that a link to
    ``endpoint`` may carry as ``url_for(endpoint, **link_args(...))``: see the module's docstring."""
    refused = URL_FOR_PARAMETERS | route_arguments(endpoint) | set(drop)
    pairs = args.lists() if hasattr(args, "lists") else ((key, [value]) for key, value in args.items())
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in pairs
        if values and key not in refused and not key.startswith(RESERVED_PREFIX)
    }


def query_args(endpoint: str, *drop: str) -> dict:
    """Template helper: the current request's query arguments for a link to ``endpoint``, without ``drop``."""
    return link_args(request.args, endpoint, drop)


def pager_args() -> dict:
    """Template helper: the arguments of the pager's links (the current route's path arguments and query
    arguments; the pager adds ``page``), for ``render_pagination(page, endpoint=request.endpoint, args=...)``."""
    return {**(request.view_args or {}), **link_args(request.args, request.endpoint, drop=("page",))}


TEMPLATE_GLOBALS = {"query_args": query_args, "pager_args": pager_args}
