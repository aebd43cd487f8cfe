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
