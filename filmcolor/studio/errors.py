"""What the studio refuses: each refusal carries the HTTP status the page gets (`app`
translates), its message the text the page shows."""

from __future__ import annotations


class StudioError(Exception):
    """A request the studio refuses: `status` is the HTTP status the page gets, the message its text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Conflict(StudioError):
    """The keyframe changed since the revision the page had (another tab saved it)."""

    def __init__(self, revision: int) -> None:
        super().__init__(409, f"this keyframe was changed elsewhere (now at revision {revision})")
        self.revision = revision
