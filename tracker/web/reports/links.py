"""Links from a figure to the list it counts, and figures as chart rows."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from tracker.domain.figures import Bar, scale_bars


def list_url(endpoint: str, **args) -> str:
    """The URL of a filtered list page (shared list-filter contract), empty arguments left out."""
    return url_for(endpoint, **{key: value for key, value in args.items() if value not in (None, "")})


@dataclass(frozen=True)
class ChartRow:
    """One row of a chart and of its data table: the bar, and the link to the list behind it."""

    bar: Bar
    url: str | None

    @property
    def label(self) -> str:
        return self.bar.label

    @property
    def value(self):
        return self.bar.value


def chart(rows: list[tuple[str, object, str | None]]) -> list[ChartRow]:
    """Chart rows from (label, value, url) triples, bars scaled to the largest value."""
    bars = scale_bars([(label, value) for label, value, _ in rows])
    return [ChartRow(bar, url) for bar, (_, _, url) in zip(bars, rows)]
