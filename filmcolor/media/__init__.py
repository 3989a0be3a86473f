"""The media layer (PyAV only): what a film is, its frames as decoded, the damage found on the
way, and the coloured film written beside the input's other streams.

The reading side's public names are here, so a caller says `media.read(...)`; the writing side
is `media.writer`, the encoder's settings `media.encoding`, the display shape `media.display`.
"""

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
