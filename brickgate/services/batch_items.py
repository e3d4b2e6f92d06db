"""What local batch runs share: reading items, and the concurrency check."""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Mapping

from brickgate.domain.batch import BatchItem, BatchResult, ItemId, shown_id, to_batch_item
from brickgate.domain.errors import InvalidRequestError
from brickgate.settings import DEFAULT_CONCURRENCY as DEFAULT_CONCURRENCY


class SeenIds:
    """The ids a batch has taken, kept as 128-bit digests in one flat table (16 bytes a slot).

    A set of the ids themselves costs about 100 bytes an item; this keeps a 100,000-item
    batch within a few MiB. Two distinct ids share a digest with probability about
    ``n**2 / 2**128``: never, for any batch that fits in memory.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._slots = array("Q", bytes(16 * capacity))
        self._mask = capacity - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, item_id: ItemId) -> bool:
        """Remember ``item_id``; False when it was already there."""
        raw = (
            b"i" + str(item_id).encode()
            if isinstance(item_id, int)
            else b"s" + item_id.encode("utf-8", "surrogatepass")
        )
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        high = int.from_bytes(digest[:8], "little") | 1
        low = int.from_bytes(digest[8:], "little")
        if not self._insert(high, low):
            return False
        self._count += 1
        if 2 * self._count > self._mask:
            self._grow()
        return True

    def _insert(self, high: int, low: int) -> bool:
        slots, mask = self._slots, self._mask
        index = (high >> 1) & mask
        while True:
            found = slots[2 * index]
            if found == 0:
                slots[2 * index] = high
                slots[2 * index + 1] = low
                return True
            if found == high and slots[2 * index + 1] == low:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * 2 * (self._mask + 1)))
        self._mask = 2 * self._mask + 1
        for position in range(0, len(old), 2):
            if old[position]:
                self._insert(old[position], old[position + 1])


class Intake:
    """Turns caller items into ``BatchItem``s, or into error results for bad or repeated ones."""

    def __init__(self) -> None:
        self._seen = SeenIds()
        self._position = 0

    def take(self, value: object) -> BatchItem | BatchResult:
        """``value`` as an item, or an error result for it."""
        self._position += 1
        try:
            item = to_batch_item(value)
        except InvalidRequestError as error:
            return BatchResult(_fallback_id(value, self._position), None, error, 0.0, 0)
        if not self._seen.add(item.id):
            duplicate = InvalidRequestError(
                f"batch item id {shown_id(item.id)} appears more than once; ids must be unique"
            )
            return BatchResult(item.id, None, duplicate, 0.0, 0)
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
