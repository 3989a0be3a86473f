"""How a film is shown: the shape and orientation players give its frames, which keyframes are painted at.

A film's frames are stored at their coded size; players stretch them by the sample aspect
ratio (an anamorphic DVD's 720x480 at SAR 32:27 is shown 853x480) and turn them by the display
matrix (a phone's portrait film is stored on its side). A keyframe picture is a frame as the
colourist sees it: written as shown (`Display.show`) and turned back (`Display.stored`) when
read; the render reads it at its working size, which is of the stored shape, so the stretch is
undone there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .probe import FilmInfo


@dataclass(frozen=True)
class Display:
    """A film's frames as shown: `width` x `height`, the stored frame turned `turns` quarter
    turns counter-clockwise (numpy's `rot90`) and stretched to that shape."""

    width: int
    height: int
    turns: int = 0

    @property
    def shape(self) -> str:
        return f"{self.width}x{self.height}"

    def turn(self, picture: np.ndarray) -> np.ndarray:
        """(H, W, ...) a stored frame (or its chroma) turned as shown, not stretched."""
        return np.ascontiguousarray(np.rot90(picture, self.turns))

    def show(self, picture: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
        """(H, W, ...) a stored frame -> as shown: turned, then stretched to `size` (w, h), of
        the display shape (default: the display shape itself)."""
        turned = self.turn(picture)
        width, height = size or (self.width, self.height)
        h, w = turned.shape[:2]
        if (w, h) == (width, height):
            return turned
        shrinking = width * height < w * h
        return cv2.resize(turned, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)

    def stored(self, picture: np.ndarray) -> np.ndarray:
        """(H, W, ...) a picture as shown -> turned back as the film stores its frames (at its
        own size: the working size it is read at undoes the stretch)."""
        return np.ascontiguousarray(np.rot90(picture, -self.turns))

    def fits(self, width: int, height: int) -> bool:
        """Whether a picture of `width` x `height` is of the shown shape (any size; 1% slack)."""
        shown = self.width / self.height
        return abs(width / height - shown) <= 0.01 * shown


def display(info: FilmInfo) -> Display:
    """How players show the film `info` describes: stretched by its sample aspect ratio (the
    width, as FFmpeg's players do), turned by its display matrix (quarter turns; a matrix that
    also mirrors is taken for its turn alone)."""
    sar = info.sample_aspect_ratio
    width = max(1, round(info.width * sar)) if sar and sar > 0 else info.width
    turns = _turns(info.display_matrix)
    return Display(info.height, width, turns) if turns % 2 else Display(width, info.height, turns)


def _turns(matrix: tuple[int, ...] | None) -> int:
    """Quarter turns counter-clockwise a display matrix shows the frame at: FFmpeg's
    `av_display_rotation_get`, -atan2(m[1], m[0]), rounded to the nearest quarter."""
    if matrix is None or (matrix[0] == 0 and matrix[1] == 0):
        return 0
    return round(-math.degrees(math.atan2(matrix[1], matrix[0])) / 90) % 4
