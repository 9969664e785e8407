"""The library's repository, made safe for the threads of one process sharing its aggregate cache.

eventsourcing 9.5.6 brings a cached aggregate up to date *in place* (under a lock of its
own) but copies it for the caller *outside* that lock: one thread copying a family while
another folds newer facts into it fails with "dictionary changed size during iteration"
(seen as a 500 under a threaded web worker). Here a lock per stripe of ids covers both the
fast-forward and the copy; different families still load in parallel.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from eventsourcing.application import Repository

#: how many locks the ids share (two families on one stripe merely wait for each other)
STRIPES = 64


class SharedCacheRepository(Repository[UUID]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stripes = [threading.Lock() for _ in range(STRIPES)]

    def get(self, aggregate_id: UUID, *, version: int | None = None, **options: Any) -> Any:
        if self.cache is None or version is not None:  # not from the cache: nothing shared
            return super().get(aggregate_id, version=version, **options)
        with self._stripes[hash(aggregate_id) % STRIPES]:
            return super().get(aggregate_id, version=version, **options)
