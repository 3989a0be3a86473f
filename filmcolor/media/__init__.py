"""The media layer (PyAV only): what a film is, its frames as decoded, the damage found on the
way, and the coloured film written beside the input's other streams.

The reading side's public names are here, so a caller says `media.read(...)`: what a film is
(`media.probe`), its frames (`media.reader`), the damage found on the way (`media.damage`).
The writing side is `media.writer`, the encoder's settings `media.encoding`, the display shape
`media.display`.
"""

from .damage import DAMAGED_CHOICES, SKIP_ADVICE, Damage
from .probe import (
    STREAM_HELP,
    FilmInfo,
    check_input,
    choose_stream,
    film_info,
    open_film,
    seconds_to_pts,
    video_stream,
    video_times,
)
from .reader import Decoded, LumaFrame, luma_plane, read, read_with_packets

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
    "read_with_packets",
    "seconds_to_pts",
    "video_stream",
    "video_times",
]
