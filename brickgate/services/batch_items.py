"""What local batch runs share: reading items, and the concurrency check."""

from __future__ import annotations

from collections.abc import Mapping

from brickgate.domain.batch import BatchItem, BatchResult, ItemId, shown_id, to_batch_item
from brickgate.domain.errors import InvalidRequestError

DEFAULT_CONCURRENCY = 8


class Intake:
    """Turns caller items into ``BatchItem``s, or into error results for bad or repeated ones."""

    def __init__(self) -> None:
        self._seen: set[tuple[type, ItemId]] = set()
        self._position = 0

    def take(self, value: object) -> BatchItem | BatchResult:
        """``value`` as an item, or an error result for it."""
        self._position += 1
        try:
            item = to_batch_item(value)
        except InvalidRequestError as error:
            return BatchResult(_fallback_id(value, self._position), None, error, 0.0, 0)
        key = (type(item.id), item.id)
        if key in self._seen:
            duplicate = InvalidRequestError(
                f"batch item id {shown_id(item.id)} appears more than once; ids must be unique"
            )
            return BatchResult(item.id, None, duplicate, 0.0, 0)
        self._seen.add(key)
        return item


def _fallback_id(value: object, position: int) -> ItemId:
    candidate: object = None
    if isinstance(value, Mapping):
        candidate = value.get("id")
    elif isinstance(value, tuple) and value:
        candidate = value[0]
    if isinstance(candidate, (str, int)) and not isinstance(candidate, bool):
        return candidate
    return f"#{position}"


def check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency must be a whole number >= 1, not {concurrency!r}")
