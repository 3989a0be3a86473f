"""The guided filter of the chroma: flat luma gives flat chroma, luma edges keep chroma edges."""

import numpy as np
import torch

from filmcolor.edgeaware import box, guided_filter, pooled_box


def test_flat_luma_gives_flat_chroma():
    luma = torch.full((1, 1, 48, 64), 0.4)
    chroma = 0.1 * torch.randn(1, 2, 48, 64, generator=torch.Generator().manual_seed(0))  # (1, 2, 48, 64) noise
    out = guided_filter(luma, chroma, radius=8)
    assert out.shape == chroma.shape
    assert out.std() < 0.15 * chroma.std()
    assert torch.allclose(out.mean((2, 3)), chroma.mean((2, 3)), atol=0.01)


def test_a_luma_edge_keeps_its_chroma_edge():
    luma = torch.zeros(1, 1, 48, 64)
    luma[..., 32:] = 0.8  # a vertical edge at x = 32
    chroma = torch.zeros(1, 2, 48, 64)
    chroma[:, 0, :, 32:] = 0.2  # the colour changes at the same edge
    out = guided_filter(luma, chroma, radius=8)
    assert (out[:, 0, :, :28] - 0.0).abs().max() < 0.02
    assert (out[:, 0, :, 36:] - 0.2).abs().max() < 0.02


def test_radius_zero_and_tiny_pictures_pass_through():
    luma, chroma = torch.rand(1, 1, 4, 5), torch.rand(1, 2, 4, 5)
    assert guided_filter(luma, chroma, radius=0) is chroma
    assert guided_filter(luma, chroma, radius=8).shape == (1, 2, 4, 5)


def test_the_cpu_and_gpu_box_filters_agree():
    x = torch.from_numpy(np.random.default_rng(1).random((2, 3, 21, 30), dtype=np.float32))
    assert torch.allclose(box(x, 4), pooled_box(x, 4), atol=1e-5)
