"""How the coloured film's video is encoded: the encoder, its quality and speed, the pixel format.

`--crf` and `--preset` mean quality and speed on x264's scales (crf 0-51, lower is better;
presets ultrafast ... veryslow), whatever the encoder: each encoder family gets them in its
own options (`FAMILIES`, and the table in docs/commands.md). A pixel format is chosen among those the
encoder takes, as close to the film's depth and chroma as it allows. Shared by every command
that writes a film (`render`, `degrade`); it never imports torch, so those that need no model
start fast.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError, OutputError
from ..settings import Bounds, setting

if TYPE_CHECKING:
    import av

log = logging.getLogger(__name__)

# fastest first
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")
# planar Y'CbCr: the writer fills Y, Cb, Cr
WRITABLE = re.compile(r"^yuv(410|411|420|422|440|444)p(?:(9|10|12|14|16)le)?$")
_SUBSAMPLING = {"444": 0, "440": 1, "422": 1, "420": 2, "411": 2, "410": 3}  # chroma samples given up, roughly


@dataclass(frozen=True)
class EncodeConfig:
    codec: str = setting(
        "libx264",
        "FFmpeg video encoder: libx264, libx265, libvpx-vp9, libsvtav1, h264_nvenc, prores_ks, ffv1 (lossless), ...",
    )
    crf: int = setting(
        18,
        "Quality on x264's scale, 0-51, mapped to each encoder's own: lower is better and bigger; 18 is visually lossless.",
        bounds=Bounds(0, 51, note="x264's scale: lower is better, 18 is visually lossless"),
    )
    preset: str = setting(
        "medium",
        "Speed on x264's scale (ultrafast ... veryslow), mapped to each encoder's own; or the encoder's own preset name.",
    )
    pix_fmt: str | None = setting(
        None,
        "Output pixel format (default: the encoder's closest to the film's depth and chroma; 4:4:4 for odd sizes).",
    )

    def check(self) -> None:
        """InputError for a quality or speed no encoder takes, before FFmpeg is asked (x264
        would print its own error first)."""
        if not 0 <= self.crf <= 51:
            raise InputError(f"--crf {self.crf}: use 0-51 (x264's scale; lower is better, 18 is visually lossless)")
        if self.preset not in PRESETS and re.match(r"^libx26[45]", self.codec):
            raise InputError(f"--preset {self.preset}: use one of {', '.join(PRESETS)}")

    def options(self) -> dict[str, str]:
        """The encoder's own options for this quality and speed (`FAMILIES`)."""
        for pattern, family in FAMILIES:
            if re.match(pattern, self.codec):
                return family(self.crf, self.preset)
        log.warning("--crf and --preset mean nothing to %s here: it encodes with its own defaults", self.codec)
        return {}

    def encoder(self) -> av.codec.Codec:
        """The FFmpeg video encoder named `codec`; OutputError when there is none."""
        import av  # here, not above: the command line reads the settings before FFmpeg is needed

        try:
            encoder = av.codec.Codec(self.codec, "w")
        except (av.error.FFmpegError, ValueError):
            raise OutputError(
                f"no video encoder named {self.codec!r} in this FFmpeg; try libx264 (or ffv1 for lossless)"
            ) from None
        if encoder.type != "video":
            raise OutputError(
                f"--codec {self.codec} is an {encoder.type} encoder; give a video encoder such as libx264"
            )
        return encoder

    def pixel_format(self, width: int, height: int, bits: int, chroma: str = "420") -> str:
        """The pixel format to write a `width` x `height` film whose luma has `bits` bits and whose
        chroma is subsampled as `chroma` ("420", "422", "444", ...): the user's, or among those the
        encoder takes, the one that loses least of either (4:4:4 where a side is odd: 4:2:0 cannot
        hold an odd size), and of those the one that adds least."""
        if self.pix_fmt:
            return self.pix_fmt
        want = "444" if width % 2 or height % 2 else chroma
        encoder = self.encoder()
        names = (
            [f.name for f in encoder.video_formats]
            if encoder.video_formats
            else [f"yuv{want}p" + ("" if bits <= 8 else f"{bits}le")]
        )
        writable = [n for n in names if WRITABLE.match(n) and not (want == "444" and not n.startswith("yuv444"))]
        if not writable:
            raise OutputError(
                f"{self.codec} writes no planar Y'CbCr format filmcolor can fill ({', '.join(names)}); choose a video encoder such as libx264 or ffv1"
            )

        def cost(name: str) -> tuple:
            match = WRITABLE.match(name)
            assert match is not None  # `writable` holds only the names it matches
            sub, digits = match.groups()
            depth = int(digits or 8)
            lost = (max(0, bits - depth), max(0, _SUBSAMPLING[sub] - _SUBSAMPLING[want]))
            return (lost, depth - bits if depth > bits else 0, _SUBSAMPLING[want] - _SUBSAMPLING[sub])

        return min(writable, key=cost)


def _speed(preset: str, scale: tuple) -> str:
    """An x264 preset name on another encoder's scale (one value per PRESETS entry); any other
    name is the encoder's own and passes as it is."""
    return str(scale[PRESETS.index(preset)]) if preset in PRESETS else preset


def _crf63(crf: int) -> str:
    """x264's crf (0-51) on a 0-63 scale (VP9, AV1)."""
    return str(round(min(max(crf, 0), 51) * 63 / 51))


def _x26x(crf: int, preset: str) -> dict[str, str]:
    return {"crf": str(crf), "preset": preset}


def _vp9(crf: int, preset: str) -> dict[str, str]:
    return {
        "crf": _crf63(crf),
        "b": "0",
        "deadline": "good",
        "cpu-used": _speed(preset, (5, 5, 4, 4, 3, 2, 1, 1, 0, 0)),
        "row-mt": "1",
    }


def _vp8(crf: int, preset: str) -> dict[str, str]:
    return {
        "crf": _crf63(crf),
        "b": "100M",
        "deadline": "good",
        "cpu-used": _speed(preset, (5, 5, 4, 4, 3, 2, 1, 1, 0, 0)),
    }  # VP8's crf needs a bitrate cap


def _svtav1(crf: int, preset: str) -> dict[str, str]:
    os.environ.setdefault("SVT_LOG", "1")  # else SVT-AV1 prints its whole configuration on stderr; errors only
    return {"crf": _crf63(crf), "preset": _speed(preset, (12, 11, 10, 9, 8, 7, 5, 4, 2, 1))}


def _aom(crf: int, preset: str) -> dict[str, str]:
    return {"crf": _crf63(crf), "b": "0", "cpu-used": _speed(preset, (8, 7, 6, 6, 5, 4, 3, 2, 1, 0)), "row-mt": "1"}


def _nvenc(crf: int, preset: str) -> dict[str, str]:
    return {
        "rc": "vbr",
        "cq": str(crf),
        "b": "0",
        "preset": _speed(preset, ("p1", "p1", "p2", "p3", "p3", "p4", "p5", "p6", "p7", "p7")),
    }


def _nvenc_av1(crf: int, preset: str) -> dict[str, str]:
    return {**_nvenc(crf, preset), "cq": _crf63(crf)}


def _prores(crf: int, preset: str) -> dict[str, str]:
    """ProRes has no crf: its profiles are its quality steps (HQ at the default 18)."""
    profile = "hq" if crf <= 18 else "standard" if crf <= 23 else "lt" if crf <= 28 else "proxy"
    return {"profile": profile}


def _qscale(crf: int, preset: str) -> dict[str, str]:
    """A fixed quantiser (MPEG-4 part 2, MPEG-2, MJPEG, ...): x264's crf c quantises by a step of
    about 2 ** ((c - 4) / 6), a q-scale q by 2 q, so q is half that step (3 at crf 18). Set as
    the least and most q allowed: `-q:v` works through each frame's quality field instead."""
    q = str(min(31, max(1, round(2 ** ((crf - 4) / 6) / 2))))
    return {"qmin": q, "qmax": q}


def _lossless(crf: int, preset: str) -> dict[str, str]:
    return {}


FAMILIES = (  # (encoder names, their options from crf and preset)
    (r"^libx26[45]", _x26x),
    (r"^libvpx-vp9$", _vp9),
    (r"^libvpx$", _vp8),
    (r"^libsvtav1$", _svtav1),
    (r"^libaom-av1$", _aom),
    (r"^av1_nvenc$", _nvenc_av1),
    (r"^(h264|hevc)_nvenc$", _nvenc),
    (r"^prores(_ks|_aw)?$", _prores),
    (r"^(mpeg4|mpeg[12]video|msmpeg4(v2)?|h263p?|flv|mjpeg|wmv[12])$", _qscale),
    (r"^(ffv1|ffvhuff|huffyuv|utvideo|magicyuv|rawvideo)$", _lossless),
)
