"""The studio's small caches: what the page asked for last (gray frames, fills, previews) is
kept, a few of each, so its next request for the same is answered at once."""

from __future__ import annotations

from collections import OrderedDict


class Cache(OrderedDict):
    """The last `size` items put in, most recently used last."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_recent(self, key):
        if key in self:
            self.move_to_end(key)
            return self[key]
        return None

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
