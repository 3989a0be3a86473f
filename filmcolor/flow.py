"""Optical flow, warping and occlusion: how frames are aligned, for temporal smoothing
(`filmcolor.temporal`) and for the warping error that measures it (`filmcolor.metrics`).

Pure OpenCV on (H, W) luma and (H, W, C) images, one pair of frames at a time.
"""

from __future__ import annotations

import cv2
import numpy as np

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def flow(
    prev_gray: np.ndarray, next_gray: np.ndarray, preset: str = "medium", start: tuple[float, float] | None = None
) -> np.ndarray:
    """Dense optical flow from `prev_gray` to `next_gray`: (H, W, 2) float32 (dx, dy) in px.

    Kroeger, Timofte, Dai and Van Gool (2016), "Fast optical flow using dense inverse search"
    (DIS), OpenCV's implementation: MEDIUM (the default) is accurate enough for measuring
    temporal consistency, FAST for smoothing every frame of a render; fast on a CPU, no model
    to download. Convention (OpenCV's):
    prev_gray[y, x] ~ next_gray[y + dy, x + dx], so `warp(next, flow(prev, next))` looks like
    `prev`. Inputs: (H, W) uint8 luma (other dtypes are clipped to [0, 255] and rounded).
    `start`: a global (dx, dy) the search starts from (DIS takes a flow it is given as its
    first guess), for motion larger than its coarsest scale finds alone.
    """
    dis = cv2.DISOpticalFlow.create(PRESETS[preset])
    initial = None
    if start is not None:
        initial = np.empty((*prev_gray.shape[:2], 2), np.float32)
        initial[..., 0], initial[..., 1] = start
    return dis.calc(_gray8(prev_gray), _gray8(next_gray), initial)  # type: ignore[call-overload,arg-type]  # None: a new flow (the stub omits it)


def _gray8(x: np.ndarray) -> np.ndarray:
    if x.dtype != np.uint8:
        x = np.clip(np.rint(x), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(x)  # DIS refuses strided views


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Backward warp: out[y, x] = image[y + dy, x + dx], bilinear (cv2.remap).

    With `flow` from frame A to frame B (`flow(A, B)`), `warp(B, flow)` brings B onto A's
    pixel grid. Samples beyond the edge repeat the edge pixel; `occlusion_mask` says which
    pixels to trust. `image`: (H, W) or (H, W, C), any dtype cv2.remap takes (the result has
    it); `flow`: (H, W, 2) float32.
    """
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))  # (H, W) each
    map_x = gx + flow[..., 0].astype(np.float32)
    map_y = gy + flow[..., 1].astype(np.float32)
    return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def occlusion_mask(fwd: np.ndarray, bwd: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels of frame A that are visible in frame B, given `fwd` = flow(A, B)
    and `bwd` = flow(B, A), both (H, W, 2).

    Forward-backward consistency, after Sundaram, Brox and Keutzer (2010), "Dense point
    trajectories by GPU-accelerated large displacement optical flow" (and Ruder et al. 2016,
    who use it for the same purpose): following the flow to B and back should return to the
    start, so a pixel is visible when, with w = fwd(x) and w' = bwd(x + w),

        |w + w'|^2 < 0.01 (|w|^2 + |w'|^2) + 0.5

    and, in addition, x + w lands inside B (a pixel that leaves the frame, or the strip that
    comes into view at an edge as the camera pans, has nothing to match in the other frame).
    Sundaram et al. also drop motion boundaries (a large flow gradient); that is left out.
    """
    h, w = fwd.shape[:2]
    back = warp(bwd, fwd)  # (H, W, 2): w' at x + w
    total = fwd + back
    consistent = _sq(total) < 0.01 * (_sq(fwd) + _sq(back)) + 0.5
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    tx, ty = gx + fwd[..., 0], gy + fwd[..., 1]
    inside = (tx >= 0) & (tx <= w - 1) & (ty >= 0) & (ty <= h - 1)
    return consistent & inside


def _sq(f: np.ndarray) -> np.ndarray:
    """|f|^2 of an (H, W, 2) flow, (H, W): two products, much faster than a reduction over a length-2 axis."""
    return f[..., 0] * f[..., 0] + f[..., 1] * f[..., 1]
