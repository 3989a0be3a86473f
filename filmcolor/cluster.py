"""Render on a Ray cluster: each missing segment is a Ray task, on a GPU where the cluster has
them and a CPU otherwise, retried when a worker dies; the driver joins the results.

Every node needs filmcolor installed and must see the film and the output's folder at the same
paths (a shared file system; one machine with `--ray local` trivially does). Each task starts
its smoothing afresh, since segments render at the same time: colour may change slightly at a
segment join, where the single-process render carries the smoothing on.
"""

from __future__ import annotations

import time
from pathlib import Path

from .errors import FilmcolorError, InputError
from .guidance.guide import Plan
from .inference import InferenceConfig
from .media import FilmInfo
from .media.encoding import EncodeConfig
from .progress import Progress
from .renderer import Renderer
from .segments import Segment, WorkFolder, render_segment
from .temporal import SmoothConfig

RETRIES = 3  # times a segment is tried again after its worker died or a GPU ran out of memory


def _segment_task(
    source: str,
    work: str,
    suffix: str,
    segment: Segment,
    info: FilmInfo,
    damaged: str,
    plan: Plan | None,
    cuts: list[int],
    inference: InferenceConfig,
    encode: EncodeConfig,
    smooth: SmoothConfig,
) -> dict[str, float]:
    """One segment, in a Ray worker: returns its stages' busy seconds. A guided render's worker
    makes its guide from the plan (the keyframes read there) and follows it to its segment's start."""
    folder = WorkFolder.attach(Path(work), suffix)
    renderer = Renderer(info, inference, encode, smooth, guided=plan is not None)
    guide = plan.guide() if plan else None
    render_segment(Path(source), folder, segment, renderer, state=None, damaged=damaged, guide=guide, cuts=cuts)
    return renderer.busy


def require_ray():
    """The `ray` module; InputError saying how to install it where it is missing (checked
    before any work starts)."""
    try:
        import ray
    except ImportError:
        raise InputError("--ray needs Ray: pip install 'filmcolor[ray]'") from None
    return ray


def render_segments_on_ray(
    address: str,
    source: Path,
    work: WorkFolder,
    segments: list[Segment],
    info: FilmInfo,
    damaged: str,
    configs: tuple[InferenceConfig, EncodeConfig, SmoothConfig],
    plan: Plan | None,
    progress: Progress | None,
    cuts: list[int],
) -> dict[str, float]:
    """Render the missing `segments` as Ray tasks on the cluster at `address` ("local"
    starts one on this machine), each building its own `Renderer` from `configs` and its guide
    from `plan` (`guide.Plan`: a guided render's); returns the stages' busy seconds summed over
    the tasks. `cuts`: the film's, found before."""
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(
                address=None if address == "local" else address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise InputError(
                f"--ray {address}: cannot reach a Ray cluster there ({str(exc).splitlines()[0]}); give its address, or 'local'"
            ) from None
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        retried = [OSError, RuntimeError]  # the errors a segment is tried again after
        # Ray takes a list of exceptions here (remote_function.py), though its hint says bool
        task = ray.remote(num_gpus=1 if gpus else 0, max_retries=RETRIES, retry_exceptions=retried)(  # type: ignore[call-overload]
            _segment_task
        )
        total = sum(s.frames for s in segments)
        done = sum(s.frames for s in segments if work.done(s))
        if progress and done:
            progress(done, total)
        pending = {
            task.remote(str(source), str(work.path), work.suffix, s, info, damaged, plan, cuts, *configs): s
            for s in segments
            if not work.done(s)
        }
        busy: dict[str, float] = {}
        t0 = time.perf_counter()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            segment = pending.pop(ready[0])
            try:
                result = ray.get(ready[0])
            except ray.exceptions.RayTaskError as exc:
                for ref in pending:
                    ray.cancel(ref)
                cause = getattr(exc, "cause", None)
                if isinstance(cause, FilmcolorError):  # the film's fault, not the worker's: one line for the user
                    raise cause from None
                raise
            for k, v in result.items():
                busy[k] = busy.get(k, 0.0) + v
            done += segment.frames
            if progress:
                progress(done, total)
        busy["cluster_wall"] = time.perf_counter() - t0
        return busy
    finally:
        if started:
            ray.shutdown()
