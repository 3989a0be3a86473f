"""Benchmark of the command line's start-up: how soon `filmcolor` answers when there is no work.

    python pipelines/bench_startup.py [--runs 11]

Each command runs `--runs` times in a fresh `python -m filmcolor` process (the installed
`filmcolor` script does the same, less pyenv's shim where there is one); the table gives the
fastest and the median wall time, and the fastest CPU time (user + system, what a busy machine
spreads out). Python alone is the floor: what any Python command takes before its first
import. The bar (issue 31): a missing film answered in under 0.5 s, `--help` well under a
second. The heavy libraries (torch, OpenCV, SciPy, ONNX Runtime, the studio's server) load
only when a command starts its work: tests/test_cli.py checks that none is loaded here.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commands(tmp: Path) -> dict[str, list[str]]:
    film = tmp / "nonexistent.mp4"
    python = [sys.executable]
    return {
        "python alone": [*python, "-c", "pass"],
        "filmcolor --help": [*python, "-m", "filmcolor", "--help"],
        "filmcolor render --help": [*python, "-m", "filmcolor", "render", "--help"],
        "filmcolor render MISSING -o x.mp4": [
            *python,
            "-m",
            "filmcolor",
            "render",
            str(film),
            "-o",
            str(tmp / "x.mp4"),
        ],
        "filmcolor keyframes MISSING -o keys": [
            *python,
            "-m",
            "filmcolor",
            "keyframes",
            str(film),
            "-o",
            str(tmp / "k"),
        ],
        "filmcolor colorize MISSING -o out": [
            *python,
            "-m",
            "filmcolor",
            "colorize",
            str(tmp / "x.png"),
            "-o",
            str(tmp / "c"),
        ],
        "filmcolor studio MISSING": [*python, "-m", "filmcolor", "studio", str(film)],
        "import torch (for scale)": [*python, "-c", "import torch"],
    }


def time_once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one run of `argv` in `cwd` (not a checkout: `python -m` looks there first)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the filmcolor tree to time (another: before and after)"
    )
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.checkout)}  # this checkout, not an installed filmcolor
    with tempfile.TemporaryDirectory() as tmp:
        print("| command | fastest s | median s | fastest CPU s |")
        print("|---|---|---|---|")
        for name, argv in commands(Path(tmp)).items():
            time_once(argv, env, Path(tmp))  # the files in the page cache, as for a user's second command
            runs = [time_once(argv, env, Path(tmp)) for _ in range(args.runs)]
            walls = [w for w, _ in runs]
            print(
                f"| `{name}` | {min(walls):.2f} | {statistics.median(walls):.2f} | {min(c for _, c in runs):.2f} |",
                flush=True,
            )
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
