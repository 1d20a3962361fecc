"""Staff lists a page at a time, by keyset: each page asks for the rows after the last one
shown (``WHERE key < :last ORDER BY key DESC LIMIT n + 1``), which an index answers at the same
cost on page 1 and page 20,000 — no ``OFFSET`` reading every row before the page, no
``COUNT(*)`` over a province. The extra row says whether there is a next page."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Rows on one page of a staff list.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    #: The key of the last row shown, to ask for the next page with; None on the last page.
    next_key: Any = None


def cut(rows: Sequence[T], limit: int, key: Callable[[T], Any]) -> Page[T]:
    """``rows`` fetched with ``LIMIT limit + 1`` as a page of at most ``limit``."""
    items = list(rows[:limit])
    return Page(items, key(items[-1]) if len(rows) > limit else None)
