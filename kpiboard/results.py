"""Query results kept between clicks, bounded in bytes (KPIBOARD_CACHE_MB) rather than in entries: at national
scale one result can be hundreds of MB, and 256 of them would exhaust the server. Least recently used go first;
a result larger than a quarter of the bound is returned but not kept. Keyed on the data version, so an import is
never served stale; shared by every session of the process (the rows are the same for everyone)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

import polars as pl

from .settings import server_setting


class ResultCache:
    def __init__(self, limit_bytes: int | Callable[[], int]):
        self._limit = limit_bytes
        self._items: OrderedDict[tuple, tuple[pl.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def limit(self) -> int:
        return int(self._limit() if callable(self._limit) else self._limit)

    @property
    def size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key][0]
            self.misses += 1
        frame = compute()  # outside the lock: other sessions' clicks are not held up by a slow query
        size = int(frame.estimated_size())
        limit = self.limit
        if size > limit // 4:
            return frame
        with self._lock:
            if key not in self._items:
                self._items[key] = (frame, size)
                self._bytes += size
            while self._bytes > limit and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
        return frame

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


RESULTS = ResultCache(lambda: int(server_setting("KPIBOARD_CACHE_MB")) * 1024 * 1024)
