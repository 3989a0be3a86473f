"""The media layer (PyAV only): what a film is, its frames as decoded, the damage found on the
way, and the coloured film written beside the input's other streams.

The reading side's public names are here, so a caller says `media.read(...)`; the writing side
is `media.writer`, the encoder's settings `media.encoding`, the display shape `media.display`.
The reading side (PyAV, NumPy) loads at the first name used, not with the package, so the
command line reads the encoder's settings without it (`filmcolor.configs`).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reader import (
        DAMAGED_CHOICES,
        SKIP_ADVICE,
        STREAM_HELP,
        Damage,
        Decoded,
        FilmInfo,
        LumaFrame,
        check_input,
        choose_stream,
        film_info,
        luma_plane,
        open_film,
        read,
        seconds_to_pts,
        video_stream,
        video_times,
    )

__all__ = [
    "DAMAGED_CHOICES",
    "SKIP_ADVICE",
    "STREAM_HELP",
    "Damage",
    "Decoded",
    "FilmInfo",
    "LumaFrame",
    "check_input",
    "choose_stream",
    "film_info",
    "luma_plane",
    "open_film",
    "read",
    "seconds_to_pts",
    "video_stream",
    "video_times",
]


def __getattr__(name: str):
    """The reading side's names, from `reader`, loaded on first use."""
    if name in __all__:
        from . import reader

        return getattr(reader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
