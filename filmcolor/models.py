"""The colouriser's generator: luma in, chroma out, and its weights files.

The generator is CycleGAN's B&W -> colour network (G_AB) reshaped for this job: it sees
only the film's luma and predicts Cb and Cr, so the film's own luma passes through
untouched. It works at a low resolution (1/8 of its input inside, chroma at 1/2) because
chroma is smooth and the render must be fast; the full-resolution detail comes from the
film's own luma plane.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .errors import WeightsError
from .outputs import atomic_output

WEIGHTS_FORMAT = "filmcolor-generator"  # tag stored in every weights file
WEIGHTS_VERSION = 1  # bumped when the file layout changes


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything needed to rebuild a generator; stored in each weights file."""

    base: int = 24  # channels of the stem (at 1/2 size); doubled at each later downsampling
    downsamples: int = 2  # stride-2 stages after the stem: the trunk runs at 1/2**(downsamples+1)
    blocks: int = 6  # residual blocks in the trunk
    matrix: str = "bt601"  # Y'CbCr matrix the chroma is predicted in


class ResidualBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(ch, ch, 3, padding=1),
            nn.InstanceNorm2d(ch, affine=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(ch, ch, 3, padding=1),
            nn.InstanceNorm2d(ch, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1),
        nn.InstanceNorm2d(cout, affine=True),
        nn.ReLU(inplace=True),
    )


class Generator(nn.Module):
    """ResNet-style encoder-decoder with U-Net skips: (B, 1, H, W) luma -> (B, 2, H, W) chroma.

    Luma is expected in [0, 1]; chroma comes out in [-0.5, 0.5] (Cb, Cr of `config.matrix`).
    H and W need not be multiples of anything: features are resized to the skips' sizes.
    """

    def __init__(self, config: GeneratorConfig = GeneratorConfig()) -> None:
        super().__init__()
        self.config = config
        widths = [config.base * 2**i for i in range(config.downsamples + 1)]
        self.stem = _conv(1, widths[0], stride=2)  # 1/2 working size
        self.down = nn.ModuleList(_conv(widths[i], widths[i + 1], stride=2) for i in range(config.downsamples))
        self.trunk = nn.Sequential(*(ResidualBlock(widths[-1]) for _ in range(config.blocks)))
        # Decoder stops at 1/2 size: chroma is subsampled in 4:2:0 anyway.
        self.up = nn.ModuleList(_conv(widths[i + 1] + widths[i], widths[i]) for i in reversed(range(config.downsamples)))
        self.head = nn.Conv2d(widths[0], 2, 3, padding=1)

    def forward(self, luma: torch.Tensor) -> torch.Tensor:
        x = self.stem(luma * 2.0 - 1.0)  # (B, base, H/2, W/2)
        skips = [x]
        for down in self.down:
            x = down(x)
            skips.append(x)
        x = self.trunk(x)  # (B, base * 2**downsamples, H/8, W/8) with the defaults
        for up, skip in zip(self.up, reversed(skips[:-1])):
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = up(torch.cat([x, skip], dim=1))
        x = 0.5 * torch.tanh(self.head(x))  # (B, 2, H/2, W/2)
        return F.interpolate(x, size=luma.shape[-2:], mode="bilinear", align_corners=False)  # (B, 2, H, W)


def save_weights(model: Generator, path: str | os.PathLike, meta: dict | None = None) -> None:
    """Write a generator's config and weights atomically (temporary file, then rename)."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    blob = {"format": WEIGHTS_FORMAT, "version": WEIGHTS_VERSION, "config": asdict(model.config), "state_dict": state, "meta": meta or {}}
    with atomic_output(Path(path)) as tmp:
        torch.save(blob, tmp)


def load_weights(path: str | os.PathLike) -> tuple[Generator, dict]:
    """Rebuild the generator a weights file describes; WeightsError when the file does not fit."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file {path} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign files
        raise WeightsError(f"{path} is not a filmcolor weights file ({type(exc).__name__})") from None
    if not isinstance(blob, dict) or blob.get("format") != WEIGHTS_FORMAT:
        raise WeightsError(f"{path} is not a filmcolor weights file (no '{WEIGHTS_FORMAT}' tag)")
    if blob.get("version") != WEIGHTS_VERSION:
        raise WeightsError(f"{path} has weights format version {blob.get('version')}; this filmcolor reads {WEIGHTS_VERSION}")
    known = {f.name for f in fields(GeneratorConfig)}
    config = blob.get("config", {})
    if not isinstance(config, dict) or set(config) - known:
        raise WeightsError(f"{path} describes another architecture (config keys {sorted(config)})")
    model = Generator(GeneratorConfig(**config))
    try:
        model.load_state_dict(blob["state_dict"])
    except (RuntimeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"{path} does not fit the generator it describes: {first}") from None
    model.eval()
    return model, blob.get("meta", {})
