"""One page of a list: the items and where the page starts."""

from typing import Generic, TypeVar

from pydantic import BaseModel

ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class Page(BaseModel, Generic[ItemT]):
    """Items in a stable order (by id); ask for the next page with `offset + limit`."""

    items: list[ItemT]
    offset: int
    limit: int


class KeysetPage(Page[ItemT], Generic[ItemT]):
    """A page that also says where the next one starts: pass `next_cursor` as `cursor` (it is
    None after the last page). Unlike a growing offset, a cursor costs the same on every
    page and skips or repeats nothing when rows are added or removed meanwhile."""

    next_cursor: str | None
