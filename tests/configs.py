"""Configs from flat settings, as the tests write them: each name goes to the sub-config that has it."""

import dataclasses

from filmcolor.guidance.guide import GuideConfig
from filmcolor.inference import InferenceConfig
from filmcolor.media.encoding import EncodeConfig
from filmcolor.render import RenderConfig
from filmcolor.segments import SegmentConfig
from filmcolor.temporal import SmoothConfig

_RENAMED = {"segment_seconds": ("segments", "seconds"), "smooth_strength": ("smooth", "strength")}
_SUBS = {
    "inference": InferenceConfig,
    "encode": EncodeConfig,
    "smooth": SmoothConfig,
    "segments": SegmentConfig,
    "guide": GuideConfig,
}


def render_config(**flat) -> RenderConfig:
    """RenderConfig(weights=..., codec=..., segment_seconds=..., smooth=False, ...)."""
    if flat.pop("smooth", True) is False:
        flat["smooth_strength"] = 0.0
    parts = {name: {} for name in _SUBS}
    top = {}
    for key, value in flat.items():
        sub, field = _RENAMED.get(key, (None, key))
        sub = sub or next(
            (name for name, cls in _SUBS.items() if field in {f.name for f in dataclasses.fields(cls)}), None
        )
        (parts[sub] if sub else top)[field] = value
    return RenderConfig(**{name: cls(**parts[name]) for name, cls in _SUBS.items()}, **top)
