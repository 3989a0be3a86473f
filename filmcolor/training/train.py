"""Training the colouriser: CycleGAN between a film's B&W frames (domain A) and colour
pictures (domain B), and the fit of the confidence head's variance channel alone.

The CycleGAN step follows Zhu et al. 2017 with two changes for colourisation: G_AB sees only
luma and predicts chroma (the luma passes through, as in the render), and because every
colour picture carries its own luma, domain B gives free (B&W, colour) pairs; a supervised
chroma loss on them (`paired_weight`) steadies training. With `paired_weight=0` it is plain
CycleGAN.
"""

from __future__ import annotations

import json
import logging
import time
import typing
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import inputs
from ..assets import shipped_colour_set, shipped_weights
from ..colour import ycbcr_to_rgb
from ..configs import (
    DecolouriserConfig as DecolouriserConfig,  # defined with the CLI's light settings; imported from here too
    TrainConfig as TrainConfig,
)
from ..devices import autocast, check_amp
from ..errors import InputError
from ..models import Generator, GeneratorConfig, load_weights, save_weights
from ..outputs import locked
from ..pictures import list_pictures
from ..progress import Progress
from . import distributed, runs
from .data import Crops
from .gan import Decolouriser, ImagePool, PatchDiscriminator, lsgan_loss

log = logging.getLogger("filmcolor")


def chroma_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error on (B, 2, H, W) chroma. Where the luma cannot tell a red dress from a
    blue one, the best answer under it is their mean, a quieter colour: the model is as bold as
    it can be right, and an RGB PSNR, which is this error's own measure, can only gain."""
    return F.mse_loss(pred, target)


FLAT_LUMA = 0.02  # luma change per px (0-1 units) below which the picture counts as flat: its chroma should be too


def edge_loss(pred: torch.Tensor, target: torch.Tensor, luma: torch.Tensor) -> torch.Tensor:
    """Chroma that follows the picture: the squared difference of the predicted and true chroma
    gradients, weighted toward pixels where the (clean) luma is flat, so colour edges come only
    where the picture has edges (no fringes or bands across a flat wall). (B, 2, H, W) chroma,
    (B, 1, H, W) luma."""

    def grads(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]  # (.., H, W-1), (.., H-1, W)

    loss = pred.new_zeros(())
    for dp, dt, dy in zip(grads(pred), grads(target), grads(luma), strict=True):
        flat = torch.exp(-((dy / FLAT_LUMA) ** 2))  # (B, 1, ...): 1 where the luma is flat
        loss = loss + (flat * (dp - dt) ** 2).sum(1, keepdim=True).mean()
    return loss


def confidence_loss(pred: torch.Tensor, target: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """Gaussian negative log likelihood of the chroma error under the predicted variance (per
    pixel, both channels, up to a constant): its minimum is the expected squared error, so
    the variance says how wrong the pixel's colour is likely to be. The chroma is not moved by
    it (detached): the colour is fitted by `chroma_loss` alone."""
    err = ((pred.detach() - target) ** 2).mean(1, keepdim=True)  # (B, 1, H, W)
    log_var = log_var.float().clamp(-14.0, 4.0)
    return (err * torch.exp(-log_var) + log_var).mean()


class CycleGAN(nn.Module):
    """The four networks: G_AB (the render's generator), G_BA and the discriminators D_A, D_B."""

    def __init__(self, g_ab: Generator, decolouriser: DecolouriserConfig, disc_width: int) -> None:
        super().__init__()
        self.g_ab = g_ab
        self.g_ba = Decolouriser(decolouriser)
        self.d_a = PatchDiscriminator(1, disc_width)  # judges luma: is it domain A's look?
        self.d_b = PatchDiscriminator(3, disc_width)  # judges Y'CbCr: is it a colour picture?

    def generators(self) -> list[nn.Parameter]:
        return [*self.g_ab.parameters(), *self.g_ba.parameters()]

    def discriminators(self) -> list[nn.Parameter]:
        return [*self.d_a.parameters(), *self.d_b.parameters()]


@dataclass
class Optimisers:
    g: torch.optim.Optimizer
    d: torch.optim.Optimizer
    scaler: torch.amp.GradScaler  # a no-op unless fp16 autocast on CUDA

    @classmethod
    def create(cls, nets: CycleGAN, config: TrainConfig, device: torch.device) -> Optimisers:
        betas = (config.beta1, 0.999)
        fp16 = device.type == "cuda" and config.amp == "fp16"
        return cls(
            g=torch.optim.Adam(nets.generators(), lr=config.lr, betas=betas),
            d=torch.optim.Adam(nets.discriminators(), lr=config.lr, betas=betas),
            scaler=torch.amp.GradScaler(device.type, enabled=fp16),
        )

    def set_lr(self, lr: float) -> None:
        for opt in (self.g, self.d):
            for group in opt.param_groups:
                group["lr"] = lr


def paired_step(g_ab: nn.Module, opt: Optimisers, b: torch.Tensor, config: TrainConfig) -> dict[str, float]:
    """One optimiser step of G_AB on the pairs alone: the supervised fit. `b` as in `cyclegan_step`."""
    confident = typing.cast(Generator, distributed.unwrap(g_ab)).config.head == "confident"
    with autocast(b.device, config.amp):
        out = g_ab(b[:, 3:], detail=True) if confident else g_ab(b[:, 3:])  # (B, 3 or 2, S, S)
        pred, target = out[:, :2], b[:, 1:3]
        losses = {"paired": config.paired_weight * chroma_loss(pred, target)}
        if config.edge_weight > 0:
            losses["edge"] = config.edge_weight * edge_loss(pred, target, b[:, :1])
        if confident and config.confidence_weight > 0:
            losses["confidence"] = config.confidence_weight * confidence_loss(pred, target, out[:, 2:3])
        loss = typing.cast(torch.Tensor, sum(losses.values()))
    opt.g.zero_grad(set_to_none=True)
    opt.scaler.scale(loss).backward()
    opt.scaler.step(opt.g)
    opt.scaler.update()
    return {**{k: v.item() for k, v in losses.items()}, "g": loss.item()}


def _requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


def cyclegan_step(
    nets: CycleGAN | SimpleNamespace,
    opt: Optimisers,
    pools: tuple[ImagePool, ImagePool],
    a: torch.Tensor,
    b: torch.Tensor,
    config: TrainConfig,
    generator: torch.Generator,
) -> dict[str, float]:
    """One optimiser step of both generators, then of both discriminators; returns the losses.

    `a` is (B, 1, S, S) luma of domain A, `b` (B, 4, S, S): Y'CbCr of domain B and the luma its
    colour is predicted from (`data.Crops`). `generator` drives the pools' draws, so a resumed
    run draws the same. With neither adversarial nor cycle losses only the pairs teach G_AB,
    and G_BA and the discriminators are not run at all (`paired_step`).
    """
    if config.gan_weight == 0 and config.cycle_weight == 0:
        return paired_step(nets.g_ab, opt, b, config)
    b, given = b[:, :3], b[:, 3:]  # (B, 3, S, S), (B, 1, S, S)
    cast = autocast(a.device, config.amp)
    cyc, idt = config.cycle_weight, config.cycle_weight * config.identity_weight
    _requires_grad(nets.d_a, False)
    _requires_grad(nets.d_b, False)
    with cast:
        fake_b = torch.cat([a, nets.g_ab(a)], dim=1)  # (B, 3, S, S): A's luma, predicted chroma
        rec_a = nets.g_ba(fake_b)  # (B, 1, S, S)
        fake_a = nets.g_ba(b)  # (B, 1, S, S): B in A's look
        rec_b = torch.cat([fake_a, nets.g_ab(fake_a)], dim=1)  # (B, 3, S, S)
        losses = {
            # the discriminators judge without joining DDP's gradient averaging: theirs are frozen here
            "g_gan": config.gan_weight
            * (
                lsgan_loss(distributed.unwrap(nets.d_b)(fake_b), True)
                + lsgan_loss(distributed.unwrap(nets.d_a)(fake_a), True)
            ),
            "cycle": cyc * (F.l1_loss(rec_a, a) + F.l1_loss(rec_b, b)),
        }
        if idt > 0 or config.paired_weight > 0:
            own = nets.g_ab(given)  # (B, 2, S, S): chroma from B's own luma
            if idt > 0:  # G_AB(b) = b is a chroma L1 (luma passes through); G_BA(a as colour) = a
                gray_a = torch.cat([a, torch.zeros_like(fake_b[:, 1:])], dim=1)  # (B, 3, S, S)
                losses["identity"] = idt * (F.l1_loss(own, b[:, 1:]) + F.l1_loss(nets.g_ba(gray_a), a))
            if config.paired_weight > 0:
                losses["paired"] = config.paired_weight * chroma_loss(own, b[:, 1:])
        loss_g = typing.cast(torch.Tensor, sum(losses.values()))
    opt.g.zero_grad(set_to_none=True)
    opt.scaler.scale(loss_g).backward()
    opt.scaler.step(opt.g)

    _requires_grad(nets.d_a, True)
    _requires_grad(nets.d_b, True)
    pool_a, pool_b = pools
    with cast:
        old_a = pool_a.query(fake_a.float(), generator)  # (B, 1, S, S), detached
        old_b = pool_b.query(fake_b.float(), generator)  # (B, 3, S, S), detached
        d_a = 0.5 * (lsgan_loss(nets.d_a(a), True) + lsgan_loss(nets.d_a(old_a), False))
        d_b = 0.5 * (lsgan_loss(nets.d_b(b), True) + lsgan_loss(nets.d_b(old_b), False))
    opt.d.zero_grad(set_to_none=True)
    opt.scaler.scale(d_a + d_b).backward()
    opt.scaler.step(opt.d)
    opt.scaler.update()
    out = {k: v.item() for k, v in losses.items()}
    out.update(g=loss_g.item(), d_a=d_a.item(), d_b=d_b.item())
    return out


RANK_SEED_STRIDE = 1_000_003  # process k draws crops from seed + k * this: rank 0 draws what one process would

RESUMABLE = {f.name for f in fields(TrainConfig) if f.metadata.get("resumable")}  # what a resumed run may change


@dataclass
class TrainResult:
    run: Path
    step: int  # the run's step at the end
    steps_run: int  # steps done by this call
    seconds: float

    @property
    def it_s(self) -> float:
        return self.steps_run / self.seconds if self.seconds > 0 else 0.0


def train(
    run: str | Path,
    config: TrainConfig,
    resume: bool = False,
    given: frozenset[str] | set[str] = frozenset(),
    overwrite: bool = False,
    progress: Progress | None = None,
    unchecked: bool = False,
) -> TrainResult:
    """Train (or, with `resume`, continue) the CycleGAN of run folder `run`.

    A resumed run keeps its stored settings; `given` names the settings the user set
    explicitly, and those outside RESUMABLE must agree with the stored ones. Its checkpoint
    must match the run's SHA256SUMS; `unchecked` takes one that has no sum as it is.
    """
    run = Path(run)
    ranks, device = distributed.setup(config.device)
    try:
        runs.check(run, resume, overwrite)
        with locked(run, "train") if ranks.main else nullcontext():  # rank 0 alone writes the run
            return _train(run, config, resume, given, overwrite, progress, ranks, device, unchecked)
    finally:
        distributed.teardown(ranks)


def _train(
    run: Path,
    config: TrainConfig,
    resume: bool,
    given,
    overwrite: bool,
    progress: Progress | None,
    ranks: distributed.Ranks,
    device: torch.device,
    unchecked: bool = False,
) -> TrainResult:
    distributed.barrier(ranks)  # every process has seen the folder as it was before rank 0 starts it
    state = runs.load_checkpoint(run, unchecked) if resume else None
    if state is not None:
        config = _resumed_config(run, _config_from_dict(state["config"]), config, given)
        if state["step"] >= config.steps:
            raise InputError(f"{run} is already at step {state['step']}; pass a larger --steps to go on")
        if state.get("world", 1) != ranks.world:
            raise InputError(
                f"{run} was trained by {state.get('world', 1)} processes; resume it with as many (torchrun --nproc-per-node)"
            )
    _check_settings(config)
    domain_a, domain_b = _domains(config)
    if state is None:
        torch.manual_seed(config.seed)
        nets = CycleGAN(_initial_generator(config.init), config.decolouriser, config.disc_width)
        if ranks.main:
            runs.start(run)  # only now that the settings, data and weights are known good
    else:
        nets = CycleGAN(Generator(GeneratorConfig(**state["g_ab_config"])), config.decolouriser, config.disc_width)
        nets.load_state_dict(state["nets"])
    distributed.barrier(ranks)
    nets.to(device).train()
    # What the step calls: each network in DDP when there are several processes (the same ones as `nets`).
    step_nets = SimpleNamespace(
        **{k: distributed.wrap(getattr(nets, k), ranks, device) for k in ("g_ab", "g_ba", "d_a", "d_b")}
    )
    opt = Optimisers.create(nets, config, device)
    # crops and pools, per process: saved, so a resume draws the same
    rng = torch.Generator().manual_seed(config.seed + RANK_SEED_STRIDE * ranks.rank)
    pools = (ImagePool(config.pool_size), ImagePool(config.pool_size))
    step = 0
    if state is not None:
        opt.g.load_state_dict(state["opt_g"])
        opt.d.load_state_dict(state["opt_d"])
        opt.scaler.load_state_dict(state["scaler"])
        own = state["ranks"][ranks.rank] if ranks.world > 1 else state
        pool_a, pool_b = (ImagePool(config.pool_size, [t.to(device) for t in images]) for images in own["pools"])
        pools = (pool_a, pool_b)
        rng.set_state(own["rng"])
        torch.set_rng_state(own["torch_rng"])
        step = state["step"]
        if ranks.main:
            runs.trim_log(run, step)
    preview = _preview_batch(domain_a, domain_b, config)
    first, t0 = step, time.perf_counter()
    with open(run / runs.LOG, "a") if ranks.main else nullcontext() as log_file:
        while step < config.steps:
            step += 1
            t_step = time.perf_counter()
            opt.set_lr(config.lr * config.lr_factor(step))
            a = domain_a.sample(config.batch_size, rng).to(device)  # (B, 1, S, S)
            b = domain_b.sample(config.batch_size, rng).to(device)  # (B, 4, S, S)
            losses = distributed.mean(cyclegan_step(step_nets, opt, pools, a, b, config, rng), ranks)
            seconds = time.perf_counter() - t_step
            if ranks.main:
                assert log_file is not None  # opened on the main rank
                log_file.write(
                    json.dumps(
                        {"step": step, **{k: round(v, 5) for k, v in losses.items()}, "it_s": round(1 / seconds, 3)}
                    )
                    + "\n"
                )
                log_file.flush()
                if step % config.preview_every == 0 or step == config.steps:
                    runs.write_png(run / runs.PREVIEWS / f"step-{step:06d}.png", _preview_grid(nets, *preview))
            if step % config.save_every == 0 or step == config.steps:
                _save(run, nets, opt, pools, rng, config, step, ranks)
            if progress and ranks.main:
                progress(
                    step, config.steps, " ".join(f"{k} {losses[k]:.4f}" for k in ("g", "d_a", "d_b") if k in losses)
                )
    distributed.barrier(ranks)
    return TrainResult(run=run, step=step, steps_run=step - first, seconds=time.perf_counter() - t0)


def _config_from_dict(d: dict) -> TrainConfig:
    return TrainConfig(**{**d, "decolouriser": DecolouriserConfig(**d["decolouriser"])})


def _resumed_config(
    run: Path, stored: TrainConfig, asked: TrainConfig, given: frozenset[str] | set[str]
) -> TrainConfig:
    """The stored settings, with the changes a resumed run may make; a clash is the user's to fix."""
    changes = {}
    for name in given:
        new, old = getattr(asked, name), getattr(stored, name)
        if name in RESUMABLE:
            changes[name] = new
        elif name in ("domain_a", "domain_b") and new and old and Path(new).resolve() == Path(old).resolve():
            continue
        elif new != old:
            flag = "--" + name.replace("_", "-")
            raise InputError(
                f"{run} was trained with {flag} {old or 'default'}; a resumed run keeps its settings (drop {flag}, or start over with --overwrite)"
            )
    return TrainConfig(**{**{f.name: getattr(stored, f.name) for f in fields(TrainConfig)}, **changes})


def _check_settings(config: TrainConfig) -> None:
    if config.steps < 1 or config.batch_size < 1 or config.size < 32 or config.load_size < 32:
        raise InputError("--steps and --batch-size must be at least 1, --size and --load-size at least 32")
    if config.paired_weight <= 0 and config.gan_weight <= 0 and config.cycle_weight <= 0:
        raise InputError(
            "every loss weight is 0: nothing would be learnt; give --paired-weight, --gan-weight or --cycle-weight"
        )
    if not 0 <= config.film_look <= 1 or not 0 <= config.video_look <= 1:
        raise InputError("--film-look and --video-look are shares of the pairs, from 0 to 1")
    if config.edge_weight < 0 or config.confidence_weight < 0:
        raise InputError("--edge-weight and --confidence-weight must be at least 0")
    if config.save_every < 1 or config.preview_every < 1:
        raise InputError("--save-every and --preview-every must be at least 1")
    check_amp(config.amp)


def _domains(config: TrainConfig) -> tuple[Crops, Crops]:
    """Domain A as luma crops, domain B as colour crops; counts what was skipped."""
    short = max(config.load_size, config.size)  # objects at the scale the render shows them to the model
    out = []
    for folder, colour, flag in (
        (config.domain_a, False, "--domain-a"),
        (config.domain_b or str(shipped_colour_set()), True, "--domain-b"),
    ):
        paths = list_pictures(inputs.folder(folder, flag))
        if not paths:
            raise InputError(f"{flag} {folder} holds no pictures (png, jpg, ...)")
        crops = Crops(
            paths,
            crop=config.size,
            short=short,
            colour=colour,
            source=f"{flag} {folder}",
            film_look=config.film_look,
            video_look=config.video_look,
        )
        if crops.skipped:
            log.warning("%s: skipped %d of %d files (unreadable, or under 32 px)", folder, crops.skipped, len(paths))
        out.append(crops)
    return out[0], out[1]


def _initial_generator(init: str) -> Generator:
    if init == "random":
        return Generator(GeneratorConfig())
    model, _ = load_weights(shipped_weights() if init == "shipped" else init)
    return model


def _preview_batch(a: Crops, b: Crops, config: TrainConfig, n: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """The same few crops at every preview, drawn apart from the training's random stream."""
    g = torch.Generator().manual_seed(config.seed + 1)
    return a.sample(n, g), b.sample(n, g)[:, :3]  # (n, 1, S, S), (n, 3, S, S)


@torch.no_grad()
def _preview_grid(nets: CycleGAN, a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """Rows of A | G_AB(A) | B | G_BA(B) | G_AB(G_BA(B)), as one (H, W, 3) uint8 RGB picture."""
    device = next(nets.parameters()).device
    a, b = a.to(device), b.to(device)
    fake_a = nets.g_ba(b)  # (n, 1, S, S)
    columns = [a, torch.cat([a, nets.g_ab(a)], 1), b, fake_a, torch.cat([fake_a, nets.g_ab(fake_a)], 1)]
    matrix = nets.g_ab.config.matrix

    def rgb(t: torch.Tensor) -> np.ndarray:  # (n, C, S, S) -> (n, S, S, 3) in [0, 1]
        x = t.float().cpu().numpy().transpose(0, 2, 3, 1)
        return np.repeat(x, 3, axis=-1) if x.shape[-1] == 1 else ycbcr_to_rgb(x, matrix)

    rows = np.concatenate([np.concatenate(list(rgb(c)), axis=0) for c in columns], axis=1)  # (n*S, 5*S, 3)
    return (np.clip(rows, 0, 1) * 255 + 0.5).astype(np.uint8)


def _save(
    run: Path,
    nets: CycleGAN,
    opt: Optimisers,
    pools,
    rng: torch.Generator,
    config: TrainConfig,
    step: int,
    ranks: distributed.Ranks,
) -> None:
    """Rank 0 writes the checkpoint and weights; with several processes, every process's own
    random streams and pools go in too (the networks and optimisers are the same on all)."""
    own = {
        "pools": [[t.cpu() for t in p.images] for p in pools],
        "rng": rng.get_state(),
        "torch_rng": torch.get_rng_state(),
    }
    every = distributed.gather(own, ranks)
    if not ranks.main:
        return
    state = {
        "step": step,
        "config": asdict(config),
        "g_ab_config": asdict(nets.g_ab.config),
        "nets": nets.state_dict(),
        "opt_g": opt.g.state_dict(),
        "opt_d": opt.d.state_dict(),
        "scaler": opt.scaler.state_dict(),
        "world": ranks.world,
        **own,
    }
    if ranks.world > 1:
        state["ranks"] = every
    meta = {"training": "cyclegan", "step": step, "paired_weight": config.paired_weight}
    runs.save_checkpoint(run, state, lambda path: save_weights(nets.g_ab, path, meta=meta))


@dataclass
class ConfidenceFitConfig:
    batches: int = 12  # batches of crops whose features are kept for the fit
    batch_size: int = 16  # crops per batch
    steps: int = 300  # Adam steps over the kept features
    lr: float = 1e-2  # Adam learning rate: the channel alone, so it can move fast
    seed: int = 0  # crops' seed


def fit_confidence_head(model: Generator, crops: Crops, config: ConfidenceFitConfig | None = None) -> Generator:
    """Fit the `confident` head's variance channel alone, the rest of the network frozen, by the
    likelihood of the chroma's error on `crops` (`confidence_loss`).

    Why apart: the channel is new, and a fine-tune at the learning rate the trained network
    needs moves its few weights little in the steps this CPU affords; fitted alone on the
    network's kept features it converges in a minute. Returns `model`, its head updated."""
    if model.config.head != "confident":
        raise ValueError("only the confident head has a variance channel")
    config = config or ConfidenceFitConfig()
    g = torch.Generator().manual_seed(config.seed)
    feats, errs = [], []
    model.eval()
    with torch.no_grad():
        for _ in range(config.batches):
            b = crops.sample(config.batch_size, g)  # (B, 4, S, S)
            f = model.features(b[:, 3:])  # (B, C, S/2, S/2)
            err = ((model(b[:, 3:], detail=True)[:, :2] - b[:, 1:3]) ** 2).mean(1, keepdim=True)  # (B, 1, S, S)
            feats.append(f)
            errs.append(F.interpolate(err, size=f.shape[-2:], mode="area"))  # (B, 1, S/2, S/2)
    conv = nn.Conv2d(feats[0].shape[1], 1, 3, padding=1)
    assert model.head.bias is not None and conv.bias is not None  # both made with a bias
    with torch.no_grad():
        conv.weight.copy_(model.head.weight[3:4])
        conv.bias.copy_(model.head.bias[3:4])
    opt = torch.optim.Adam(conv.parameters(), lr=config.lr)
    for step in range(config.steps):
        i = step % len(feats)
        log_var = conv(feats[i]).clamp(-14.0, 4.0)  # (B, 1, S/2, S/2)
        loss = (errs[i] * torch.exp(-log_var) + log_var).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        model.head.weight[3:4].copy_(conv.weight)
        model.head.bias[3:4].copy_(conv.bias)
    return model
