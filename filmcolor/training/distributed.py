"""Training on several processes under torchrun: one per GPU (NCCL), or per CPU share (gloo).

    torchrun --nproc-per-node N -m filmcolor train ...

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; without them training is one process and
nothing here does anything. Each process draws its own crops (its own random stream), the
networks are wrapped in DistributedDataParallel so gradients are averaged across processes at
every step, and only rank 0 writes the run folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..devices import pick_device


@dataclass(frozen=True)
class Ranks:
    rank: int = 0  # this process
    world: int = 1  # processes in all

    @property
    def main(self) -> bool:
        """The process that writes files and shows progress."""
        return self.rank == 0


def setup(device_name: str) -> tuple[Ranks, torch.device]:
    """Join the process group torchrun describes (if any); this process's ranks and device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    device = pick_device(device_name)
    if world <= 1:
        return Ranks(), device
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Ranks(dist.get_rank(), dist.get_world_size()), device


def wrap(module: nn.Module, ranks: Ranks, device: torch.device) -> nn.Module:
    """`module` in DistributedDataParallel when there are several processes, else as it is."""
    if ranks.world == 1:
        return module
    return DistributedDataParallel(
        module, device_ids=[device] if device.type == "cuda" else None, broadcast_buffers=False
    )


def unwrap(module: nn.Module) -> nn.Module:
    """The network inside a DDP wrapper: calling it computes without taking part in the
    gradient averaging (a discriminator scoring fakes for the generators' loss)."""
    return module.module if isinstance(module, DistributedDataParallel) else module


def barrier(ranks: Ranks) -> None:
    if ranks.world > 1:
        dist.barrier()


def gather(obj: object, ranks: Ranks) -> list:
    """Every process's `obj`, in rank order (on every process)."""
    if ranks.world == 1:
        return [obj]
    out: list = [None] * ranks.world
    dist.all_gather_object(out, obj)
    return out


def mean(values: dict[str, float], ranks: Ranks) -> dict[str, float]:
    """Each value averaged over the processes (the losses the log shows)."""
    if ranks.world == 1:
        return values
    t = torch.tensor(list(values.values()), dtype=torch.float64)
    dist.all_reduce(t)
    return {k: float(v) / ranks.world for k, v in zip(values, t, strict=True)}


def teardown(ranks: Ranks) -> None:
    if ranks.world > 1 and dist.is_initialized():
        dist.destroy_process_group()
