"""`filmcolor render`: colour a whole film, or a preview of it, into a new file.

Checks everything it can before any work (input, output, settings, the weights), then renders
in one of two ways, both through the same stage graph (`filmcolor.renderer`):

- one pass, straight into the output (a preview, or `segments.seconds=None`);
- in segments kept in a work folder beside the output (`filmcolor.segments`), here or on a
  Ray cluster (`filmcolor.cluster`), joined by stream copy at the end; an interrupted render
  goes on from its last complete segment.

Either way the output is written under a temporary name and renamed only once complete.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import media, segments
from .assets import weights_path
from .cluster import render_segments_on_ray
from .devices import pick_device
from .encoding import EncodeConfig
from .errors import FilmcolorError, InputError
from .inference import InferenceConfig, load_model
from .outputs import atomic_output, check_output, locked
from .progress import Progress
from .renderer import Renderer
from .segments import SegmentConfig
from .settings import output_settings, setting
from .temporal import SmoothConfig
from .writer import FilmWriter, join

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderConfig:
    inference: InferenceConfig = setting(factory=InferenceConfig)
    encode: EncodeConfig = setting(factory=EncodeConfig)
    smooth: SmoothConfig = setting(factory=SmoothConfig)
    segments: SegmentConfig = setting(factory=SegmentConfig)
    start: float = setting(0.0, "Seconds into the film to start from (a preview).")
    duration: float | None = setting(None, "Seconds to render from --start (default: to the end).")
    damaged: str = setting("stop", "Where the film is damaged (undecodable, frames missing): stop with a message, or skip what is lost and say what.", choices=media.DAMAGED_CHOICES)
    overwrite: bool = setting(False, "Replace the output if it exists.", runtime=True)
    queue_depth: int = setting(2, "Chunks of batch_size frames waiting between two stages: bounds memory.", runtime=True)


@dataclass
class RenderResult:
    output: Path
    frames: int
    seconds: float
    cuts: list[int]  # frames (0-based, in the render) where a new shot starts
    reused_frames: int = 0  # frames an interrupted run had rendered, taken from its work folder
    damage: list[media.Damage] = field(default_factory=list)  # stretches of the film skipped as damaged (`damaged="skip"`)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # busy time of each stage (they overlap, so these add up to more than `seconds`)

    @property
    def fps(self) -> float:
        """Frames rendered by this run per second."""
        return (self.frames - self.reused_frames) / self.seconds if self.seconds > 0 else 0.0


def check_config(config: RenderConfig) -> None:
    """InputError for settings no render can use, before any work."""
    config.inference.check()
    if config.start < 0 or (config.duration is not None and config.duration <= 0):
        raise InputError("--start must be >= 0 and --duration > 0")
    if not 0 <= config.smooth.strength <= 1:
        raise InputError("--smooth-strength must be between 0 and 1")
    if config.segments.seconds is not None and config.segments.seconds <= 0:
        raise InputError("--segment-seconds must be more than 0")


def render(source: str | Path, output: str | Path, config: RenderConfig, progress: Progress | None = None) -> RenderResult:
    """Colour `source` into `output`. Raises FilmcolorError subclasses for what the user can fix;
    the output path is untouched unless the whole film rendered.

    A whole film renders in segments (`config.segments`) kept in a work folder beside the
    output until the end, so the same call after an interruption goes on from the last
    complete segment; a preview (`start`, `duration`) or `segments.seconds=None` is one pass.
    Everything that can be checked is checked before the first frame is decoded: the input,
    the output's container and encoder, the settings and the weights. One render at a time
    writes an output (`outputs.locked`).
    """
    source = media.check_input(source)
    output = check_output(output, config.overwrite, inputs=(source,))
    check_config(config)
    one_pass = config.segments.seconds is None or config.start > 0 or config.duration is not None
    if not one_pass and segments.segment_suffix(output) is None:
        if config.segments.ray:
            raise InputError(f"--ray renders in segments, which a {output.suffix} file cannot be joined from; write .mp4, .mkv or .mov")
        log.warning("a %s file renders in one pass: an interrupted render starts again (write .mp4, .mkv or .mov to render in resumable segments)", output.suffix)
        one_pass = True
    if one_pass and config.segments.ray:
        raise InputError("--ray renders whole films in segments; leave out --start, --duration and --segment-seconds 0")
    config = replace(config, inference=replace(config.inference, weights=weights_path(config.inference.weights)))  # resolved once
    model = load_model(config.inference.weights, pick_device(config.inference.device))  # a wrong file is refused before any work
    t0 = time.perf_counter()
    with locked(output, "render"), media.open_film(source) as container:
        info = media.film_info(container)
        FilmWriter.check(output, container, info, config.encode)
        if one_pass:
            return _one_pass(container, info, output, config, Renderer(info, config.inference, config.encode, config.smooth, model, config.queue_depth), progress, t0)
        FilmWriter.check(output.with_suffix(segments.segment_suffix(output)), container, info, config.encode, copy_streams=False)  # the segments' files
        times, keyframes = media.video_times(container)
        return _segmented(source, output, config, info, times, keyframes, model, progress, t0)


def _segmented(source: Path, output: Path, config: RenderConfig, info: media.FilmInfo, times: list[int], keyframes: list[int], model, progress: Progress | None, t0: float) -> RenderResult:
    """Render the film in segments kept in a work folder, then join them into `output`."""
    plan = segments.plan(times, keyframes, info.time_base, config.segments.seconds)
    work = segments.WorkFolder(output, segments.manifest(source, output_settings(config), plan), config.segments.restart)
    reused = sum(s.frames for s in plan if work.done(s))
    try:
        if config.segments.ray:
            configs = (config.inference, config.encode, config.smooth)
            busy = render_segments_on_ray(config.segments.ray, source, work, plan, info, config.damaged, configs, progress)
        else:

            def make_renderer() -> Renderer:
                return Renderer(info, config.inference, config.encode, config.smooth, model, config.queue_depth)

            busy = segments.render_segments(source, work, plan, make_renderer, config.damaged, progress)
        t = time.perf_counter()
        with atomic_output(output) as tmp:
            join(source, [work.part(s) for s in plan], tmp, info)
        busy["join"] = time.perf_counter() - t
    except FilmcolorError:
        work.remove()  # the film or the settings are at fault: running again would fail the same way
        raise
    ends = [work.load(s) for s in plan]
    work.remove()
    cuts = sorted(cut for _, seg_cuts, _, _ in ends for cut in seg_cuts)
    frames = sum(n for _, _, n, _ in ends)
    damage = [d for *_, seg_damage in ends for d in seg_damage]
    return RenderResult(output=output, frames=frames, seconds=time.perf_counter() - t0, cuts=cuts, reused_frames=reused, damage=damage, stage_seconds=busy)


def _one_pass(container, info: media.FilmInfo, output: Path, config: RenderConfig, renderer: Renderer, progress: Progress | None, t0: float) -> RenderResult:
    """Render the film, or the preview `config` asks for, straight into `output`."""
    tb = info.time_base
    start = media.seconds_to_pts(config.start, tb) if config.start > 0 else None
    end = None if config.duration is None else media.seconds_to_pts(config.start + config.duration, tb)
    expected = info.frames if config.duration is None else max(1, round(config.duration * float(info.rate)))
    done, damage = 0, []

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, max(expected, done + 1))  # the count may be an estimate: never done before the end

    items = media.read(container, start, end, packets=True, rebase=start is not None, damaged=config.damaged, notes=damage)
    with atomic_output(output) as tmp:
        with renderer.writer(tmp, container) as writer:
            cuts = renderer.run(items, writer, renderer.smoother(), advance)
            t = time.perf_counter()
        renderer.busy["encode"] += time.perf_counter() - t  # the encoder's flush, as the writer closed
    if progress:
        progress(done, done)
    return RenderResult(output=output, frames=done, seconds=time.perf_counter() - t0, cuts=cuts, damage=damage, stage_seconds=renderer.busy)
