"""CycleGAN's other three networks, its losses and its image pool, for colourisation.

Domain A is the B&W film (luma, (B, 1, H, W) in [0, 1]); domain B is colour pictures as
Y'CbCr ((B, 3, H, W): Y' in [0, 1], Cb and Cr in [-0.5, 0.5]). G_AB is the render's
`models.Generator` (luma in, chroma out, luma passed through); this module adds G_BA, which
turns a colour picture into B&W in the look of domain A (grain, contrast, softness), and the
two 70x70 PatchGAN discriminators. Losses and pool follow Zhu et al. 2017 and its reference
implementation (LSGAN, a pool of 50 past fakes).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..configs import DecolouriserConfig as DecolouriserConfig  # defined with the CLI's light settings
from ..models import ResidualBlock


def signed(x: torch.Tensor) -> torch.Tensor:
    """(B, 1 or 3, H, W) luma [0, 1] and chroma [-0.5, 0.5] -> all channels in [-1, 1]."""
    return torch.cat([x[:, :1] * 2.0 - 1.0, x[:, 1:] * 2.0], dim=1)


class Decolouriser(nn.Module):
    """G_BA: (B, 3, H, W) Y'CbCr -> (B, 1, H, W) luma in domain A's look.

    It predicts a correction to the picture's own luma at full resolution, so grain and
    softness can be drawn while the scene's structure carries over for the cycle.
    """

    def __init__(self, config: DecolouriserConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or DecolouriserConfig()
        widths = [config.base * 2**i for i in range(config.downsamples + 1)]
        layers: list[nn.Module] = [
            nn.Conv2d(3, widths[0], 7, padding=3),
            nn.InstanceNorm2d(widths[0], affine=True),
            nn.ReLU(inplace=True),
        ]
        for i in range(config.downsamples):
            layers += [
                nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1),
                nn.InstanceNorm2d(widths[i + 1], affine=True),
                nn.ReLU(inplace=True),
            ]
        layers += [ResidualBlock(widths[-1]) for _ in range(config.blocks)]
        for i in reversed(range(config.downsamples)):
            layers += [
                nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                nn.Conv2d(widths[i + 1], widths[i], 3, padding=1),
                nn.InstanceNorm2d(widths[i], affine=True),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.Conv2d(widths[0], 1, 7, padding=3)]
        self.body = nn.Sequential(*layers)

    def forward(self, ycc: torch.Tensor) -> torch.Tensor:
        delta = self.body(signed(ycc))  # (B, 1, H', W'), H' = H rounded to the downsampling
        if delta.shape[-2:] != ycc.shape[-2:]:
            delta = F.interpolate(delta, size=ycc.shape[-2:], mode="bilinear", align_corners=False)
        return ycc[:, :1] + 0.5 * torch.tanh(delta)  # (B, 1, H, W)


class PatchDiscriminator(nn.Module):
    """70x70 PatchGAN (C64-C128-C256-C512, 4x4 kernels): one real/fake score per overlapping
    70x70 patch, so it judges texture and local colour, not the composition."""

    def __init__(self, channels: int, width: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        cin = width
        for i, stride in ((1, 2), (2, 2), (3, 1)):
            cout = width * 2**i
            layers += [
                nn.Conv2d(cin, cout, 4, stride=stride, padding=1),
                nn.InstanceNorm2d(cout, affine=True),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            cin = cout
        layers += [nn.Conv2d(cin, 1, 4, stride=1, padding=1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(signed(x))  # (B, 1, h, w) patch scores


def lsgan_loss(scores: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss (Mao et al. 2017), as CycleGAN uses: (D(x) - 1)^2 for real, D(x)^2 for fake."""
    target = torch.ones_like(scores) if real else torch.zeros_like(scores)
    return F.mse_loss(scores, target)


class ImagePool:
    """The last `size` fakes a generator made (Shrivastava et al. 2017): the discriminator sees a
    mix of old and new fakes, which damps the oscillation between the two players.

    Each image of a batch is, with probability 1/2, swapped for a stored one (which it then
    replaces); while the pool fills, images pass through. Randomness comes from `generator`
    so a resumed run draws the same. `images` is plain state, saved in checkpoints.
    """

    def __init__(self, size: int = 50, images: list[torch.Tensor] | None = None) -> None:
        self.size = size
        self.images: list[torch.Tensor] = list(images or [])

    def query(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.size == 0:
            return batch
        out = []
        for image in batch.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand((), generator=generator).item() < 0.5:
                i = int(torch.randint(0, self.size, (), generator=generator).item())
                out.append(self.images[i].clone())
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)
