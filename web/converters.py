"""URL converters: an ``<int:…>`` in any route only matches a number a row id can be."""
from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from engine.cases.queries import MAX_ID


class RowIdConverter(IntegerConverter):
    """``int`` bounded by the id columns' range, so ``/inbox/tasks/99999999999`` is 404 like any unknown id
    (unbounded, it reached the database and overflowed PostgreSQL's ``integer``: a 500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Any) -> None:
    """Must run before any blueprint adds its routes: a rule binds its converters when it is added."""
    app.url_map.converters["int"] = RowIdConverter
