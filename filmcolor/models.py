"""The colouriser's generator: luma in, chroma out, and its weights files.

The generator is CycleGAN's B&W -> colour network (G_AB) reshaped for this job: it sees
only the film's luma and predicts Cb and Cr, so the film's own luma passes through
untouched. It works at a low resolution (1/8 of its input inside, chroma at 1/2) because
chroma is smooth and the render must be fast; the full-resolution detail comes from the
film's own luma plane.

Its colour never leaves the gamut: it predicts a hue (a direction in the Cb-Cr plane) and how
far toward the most saturated colour of that hue the pixel's luma allows it goes (0 gray,
1 the edge of R'G'B'), so highlights and shadows fade to neutral by construction and no
colour is ever clipped into another hue.

The `confident` head also says how sure it is of each pixel: a predicted variance of its chroma
error (trained with a Gaussian likelihood), turned into a confidence in [0, 1]: the share of the
predicted colour's power that is more than its expected error (|c|^2 / (|c|^2 + error^2)), so a
pixel whose colour is small beside its likely error has a hue it cannot vouch for. A table
fitted on validation pictures (`confidence_edges`, `confidence_gains`: the least-squares scale
of the chroma in each confidence bin, made non-decreasing) shrinks unsure pixels toward gray, so
where the luma cannot tell the hue the pixel gets less colour instead of a wrong one.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .colour import MATRICES, gamut_room
from .errors import WeightsError
from .outputs import atomic_output

WEIGHTS_FORMAT = "filmcolor-generator"  # tag stored in every weights file
WEIGHTS_VERSION = 2  # bumped when the file layout changes (2: the gamut head; version 1 files predicted raw chroma)


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything needed to rebuild a generator; stored in each weights file."""

    base: int = 24  # channels of the stem (at 1/2 size); doubled at each later downsampling
    downsamples: int = 2  # stride-2 stages after the stem: the trunk runs at 1/2**(downsamples+1)
    blocks: int = 6  # residual blocks in the trunk
    matrix: str = "bt601"  # Y'CbCr matrix the chroma is predicted in
    head: str = "gamut"  # "gamut": hue and share of the most chroma the luma allows; "chroma": Cb, Cr as they are (weights before the gamut head)
    # the chroma's calibration: the share is multiplied by it (at most 1), fitted on validation pictures
    gain: float = 1.0
    # `confident` head: confidences at the bins' centres, increasing (empty: no table)
    confidence_edges: tuple[float, ...] = ()
    # the chroma's scale at each of those confidences, non-decreasing; linear between
    confidence_gains: tuple[float, ...] = ()

    def check(self) -> None:
        """ValueError naming the first setting no generator can have."""
        for name in ("base", "downsamples", "blocks"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (1 if name != "downsamples" else 0):
                raise ValueError(
                    f"{name} must be a whole number of at least {1 if name != 'downsamples' else 0}, not {value!r}"
                )
        if self.matrix not in MATRICES:
            raise ValueError(f"matrix must be one of {', '.join(MATRICES)}, not {self.matrix!r}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {', '.join(HEADS)}, not {self.head!r}")
        if not isinstance(self.gain, (int, float)) or not 0 <= self.gain <= 10:
            raise ValueError(f"gain must be a number from 0 to 10, not {self.gain!r}")
        edges, gains = self.confidence_edges, self.confidence_gains
        if len(edges) != len(gains) or (edges and self.head != "confident"):
            raise ValueError("confidence_edges and confidence_gains go in pairs, and only with the confident head")
        if any(b <= a for a, b in zip(edges, edges[1:], strict=False)) or any(not 0 <= g <= 10 for g in gains):
            raise ValueError("confidence_edges must increase and confidence_gains lie from 0 to 10")


HEADS = {"gamut": 3, "chroma": 2, "confident": 4}  # the head's output channels


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
        self.up = nn.ModuleList(
            _conv(widths[i + 1] + widths[i], widths[i]) for i in reversed(range(config.downsamples))
        )
        self.head = nn.Conv2d(widths[0], HEADS[config.head], 3, padding=1)

    def forward(self, luma: torch.Tensor, detail: bool = False) -> torch.Tensor:
        """(B, 1, H, W) luma -> (B, 2, H, W) chroma, calibrated. With `detail` (the `confident`
        head, for training and calibration): (B, 3, H, W), the chroma before the confidence table
        and the log variance of its error."""
        x = self._head(luma)  # (B, 2-4, H, W)
        if self.config.head == "chroma":
            return 0.5 * torch.tanh(x)  # (B, 2, H, W)
        if self.config.head == "gamut":
            return self._in_gamut(luma, x)
        chroma = self._in_gamut(luma, x[:, :3])  # (B, 2, H, W)
        if detail:
            return torch.cat([chroma, x[:, 3:4]], dim=1)  # (B, 3, H, W)
        if not self.config.confidence_edges:
            return chroma
        return self._in_gamut(luma, x[:, :3], self.confidence_scale(confidence(x[:, 3:4], chroma)))

    def confidence_scale(self, conf: torch.Tensor) -> torch.Tensor:
        """The chroma's scale at each pixel's confidence: the table's gains, linear between its
        confidences, the end gains beyond them; 1 where there is no table."""
        edges, gains = self.config.confidence_edges, self.config.confidence_gains
        if not edges:
            return torch.ones_like(conf)
        e = torch.tensor(edges, dtype=conf.dtype, device=conf.device)
        g = torch.tensor(gains, dtype=conf.dtype, device=conf.device)
        if len(edges) == 1:
            return g[0].expand_as(conf)
        i = torch.bucketize(conf.clamp(e[0], e[-1]), e).clamp(1, len(edges) - 1)  # right end of each pixel's interval
        t = (conf.clamp(e[0], e[-1]) - e[i - 1]) / (e[i] - e[i - 1])
        return g[i - 1] + t * (g[i] - g[i - 1])

    def _head(self, luma: torch.Tensor) -> torch.Tensor:
        # (B, 2-4, H, W)
        return F.interpolate(self.head(self.features(luma)), size=luma.shape[-2:], mode="bilinear", align_corners=False)

    def features(self, luma: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) luma -> (B, base, H/2, W/2): the decoder's last features, what the head reads."""
        x = self.stem(luma * 2.0 - 1.0)  # (B, base, H/2, W/2)
        skips = [x]
        for down in self.down:
            x = down(x)
            skips.append(x)
        x = self.trunk(x)  # (B, base * 2**downsamples, H/8, W/8) with the defaults
        for up, skip in zip(self.up, reversed(skips[:-1]), strict=True):
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = up(torch.cat([x, skip], dim=1))
        return x

    def _in_gamut(self, luma: torch.Tensor, x: torch.Tensor, scale: torch.Tensor | float = 1.0) -> torch.Tensor:
        """(B, 1, H, W) luma and (B, 3, H, W) head output -> (B, 2, H, W) chroma inside the gamut:
        the hue from the first two channels, the share of that hue's most chroma from the third
        (times the gain and `scale`, at most all of it)."""
        hue = x[:, :2] / torch.sqrt(x[:, :1] ** 2 + x[:, 1:2] ** 2 + 1e-6)  # (B, 2, H, W), unit length
        y = luma.float().clamp(0.0, 1.0)
        most = gamut_room(hue[:, 0:1].float(), hue[:, 1:2].float(), y, y, self.config.matrix)  # (B, 1, H, W)
        share = (torch.sigmoid(x[:, 2:3]) * self.config.gain * scale).clamp(max=1.0)
        return hue * (share * most).to(hue.dtype)


def confidence(log_var: torch.Tensor, chroma: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) log variance of the chroma error per channel (the `confident` head's) and
    (B, 2, H, W) chroma -> (B, 1, H, W) confidence in [0, 1): the predicted colour's power
    against it plus the error's expected power, 0 for a colour lost in its error (or gray)."""
    power = (chroma.float() ** 2).sum(1, keepdim=True)  # (B, 1, H, W)
    return power / (power + 2.0 * torch.exp(log_var.float().clamp(-30.0, 10.0)))


def with_confidence(model: Generator, log_var: float = -5.0) -> Generator:
    """A `gamut` generator with the `confident` head: the same weights and colour (gain 1, no
    table), the new variance channel starting at `log_var` everywhere; to fine-tune from."""
    if model.config.head != "gamut":
        raise ValueError(f"only a gamut head can be given a confidence, not {model.config.head!r}")
    new = Generator(replace(model.config, head="confident", gain=1.0))
    state = model.state_dict()
    weight, bias = state.pop("head.weight"), state.pop("head.bias")  # (3, C, 3, 3), (3,)
    state["head.weight"] = torch.cat([weight, torch.zeros_like(weight[:1])])  # (4, C, 3, 3)
    state["head.bias"] = torch.cat([bias, torch.full_like(bias[:1], log_var)])  # (4,)
    new.load_state_dict(state)
    return new


def save_weights(model: Generator, path: str | os.PathLike, meta: dict | None = None) -> None:
    """Write a generator's config and weights atomically (temporary file, then rename)."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    blob = {
        "format": WEIGHTS_FORMAT,
        "version": WEIGHTS_VERSION,
        "config": asdict(model.config),
        "state_dict": state,
        "meta": meta or {},
    }
    with atomic_output(Path(path)) as tmp:
        torch.save(blob, tmp)


def load_weights(path: str | os.PathLike) -> tuple[Generator, dict]:
    """Rebuild the generator a weights file describes; WeightsError when the file does not fit."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file {path} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # torch raises many types for foreign files
        raise WeightsError(
            f"{path} is not a filmcolor weights file: torch cannot read it (give a run's weights.pt, or leave out --weights)"
        ) from None
    if not isinstance(blob, dict) or blob.get("format") != WEIGHTS_FORMAT:
        raise WeightsError(f"{path} is not a filmcolor weights file (no '{WEIGHTS_FORMAT}' tag)")
    if blob.get("version") not in (1, WEIGHTS_VERSION):
        raise WeightsError(
            f"{path} has weights format version {blob.get('version')}; this filmcolor reads 1 and {WEIGHTS_VERSION}"
        )
    known = {f.name for f in fields(GeneratorConfig)}
    config = blob.get("config", {})
    if not isinstance(config, dict) or set(config) - known:
        raise WeightsError(f"{path} describes another architecture (config keys {sorted(config)})")
    if blob["version"] == 1:
        config = {**config, "head": "chroma"}  # written before the gamut head existed
    config = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}  # tuples may come back as lists
    try:
        config = GeneratorConfig(**config)
        config.check()
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"{path} describes a generator that cannot be built: {exc}") from None
    model = Generator(config)
    try:
        model.load_state_dict(blob["state_dict"])
    except (RuntimeError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"{path} does not fit the generator it describes: {first}") from None
    if not all(torch.isfinite(t).all() for t in model.state_dict().values() if t.is_floating_point()):
        raise WeightsError(
            f"{path} holds weights that are not finite numbers (NaN or infinity): the training that wrote it diverged"
        )
    model.eval()
    return model, blob.get("meta", {})
