"""What the bulk creates of every resource share: their size limit, and errors that name
the item at fault by its position in the list (`3.email`), as a 422 names `["body", 3, ...]`.
"""

from collections.abc import Collection, Iterable, Sequence, Sized

from app.core.errors import ConflictError, LimitExceededError


def check_size(items: Sized, limit: int) -> None:
    """Refuse a list longer than `limit` (BULK_MAX_ITEMS) before anything is read or stored."""
    if len(items) > limit:
        raise LimitExceededError(
            f"a bulk create takes at most {limit} items, not {len(items)}: split the list"
        )


def refuse_duplicates(field: str, values: Sequence[object], stored: Collection[object] = ()) -> None:
    """Refuse the first item whose unique `field` repeats an earlier item's value or one of
    `stored` (values already taken); empty values repeat nothing."""
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value is None:
            continue
        if value in seen or value in stored:
            raise ConflictError(
                f"item {index}: {field}: this value is already taken", field=f"{index}.{field}"
            )
        seen.add(value)


def present(values: Iterable[object]) -> list[object]:
    """The values that are set, for a query that looks them up."""
    return [value for value in values if value is not None]
