"""Benchmark: the time of one CycleGAN training step, filmcolor's networks against the
reference architecture of Zhu et al. 2017 (ResNet generators with 9 blocks and 64 filters,
70x70 PatchGAN discriminators with 64 filters, 256 px crops, batch 1).

    python pipelines/bench_train.py [--size 256] [--steps 5]

Both go through the same `filmcolor.training.train.cyclegan_step` (both generators and both
discriminators, LSGAN, cycle and identity losses, pools); the reference networks are wrapped
only to take and give our channels (luma in, chroma out), which changes no real cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from common import machine
from torch import nn

from filmcolor.models import Generator
from filmcolor.training.gan import DecolouriserConfig, ImagePool, PatchDiscriminator
from filmcolor.training.train import CycleGAN, Optimisers, TrainConfig, cyclegan_step


class ReferenceResnetGenerator(nn.Sequential):
    """The reference's resnet_9blocks: c7s1-64, d128, d256, 9 x R256, u128, u64, c7s1-3."""

    def __init__(self, ngf: int = 64, blocks: int = 9) -> None:
        def norm_relu(ch: int) -> list[nn.Module]:
            return [nn.InstanceNorm2d(ch), nn.ReLU(True)]

        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), *norm_relu(ngf)]
        for m in (1, 2):
            layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1), *norm_relu(ngf * m * 2)]
        layers += [_ReferenceBlock(ngf * 4) for _ in range(blocks)]
        for m in (4, 2):
            layers += [
                nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1),
                *norm_relu(ngf * m // 2),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
        super().__init__(*layers)


class _ReferenceBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(ch, ch, 3),
            nn.InstanceNorm2d(ch),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(ch, ch, 3),
            nn.InstanceNorm2d(ch),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class _Channels(nn.Module):
    """Feeds a 3-channel network our 1-channel input, or keeps `keep` of its output channels."""

    def __init__(self, net: nn.Module, keep: slice) -> None:
        super().__init__()
        self.net, self.keep = net, keep

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x)[:, self.keep]


def reference_nets() -> CycleGAN:
    nets = CycleGAN(Generator(), DecolouriserConfig(), 64)
    nets.g_ab = _Channels(ReferenceResnetGenerator(), slice(1, 3))  # luma -> chroma
    nets.g_ba = _Channels(ReferenceResnetGenerator(), slice(0, 1))  # colour -> luma
    nets.d_a = _Channels(PatchDiscriminator(3), slice(None))  # the reference's D_A sees RGB
    return nets


def time_steps(nets: CycleGAN, size: int, steps: int) -> float:
    """Median seconds of one CycleGAN step at batch 1 (after one warm-up step)."""
    config = TrainConfig()
    opt = Optimisers.create(nets, config, torch.device("cpu"))
    pools, g = (ImagePool(50), ImagePool(50)), torch.Generator().manual_seed(0)
    a, b = torch.rand(1, 1, size, size), torch.rand(1, 3, size, size) - torch.tensor([0, 0.5, 0.5]).view(1, 3, 1, 1)
    times = []
    for _ in range(steps + 1):
        t = time.perf_counter()
        cyclegan_step(nets, opt, pools, a, b, config, g)
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


def params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(0)
    ours, ref = CycleGAN(Generator(), DecolouriserConfig(), 64), reference_nets()
    result = {
        "machine": machine(),
        "size": args.size,
        "batch": 1,
    }
    for name, nets in (("filmcolor", ours), ("reference", ref)):
        result[name] = {
            "step_s": round(time_steps(nets, args.size, args.steps), 3),
            "params_generators": params(nets.g_ab) + params(nets.g_ba),
            "params_discriminators": params(nets.d_a) + params(nets.d_b),
        }
    result["speedup"] = round(result["reference"]["step_s"] / result["filmcolor"]["step_s"], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
