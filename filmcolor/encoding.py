"""How the coloured film's video is encoded: the encoder, its quality and speed, the pixel format.

Shared by every command that writes a film (`render`, `degrade`); it never imports torch, so
those that need no model start fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from .settings import setting


@dataclass(frozen=True)
class EncodeConfig:
    codec: str = setting("libx264", "FFmpeg video encoder (e.g. libx265, or ffv1 for lossless).")
    crf: int = setting(18, "Encoder quality: lower is better and bigger; 18 is visually lossless for x264.")
    preset: str = setting("medium", "Encoder speed preset (ultrafast ... veryslow).")
    pix_fmt: str | None = setting(None, "Output pixel format (default yuv420p; yuv444p for odd sizes, 10-bit for 10-bit input).")

    def options(self) -> dict[str, str]:
        """The encoder's own options for this quality and speed."""
        return {"crf": str(self.crf), "preset": self.preset}

    def pixel_format(self, width: int, height: int, bits: int) -> str:
        """The pixel format to write a `width` x `height` picture whose luma has `bits` bits:
        the user's, or 4:2:0 at 8 or 10 bits, 4:4:4 where a side is odd (4:2:0 cannot hold an
        odd size without cropping or padding the picture)."""
        if self.pix_fmt:
            return self.pix_fmt
        odd = width % 2 or height % 2
        depth = "" if bits <= 8 else "10le"
        return f"yuv{'444' if odd else '420'}p{depth}"
