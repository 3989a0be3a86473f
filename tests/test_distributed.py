"""Training with DistributedDataParallel on the CPU: two processes (gloo), as torchrun starts them."""

import os
import socket
import subprocess
import sys
from dataclasses import asdict, replace

import pytest
import torch
import torch.multiprocessing as mp
from test_train import _pictures

from filmcolor.errors import InputError
from filmcolor.training.gan import DecolouriserConfig
from filmcolor.training.train import TrainConfig, train

pytestmark = pytest.mark.slow  # torchrun processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, run: str, config: dict, resume: bool, out: str) -> None:
    """One process of a torchrun-like launch: the environment torchrun sets, then `train`."""
    os.environ.update(
        RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    )
    torch.set_num_threads(1)
    config = TrainConfig(**{**config, "decolouriser": DecolouriserConfig(**config["decolouriser"])})
    # the networks as this process ends with them, to check every process holds the same
    train(run, config, resume=resume, given={"steps"} if resume else set(), progress=lambda step, total, losses: None)
    state = torch.load(os.path.join(run, "checkpoint.pt"), weights_only=True)
    torch.save(state["nets"], os.path.join(out, f"rank{rank}.pt"))


def _launch(run, config, tmp_path, resume=False, world=2):
    mp.spawn(
        _worker, args=(world, _free_port(), str(run), asdict(config), resume, str(tmp_path)), nprocs=world, join=True
    )


@pytest.fixture
def tiny(tmp_path, tiny_weights):
    a, b = _pictures(tmp_path / "A", 4, False), _pictures(tmp_path / "B", 4, True, seed=1)
    return TrainConfig(
        domain_a=str(a),
        domain_b=str(b),
        steps=4,
        batch_size=2,
        size=32,
        init=str(tiny_weights),
        decolouriser=DecolouriserConfig(base=4, blocks=1),
        disc_width=8,
        save_every=2,
        preview_every=2,
    )


def test_two_processes_train_in_step_and_resume_exactly(tmp_path, tiny):
    once, twice = tmp_path / "once", tmp_path / "twice"
    _launch(once, tiny, tmp_path)
    a = torch.load(once / "checkpoint.pt", weights_only=True)
    assert a["step"] == 4 and a["world"] == 2 and len(a["ranks"]) == 2
    assert a["ranks"][0]["rng"].tolist() != a["ranks"][1]["rng"].tolist()  # each process drew its own crops
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert all(torch.equal(r0[k], r1[k]) for k in r0)  # DDP kept both processes' networks the same
    assert len((once / "log.jsonl").read_text().splitlines()) == 4  # rank 0 alone writes
    assert sorted(p.name for p in (once / "previews").iterdir()) == ["step-000002.png", "step-000004.png"]

    _launch(twice, replace(tiny, steps=2), tmp_path)
    _launch(twice, tiny, tmp_path, resume=True)
    b = torch.load(twice / "checkpoint.pt", weights_only=True)
    assert all(torch.equal(a["nets"][k], b["nets"][k]) for k in a["nets"])  # 2 + 2 resumed == 4 at once
    assert len((twice / "log.jsonl").read_text().splitlines()) == 4

    with pytest.raises(InputError, match="was trained by 2 processes; resume it with as many"):
        train(twice, replace(tiny, steps=6), resume=True, given={"steps"})


def test_torchrun_runs_the_command_line(tmp_path):
    a, b = _pictures(tmp_path / "A", 4, False), _pictures(tmp_path / "B", 4, True, seed=1)
    run = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-port",
        str(_free_port()),
        "-m",
        "filmcolor",
        "train",
    ]
    args = [
        "--domain-a",
        a,
        "--domain-b",
        b,
        "-o",
        run,
        "--steps",
        "2",
        "--size",
        "32",
        "--batch-size",
        "1",
        "--init",
        "random",
        "--save-every",
        "1",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd + [str(x) for x in args], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    state = torch.load(run / "checkpoint.pt", weights_only=True)
    assert state["step"] == 2 and state["world"] == 2
    assert (run / "weights.pt").is_file()
    assert done.stderr.count("trained 2 steps") == 1  # one summary, from rank 0 (the console is stderr)
