"""The media layer (PyAV only): what a film is, its frames as decoded, the damage found on the
way, and the coloured film written beside the input's other streams.

The reading side's public names are here, so a caller says `media.read(...)`: what a film is
(`media.probe`), its frames (`media.reader`), the damage found on the way (`media.damage`).
The writing side is `media.writer`, the encoder's settings `media.encoding`, the display shape
`media.display`. The reading side (PyAV, NumPy) loads at the first name used, not with the
package, so the command line reads the encoder's settings without it (`filmcolor.configs`).
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..configs import DAMAGED_CHOICES, STREAM_HELP
    from ..inputs import check_input
    from .damage import SKIP_ADVICE, Damage
    from .probe import FilmInfo, choose_stream, film_info, open_film, seconds_to_pts, video_stream, video_times
    from .reader import Decoded, LumaFrame, luma_plane, read, read_with_packets

# each public name -> the module it is read from, relative to this package
_HOMES = {
    "DAMAGED_CHOICES": "..configs",
    "STREAM_HELP": "..configs",
    "check_input": "..inputs",
    "SKIP_ADVICE": ".damage",
    "Damage": ".damage",
    "FilmInfo": ".probe",
    "choose_stream": ".probe",
    "film_info": ".probe",
    "open_film": ".probe",
    "seconds_to_pts": ".probe",
    "video_stream": ".probe",
    "video_times": ".probe",
    "Decoded": ".reader",
    "LumaFrame": ".reader",
    "luma_plane": ".reader",
    "read": ".reader",
    "read_with_packets": ".reader",
}

__all__ = [
    "DAMAGED_CHOICES",
    "Damage",
    "Decoded",
    "FilmInfo",
    "LumaFrame",
    "SKIP_ADVICE",
    "STREAM_HELP",
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


def __getattr__(name: str):
    """The reading side's names, from their modules, loaded on first use."""
    if name in _HOMES:
        return getattr(import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
