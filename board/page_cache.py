"""Rendered parts of pages, kept in each process until the data they show changes.

The board page's list of needs, and a need's page with its offers, are the same for every
user of a firm (and for every staff member) in the same language. Rendering them costs far
more than the rest of the request, so each process keeps what it rendered, keyed by what it
depends on. A shared part never holds anything of one user's own: its forms carry a
placeholder for the CSRF token, which each request fills with its own (`board.forms`).

What it depends on in the database is summed up by one number, `board_state.generation`,
which triggers bump on every write to the tables the board shows (see the migration
52d3d0a82929). The number is read before the data, in the statement that loads the signed-in
user (the first of the request): a list rendered under a generation never shows data older
than that generation, so a key is never filled with stale rows. What it depends on in time
(days left until a deadline) is bounded by the minute in the key.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any, TypeVar, cast

from cachetools import LRUCache
from flask import Flask, current_app, g
from markupsafe import Markup
from sqlalchemy import Row, Select, literal_column, select, text

from board.extensions import db

GENERATION = text("SELECT generation FROM board_state WHERE id = 1")
GENERATION_READ = "board_generation"
# Set in `g` while a part every user of a firm shares is rendered.
SHARED_RENDER = "board_shared_render"
# How long a rendered part may show the same "days left": a minute at most.
TIME_BUCKET = 60

T = TypeVar("T")


class PageCache:
    """A bounded, thread-safe map from (generation, key) to rendered parts of pages."""

    def __init__(self, size: int) -> None:
        self.entries: LRUCache[Hashable, Any] | None = LRUCache(maxsize=size) if size else None
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def generation(self) -> int | None:
        """The data's generation as this request first read it (None: caching is off)."""
        if self.entries is None:
            return None
        if GENERATION_READ not in g:
            setattr(g, GENERATION_READ, db.session.scalar(GENERATION))
        return int(g.get(GENERATION_READ))

    def fetch(
        self, generation: int | None, key: tuple[Hashable, ...], render: Callable[[], str]
    ) -> Markup:
        """What `render` gives for `key`, from the cache when this generation rendered it."""
        return self.fetch_parts(generation, key, lambda: rendered_html(render))

    def fetch_parts(
        self, generation: int | None, key: tuple[Hashable, ...], render: Callable[[], T]
    ) -> T:
        """`fetch` for a render that gives several parts of a page (a title and a body).

        `render` runs as a shared render: it reads what it shows from the database, and an
        exception (a 404) leaves nothing in the cache.
        """
        if generation is None or self.entries is None:
            return shared_render(render)
        full_key = (generation, int(time.time() // TIME_BUCKET), *key)
        with self.lock:
            found = self.entries.get(full_key)
        if found is not None:
            self.hits += 1
            return cast(T, found)
        self.misses += 1
        rendered = shared_render(render)
        with self.lock:
            self.entries[full_key] = rendered
        return rendered


def shared_render(render: Callable[[], T]) -> T:
    """Run `render` as the render of a part that several users share (see `SHARED_RENDER`)."""
    setattr(g, SHARED_RENDER, True)
    try:
        return render()
    finally:
        g.pop(SHARED_RENDER, None)


def with_generation(statement: Select[Any]) -> Select[Any]:
    """`statement` with the generation as one more column, when the cache is on.

    The signed-in user is loaded first in every request; reading the generation in the same
    statement saves a round trip and still reads it before any of the page's data.
    """
    return _with_generation(statement) if page_cache().entries is not None else statement


@lru_cache(maxsize=16)
def _with_generation(statement: Select[Any]) -> Select[Any]:
    # Built once per statement: the statements passed in are built once too, at import, and
    # take their values as bound parameters.
    column = select(literal_column("generation")).select_from(text("board_state"))
    return statement.add_columns(column.scalar_subquery())


def take_generation(row: Row[Any] | None) -> Any:
    """The first entity of a row made by `with_generation`, remembering the generation."""
    if row is None:
        return None
    if len(row) > 1:
        setattr(g, GENERATION_READ, row[1])
    return row[0]


def rendered_html(render: Callable[[], str]) -> Markup:
    """What one of our templates rendered: escaped by Jinja already, so safe to insert as is."""
    return Markup(render())  # nosec B704


def arguments_key(pairs: list[tuple[str, str]]) -> str:
    """A short, fixed-size key for a request's query arguments, whatever their order. JSON
    writes each list of pairs its own way (escaped, so in ASCII): no separator to collide."""
    written = json.dumps(sorted(pairs)).encode("ascii")
    return hashlib.blake2b(written, digest_size=16).hexdigest()


def page_cache() -> PageCache:
    return current_app.extensions["board.page_cache"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    app.extensions["board.page_cache"] = PageCache(app.config["PAGE_CACHE_SIZE"])


def include_object(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    """Leave the generation counter, made by a migration and not a model, out of comparisons."""
    return not (type_ == "table" and name == "board_state")
