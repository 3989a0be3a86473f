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

import json
import logging
import math
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import media, segments
from .assets import weights_path
from .cluster import render_segments_on_ray, require_ray
from .configs import RenderConfig as RenderConfig  # defined with the CLI's light settings; imported from here too
from .devices import pick_device
from .errors import DecodeError, FilmcolorError, InputError
from .guidance import guide
from .guidance.cuts import check_threshold
from .guidance.guide import FilmToGuide, Guidance, Plan
from .guidance.shots import ShotList, find_shots
from .inference import load_model, working_size
from .media.writer import FilmWriter, join
from .outputs import atomic_output, check_output, locked
from .progress import Progress
from .renderer import Renderer
from .settings import output_settings

log = logging.getLogger(__name__)


@dataclass
class RenderResult:
    output: Path
    frames: int
    seconds: float
    cuts: list[int]  # frames (0-based, in the render) where a new shot starts
    reused_frames: int = 0  # frames an interrupted run had rendered, taken from its work folder
    # stretches of the film skipped as damaged (`damaged="skip"`)
    damage: list[media.Damage] = field(default_factory=list)
    guide_seconds: dict[str, float] = field(default_factory=dict)  # a guided render's preparation: finding the shots
    # keyframes left gray, not used: their shots got the automatic colour (`guide.Plan.unused`)
    uncoloured_keyframes: list[Path] = field(default_factory=list)
    # a guided render's shots the guidance left, which got the automatic colour (`guide.Plan.unguided`):
    # (first frame, last frame, start s, end s), those the render covers
    unkeyed_shots: list[tuple[int, int, float, float]] = field(default_factory=list)
    # a guided render's shots coloured from another shot's guidance (`guide.Plan.lent`: the keyframes
    # mode's camera setups): (first frame, last frame, the frame lent from), those the render covers
    borrowed_shots: list[tuple[int, int, int]] = field(default_factory=list)
    # busy time of each stage (they overlap, so these add up to more than `seconds`)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        """Frames rendered by this run per second."""
        return (self.frames - self.reused_frames) / self.seconds if self.seconds > 0 else 0.0

    def borrowing(self, listed: int = 8) -> str:
        """The borrowed shots in words, the first `listed` by their frames ('' when none): what
        the command line's summary and the studio's say."""
        if not self.borrowed_shots:
            return ""
        spans = "; ".join(f"{a}-{b} from frame {k}" for a, b, k in self.borrowed_shots[:listed])
        more = f" and {len(self.borrowed_shots) - listed} more" if len(self.borrowed_shots) > listed else ""
        n = len(self.borrowed_shots)
        return f"{n} shot{'s' if n > 1 else ''} took colour from a painted shot of their camera setup: frames {spans}{more}"


def check_config(config: RenderConfig) -> None:
    """InputError for settings no render can use, before any work."""
    config.inference.check()
    config.guide.check()
    if config.start < 0 or (config.duration is not None and config.duration <= 0):
        raise InputError("--start must be >= 0 and --duration > 0")
    if not 0 <= config.smooth.strength <= 1:
        raise InputError("--smooth-strength must be between 0 and 1")
    if config.segments.seconds is not None and not 0 < config.segments.seconds < math.inf:
        raise InputError("--segment-seconds must be a number of seconds more than 0 (or 0 for one pass)")
    check_threshold(config.smooth.scene_threshold, "--scene-threshold")


def render(
    source: str | Path, output: str | Path, config: RenderConfig, progress: Progress | None = None
) -> RenderResult:
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
    media.choose_stream(source, config.stream)
    mode = guide.asked(config.guide)  # None: the automatic colour
    one_pass = config.segments.seconds is None or config.start > 0 or config.duration is not None
    if not one_pass and segments.segment_suffix(output) is None:
        if config.segments.ray:
            raise InputError(
                f"--ray renders in segments, which a {output.suffix} file cannot be joined from; write .mp4, .mkv or .mov"
            )
        log.warning(
            "a %s file renders in one pass: an interrupted render starts again (write .mp4, .mkv or .mov to render in resumable segments)",
            output.suffix,
        )
        one_pass = True
    if one_pass and config.segments.ray:
        raise InputError("--ray renders whole films in segments; leave out --start, --duration and --segment-seconds 0")
    # resolved once
    config = replace(config, inference=replace(config.inference, weights=weights_path(config.inference.weights)))
    # a wrong file is refused before any work
    model = load_model(config.inference.weights, pick_device(config.inference.device))
    t0 = time.perf_counter()
    with locked(output, "render"):
        with media.open_film(source) as container:
            info = media.film_info(container)
            FilmWriter.check(output, container, info, config.encode)
            if not one_pass:
                FilmWriter.check(
                    output.with_suffix(segments.segment_suffix(output) or output.suffix),  # not None: not one pass
                    container,
                    info,
                    config.encode,
                    copy_streams=False,
                )  # the segments' files
            times, sync = media.video_times(container) if not one_pass or mode else ([], [])
        try:
            if one_pass:
                return _one_pass(source, info, output, config, model, times, progress, t0)
            return _segmented(source, output, config, info, times, sync, model, progress, t0)
        except DecodeError as exc:
            # the guide's own read of the film
            if mode and config.damaged == "skip" and media.SKIP_ADVICE not in str(exc):
                raise DecodeError(
                    f"{exc}; {mode.option} numbers the film's frames, so it cannot skip what is lost: repair the film, or render without {mode.option}"
                ) from None
            raise


def _guidance(
    source: Path,
    info: media.FilmInfo,
    config: RenderConfig,
    model,
    times: list[int],
    progress: Progress | None,
    work: segments.WorkFolder | None = None,
) -> Plan | None:
    """The render's guidance, settled before the long pass (`guide.prepare`; None: the automatic
    colour). A guided render numbers every frame of the film, so its shots skip none."""
    film = FilmToGuide(
        source,
        info,
        times,
        working_size(info.width, info.height, config.inference.model_size),
        model.config.matrix,
        config.smooth,
        lambda: _shots(source, config, progress, work, None),
        model,
        config.inference,
    )
    return guide.prepare(film, config.guide, progress)


def _shots(
    source: Path, config: RenderConfig, progress: Progress | None, work: segments.WorkFolder | None, damaged: str | None
) -> ShotList:
    """The film's shots (`shots.find_shots`), kept in a segmented render's work folder."""
    cached = work.path / "shots.json" if work else None
    if cached and cached.is_file():
        return ShotList(**json.loads(cached.read_text()))
    shot_list = find_shots(source, config.smooth.scene_threshold, progress, damaged)
    if cached:
        with atomic_output(cached) as tmp:
            tmp.write_text(json.dumps({"cuts": shot_list.cuts, "frames": shot_list.frames}))
    return shot_list


def _unguided(
    plan: Plan | None, times: list[int], info: media.FilmInfo, first: int, end: int
) -> list[tuple[int, int, float, float]]:
    """The shots of frames `first` to `end` (exclusive) that `plan` leaves to the automatic
    colour, with their times (`RenderResult.unkeyed_shots`)."""
    if plan is None:
        return []
    tb = info.time_base  # the film's own timestamps, in s
    return [(a, b, float(times[a] * tb), float(times[b] * tb)) for a, b in plan.unguided() if a < end and b >= first]


def _lent(plan: Plan | None, first: int, end: int) -> list[tuple[int, int, int]]:
    """The shots of frames `first` to `end` (exclusive) that `plan` colours from another shot's
    guidance (`RenderResult.borrowed_shots`)."""
    if plan is None:
        return []
    return [(a, b, lender) for a, b, lender in plan.lent() if a < end and b >= first]


def _segmented(
    source: Path,
    output: Path,
    config: RenderConfig,
    info: media.FilmInfo,
    times: list[int],
    sync: list[int],
    model,
    progress: Progress | None,
    t0: float,
) -> RenderResult:
    """Render the film in segments kept in a work folder, then join them into `output`."""
    assert config.segments.seconds is not None  # else the render is one pass
    if config.segments.ray:
        require_ray()  # before any work
    parts = segments.divide(times, sync, info.time_base, config.segments.seconds)
    work = segments.WorkFolder(
        output, segments.manifest(source, output_settings(config), parts), config.segments.restart
    )
    reused = sum(s.frames for s in parts if work.done(s))
    try:
        plan = _guidance(source, info, config, model, times, progress, work)
        cuts = plan.cuts if plan else _shots(source, config, progress, work, config.damaged).cuts
        if config.segments.ray:
            configs = (config.inference, config.encode, config.smooth)
            busy = render_segments_on_ray(
                config.segments.ray, source, work, parts, info, config.damaged, configs, plan, progress, cuts
            )
        else:

            def make_renderer() -> Renderer:
                return Renderer(
                    info, config.inference, config.encode, config.smooth, model, config.queue_depth, plan is not None
                )

            make_guide: Callable[[], Guidance] | None = plan.guide if plan else None
            busy = segments.render_segments(
                source, work, parts, make_renderer, config.damaged, progress, make_guide, cuts
            )
        t = time.perf_counter()
        with atomic_output(output) as tmp:
            join(source, [work.part(s) for s in parts], tmp, info)
        busy["join"] = time.perf_counter() - t
    except FilmcolorError:
        work.remove()  # the film or the settings are at fault: running again would fail the same way
        raise
    ends = [work.load(s) for s in parts]
    work.remove()
    frames = sum(n for _, _, n, _ in ends)
    damage = [d for *_, seg_damage in ends for d in seg_damage]
    return RenderResult(
        output=output,
        frames=frames,
        seconds=time.perf_counter() - t0,
        cuts=cuts,
        reused_frames=reused,
        damage=damage,
        guide_seconds=plan.seconds if plan else {},
        uncoloured_keyframes=plan.unused if plan else [],
        unkeyed_shots=_unguided(plan, times, info, 0, len(times)),
        borrowed_shots=_lent(plan, 0, len(times)),
        stage_seconds=busy,
    )


def _one_pass(
    source: Path,
    info: media.FilmInfo,
    output: Path,
    config: RenderConfig,
    model,
    times: list[int],
    progress: Progress | None,
    t0: float,
) -> RenderResult:
    """Render the film, or the preview `config` asks for, straight into `output`."""
    tb = info.time_base
    start = media.seconds_to_pts(config.start, tb) if config.start > 0 else None
    end = None if config.duration is None else media.seconds_to_pts(config.start + config.duration, tb)
    expected = info.frames if config.duration is None else max(1, round(config.duration * float(info.rate)))
    done = 0
    damage: list[media.Damage] = []
    first = bisect_left(times, start) if start is not None and times else 0  # the film's number of the first frame
    plan = _guidance(source, info, config, model, times, progress)
    frame_guide = plan.guide() if plan else None
    renderer = Renderer(
        info, config.inference, config.encode, config.smooth, model, config.queue_depth, plan is not None
    )
    smoother = renderer.smoother(frame_guide, first)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, max(expected, done + 1))  # the count may be an estimate: never done before the end

    with media.open_film(source) as container, atomic_output(output) as tmp:
        items = media.read_with_packets(
            container,
            start,
            end,
            first_index=first,
            rebase=start is not None,
            damaged=config.damaged,
            notes=damage,
        )
        with renderer.writer(tmp, container) as writer:
            cuts = renderer.run(items, writer, smoother, advance, frame_guide)
            t = time.perf_counter()
        renderer.busy["encode"] += time.perf_counter() - t  # the encoder's flush, as the writer closed
    if progress:
        progress(done, done)
    return RenderResult(
        output=output,
        frames=done,
        seconds=time.perf_counter() - t0,
        cuts=cuts,
        damage=damage,
        guide_seconds=plan.seconds if plan else {},
        uncoloured_keyframes=plan.unused if plan else [],
        unkeyed_shots=_unguided(plan, times, info, first, first + done),
        borrowed_shots=_lent(plan, first, first + done),
        stage_seconds=renderer.busy,
    )
