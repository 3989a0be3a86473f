"""The command line: parse, call the library, show progress, and turn known errors into one line.

Commands only fill a config and call a plain function. Their options are made from the config
dataclasses' fields (`config_options`), so each default and help text is written once, in the
library; everything user-facing (the stderr console, progress bars, messages) lives here and
nowhere else.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import threading
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .errors import FilmcolorError
from .media.encoding import EncodeConfig
from .settings import Bounds

if typing.TYPE_CHECKING:
    from _typeshed import DataclassInstance

console = Console(stderr=True, highlight=False, soft_wrap=True)  # one message, one line, whatever the width
C = typing.TypeVar("C", bound="DataclassInstance")  # a config dataclass


class _RateColumn(ProgressColumn):
    """Items per second over the last few seconds, e.g. '23.4 fps'."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} {self.unit}" if task.speed else f"- {self.unit}", style="cyan")


@contextmanager
def progress_bar(label: str, unit: str) -> Iterator[Callable[..., None]]:
    """A rich bar on stderr; yields the `progress(done, total, info="")` callback the library
    calls (`filmcolor.progress.Progress`; `info`: a short text after the ETA, e.g. the losses).

    The bar appears at the first callback, so input checks that fail first print only their error.
    """
    columns = [
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
    ]
    bar = Progress(*columns, console=console)
    task = bar.add_task(label, total=None, info="")

    def update(done: int, total: int, info: str = "") -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total, info=info)

    try:
        yield update
    finally:
        if bar.live.is_started:  # stopping a bar never shown would print an empty line
            bar.stop()


class _ConsoleHandler(logging.Handler):
    """Library warnings (an audio stream transcoded, a subtitle left out) and notes (which of a
    film's video streams is read) as one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        label = "[yellow]warning:[/]" if record.levelno >= logging.WARNING else "note:"
        console.print(f"{label} {escape(record.getMessage())}")


def config_options(*classes: type, exclude: tuple[str, ...] = (), prefix: str = "") -> Callable:
    """A decorator adding one option per field of each dataclass in `classes` (but `exclude`
    and nested configs): `--{prefix}{name}`, with the field's default, type, choices and help.
    `build` reads them back into a config."""

    def decorate(command: Callable) -> Callable:
        for cls in reversed(classes):
            command = _add_options(command, cls, exclude, prefix)
        return command

    return decorate


def _add_options(command: Callable, cls: type, exclude: tuple[str, ...], prefix: str) -> Callable:
    hints = typing.get_type_hints(cls)
    for f in reversed(dataclasses.fields(cls)):
        if f.name in exclude or "help" not in f.metadata or dataclasses.is_dataclass(hints[f.name]):
            continue
        kind = next((t for t in typing.get_args(hints[f.name]) if t is not type(None)), hints[f.name])  # X | None -> X
        flag = f"--{prefix}{f.name}".replace("_", "-")
        name = f"{prefix}{f.name}".replace("-", "_")
        if kind is bool:
            option = click.option(flag, name, is_flag=True, help=f.metadata["help"])
        else:
            if f.metadata.get("choices"):
                kind = click.Choice(f.metadata["choices"])
            elif kind is Path:
                kind = click.Path(path_type=Path)
            default = f.default if f.default is not dataclasses.MISSING else None
            option = click.option(
                flag,
                name,
                type=kind,
                default=default,
                show_default=default not in (None, ""),
                help=f.metadata["help"],
                callback=bounded(f.metadata["bounds"]) if f.metadata["bounds"] else None,
            )
        command = option(command)
    return command


def bounded(bounds: Bounds) -> Callable:
    """The click callback refusing a number outside `bounds` (one line, exit 2, before any
    work)."""

    def check(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
        problem = None if value is None else bounds.problem(param.opts[0], value)
        if problem:
            raise click.UsageError(problem, ctx)
        return value

    return check


def _bounds(cls: type, name: str) -> Bounds:
    return next(f.metadata["bounds"] for f in dataclasses.fields(cls) if f.name == name)


def build(cls: type[C], options: dict, prefix: str = "", **nested) -> C:
    """The `cls` whose fields `config_options(cls, prefix=prefix)` made options for, taking their
    values out of `options`; `nested` gives the values of the fields left out (sub-configs)."""
    names = {f.name for f in dataclasses.fields(cls)} - set(nested)
    return cls(
        **{
            name: options.pop(f"{prefix}{name}".replace("-", "_"))
            for name in names
            if f"{prefix}{name}".replace("-", "_") in options
        },
        **nested,
    )


class _Commands(click.Group):
    """Builds a command only when it runs: each command imports what it needs, so `degrade` or
    `extract` never load torch, and `filmcolor --help` lists them all from their builders'
    docstrings (each command's help) without building one."""

    builders: dict[str, Callable[[], click.Command]] = {}

    def command_builder(self, build_command: Callable[[], click.Command]) -> Callable[[], click.Command]:
        self.builders[build_command.__name__.strip("_")] = build_command
        return build_command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.builders)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.builders:
            return None
        command = self.builders[name]()
        command.help = self.builders[name].__doc__
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(map(len, self.builders))  # as click's own list
        rows = [(name, _short_help(doc.__doc__ or "", limit)) for name, doc in self.builders.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _short_help(doc: str, limit: int) -> str:
    """A command's line in `--help`: its docstring's first sentence, cut at a word to `limit`
    characters with "..." (as click shows a built command's; click's own helper for it is
    private from click 8.5)."""
    words = doc.split()
    line = ""
    for i, word in enumerate(words):
        candidate = f"{line} {word}" if line else word
        if len(candidate) > limit - 3 and i < len(words) - 1 or len(candidate) > limit:
            return line + "..."
        line = candidate
        if word.endswith("."):
            return line.rstrip(".")
    return line


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="filmcolor")
def cli() -> None:
    """Colour black-and-white films with a CycleGAN colouriser, keeping their own luma, timing and sound."""


def _film_command(output_help: str, output_name: str = "output") -> Callable:
    """A command on one FILM argument with a required -o OUTPUT."""

    def decorate(command: Callable) -> click.Command:
        command = click.option(
            "-o", "--output", output_name, type=click.Path(path_type=Path), required=True, help=output_help
        )(command)
        return click.command()(click.argument("film", type=click.Path(path_type=Path))(command))

    return decorate


def _first_checks(film: Path, output: Path, overwrite: bool) -> None:
    """The film and the output's path checked before a command loads torch, OpenCV and SciPy
    (more than a second), so a mistyped name is answered at once; the library checks them
    again, and everything else, before its first frame."""
    from .inputs import check_input
    from .outputs import check_output

    check_output(output, overwrite, inputs=(check_input(film),))


def _help(cls: type, name: str) -> str:
    return next(f.metadata["help"] for f in dataclasses.fields(cls) if f.name == name)


@cli.command_builder
def _extract() -> click.Command:
    """Sample FILM's frames into OUTPUT as a training domain, skipping black, flat and repeated frames."""

    from .extract import ExtractConfig, extract as run

    @_film_command("Folder to create for the frames and manifest.json.", "out_dir")
    @config_options(ExtractConfig)
    def extract(film: Path, out_dir: Path, **options) -> None:
        with progress_bar("extract", "fps") as progress:
            result = run(film, out_dir, build(ExtractConfig, options), progress)
        skipped = ", ".join(f"{n} {why}" for why, n in result.skipped.items() if n) or "none"
        console.print(f"kept {result.kept} frames (skipped: {skipped}) in {result.seconds:.1f} s -> {result.out_dir}")

    return extract


@cli.command_builder
def _train() -> click.Command:
    """Train the CycleGAN colouriser on a film's frames (domain A) against colour pictures (domain B)."""

    from .configs import UNCHECKED_OPTION, TrainConfig

    @click.command()
    @click.option(
        "-o",
        "--output",
        "run",
        type=click.Path(path_type=Path),
        required=True,
        help="Run folder: checkpoint.pt, weights.pt, previews/, log.jsonl.",
    )
    @config_options(TrainConfig, exclude=("beta1", "pool_size", "disc_width"))
    @click.option("--resume", is_flag=True, help="Continue the run in OUTPUT from its checkpoint.")
    @click.option("--overwrite", is_flag=True, help="Start over in OUTPUT, discarding the run there.")
    @click.option(
        UNCHECKED_OPTION,
        "unchecked",
        is_flag=True,
        help="With --resume: go on from a checkpoint that has no SHA256SUMS (a run from an older filmcolor), unchecked for damage.",
    )
    @click.pass_context
    def train(ctx: click.Context, run: Path, resume: bool, overwrite: bool, unchecked: bool, **options) -> None:
        given = {k for k in options if ctx.get_parameter_source(k) != click.core.ParameterSource.DEFAULT}
        config = build(
            TrainConfig,
            {k: ("" if v is None else str(v)) if k.startswith("domain_") else v for k, v in options.items()},
        )
        from .inputs import folder

        for flag, given_folder in (("--domain-a", config.domain_a), ("--domain-b", config.domain_b)):
            if given_folder or (flag == "--domain-a" and not resume):  # before torch loads
                folder(given_folder, flag)
        from .training.train import train as fit

        main_process = os.environ.get("RANK", "0") == "0"  # under torchrun, rank 0 alone reports
        with progress_bar("train", "it/s") if main_process else nullcontext() as progress:
            result = fit(
                run, config, resume=resume, given=given, overwrite=overwrite, progress=progress, unchecked=unchecked
            )
        if main_process:
            console.print(
                f"trained {result.steps_run} steps (now at step {result.step}) in {result.seconds:.1f} s ({result.it_s:.2f} it/s) -> {result.run / 'weights.pt'}"
            )

    return train


@cli.command_builder
def _render() -> click.Command:
    """Colour FILM into OUTPUT, keeping every frame, timestamp and audio packet."""

    from .configs import GuideConfig, InferenceConfig, RenderConfig, SegmentConfig, SmoothConfig

    @_film_command("Coloured film to write (.mp4, .mkv, .mov).")
    @config_options(InferenceConfig, EncodeConfig, RenderConfig, GuideConfig, exclude=("queue_depth",))
    @click.option(
        "--smooth/--no-smooth",
        default=True,
        show_default=True,
        help="Flow-guided temporal smoothing of the colour, restarted at scene cuts.",
    )
    @click.option(
        "--smooth-strength",
        default=SmoothConfig.strength,
        show_default=True,
        help=_help(SmoothConfig, "strength"),
        callback=bounded(_bounds(SmoothConfig, "strength")),
    )
    @click.option(
        "--scene-threshold",
        default=SmoothConfig.scene_threshold,
        show_default=True,
        help=_help(SmoothConfig, "scene_threshold"),
        callback=bounded(_bounds(SmoothConfig, "scene_threshold")),
    )
    @click.option(
        "--segment-seconds",
        default=SegmentConfig.seconds,
        show_default=True,
        help=_help(SegmentConfig, "seconds"),
        callback=bounded(_bounds(SegmentConfig, "seconds")),
    )
    @click.option("--restart", is_flag=True, help=_help(SegmentConfig, "restart"))
    @click.option("--ray", metavar="ADDRESS", help=_help(SegmentConfig, "ray") + " Needs the ray extra.")
    def render(film: Path, output: Path, **options) -> None:
        strength = options.pop("smooth_strength") if options.pop("smooth") else 0.0
        smooth = SmoothConfig(strength=strength, scene_threshold=options.pop("scene_threshold"))
        segments = SegmentConfig(
            seconds=options.pop("segment_seconds") or None, restart=options.pop("restart"), ray=options.pop("ray")
        )
        inference, encode, guide = (
            build(InferenceConfig, options),
            build(EncodeConfig, options),
            build(GuideConfig, options),
        )
        config = build(
            RenderConfig, options, inference=inference, encode=encode, smooth=smooth, segments=segments, guide=guide
        )
        _first_checks(film, output, config.overwrite)
        from .render import render as run  # torch, OpenCV, SciPy: a second and more

        _rendering.append(output)  # what an interruption or a disk error leaves is said of it (`_kept_work`)
        with progress_bar("render", "fps") as progress:
            result = run(film, output, config, progress)
        for step, seconds in result.guide_seconds.items():
            console.print(f"keyframes: found the {step} in {seconds:.1f} s")
        if result.uncoloured_keyframes:
            names = ", ".join(p.name for p in result.uncoloured_keyframes[:3]) + (
                ", ..." if len(result.uncoloured_keyframes) > 3 else ""
            )
            console.print(
                f"[yellow]note:[/] {len(result.uncoloured_keyframes)} keyframes are still gray ({escape(names)}), not coloured: their shots got the automatic colour"
            )
        if result.unkeyed_shots:
            spans = "; ".join(f"{a}-{b} ({t0:.2f}-{t1:.2f} s)" for a, b, t0, t1 in result.unkeyed_shots[:8])
            more = f" and {len(result.unkeyed_shots) - 8} more" if len(result.unkeyed_shots) > 8 else ""
            console.print(
                f"[yellow]note:[/] {len(result.unkeyed_shots)} shots have no keyframe and got the automatic colour: frames {spans}{more}"
            )
        if result.borrowed_shots:
            console.print(f"keyframes: {result.borrowing()}")
        for damage in result.damage:
            verdict = "kept as decoded" if damage.kept else "left out"
            console.print(f"[yellow]warning:[/] {escape(str(film))}: {escape(str(damage))}: {verdict}")
        lost = sum(d.frames for d in result.damage if not d.kept)
        if len(result.damage) > 1 and lost:
            console.print(f"[yellow]warning:[/] {escape(str(film))}: {lost} frames left out in all")
        resumed = f", going on after {result.reused_frames} frames done before" if result.reused_frames else ""
        console.print(
            f"rendered {result.frames} frames ({len(result.cuts)} scene cuts{resumed}) in {result.seconds:.1f} s ({result.fps:.1f} fps) -> {result.output}"
        )

    return render


@cli.command_builder
def _keyframes() -> click.Command:
    """Write one frame of each shot of FILM into OUTPUT (NNNNNN.png), to colour and render with --keyframes."""

    from .configs import InferenceConfig, KeyframesConfig

    @_film_command("Folder to create for the keyframe pictures and keyframes.json.", "out_dir")
    @config_options(KeyframesConfig, InferenceConfig, exclude=("batch_size", "compile", "saturation"))
    def keyframes(film: Path, out_dir: Path, **options) -> None:
        from .inputs import check_input

        config = build(KeyframesConfig, options)
        check_input(film)  # before torch and OpenCV load (seconds): a mistyped name answered at once
        from .keyframes import write_keyframes

        with progress_bar("keyframes", "fps") as progress:
            result = write_keyframes(film, out_dir, config, build(InferenceConfig, options), progress)
        console.print(
            f"wrote {len(result.keyframes)} keyframes of {result.shots} shots in {result.seconds:.1f} s -> {result.out_dir}"
        )

    return keyframes


@cli.command_builder
def _studio() -> click.Command:
    """Colour FILM's shots in the browser: paint keyframes, see them filled and carried through each shot, render."""

    from .configs import StudioConfig

    @click.command()
    @click.argument("film", type=click.Path(path_type=Path))
    @click.option("-k", "--keyframes", type=click.Path(path_type=Path), help=_help(StudioConfig, "keyframes"))
    @click.option("-o", "--output", type=click.Path(path_type=Path), help=_help(StudioConfig, "output"))
    @click.option("--host", default=StudioConfig.host, show_default=True, help=_help(StudioConfig, "host"))
    @click.option(
        "--port",
        default=StudioConfig.port,
        show_default=True,
        help=_help(StudioConfig, "port"),
        callback=bounded(_bounds(StudioConfig, "port")),
    )
    @click.option(
        "--no-browser",
        "browser",
        is_flag=True,
        flag_value=False,
        default=True,
        help="Only print the address; do not open a browser.",
    )
    def studio(film: Path, **options) -> None:
        from .inputs import check_input

        config = StudioConfig(film=film, **options)
        check_input(film)  # before the server, torch and OpenCV load (seconds): a mistyped name answered at once
        from .studio.server import serve

        serve(
            config,
            ready=lambda url, folder: console.print(
                f"filmcolor studio on {url}\nkeyframes saved in {escape(str(folder))}; Ctrl-C to stop", soft_wrap=True
            ),
        )
        console.print("studio stopped; every change is in the keyframes folder")

    return studio


@cli.command_builder
def _colorize() -> click.Command:
    """Colour photographs PICTURES into OUTPUT/<name>.png, keeping their luma."""

    from .configs import InferenceConfig, StillsConfig

    @click.command()
    @click.argument("pictures", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(path_type=Path),
        required=True,
        help="Folder for the coloured PNGs.",
    )
    @config_options(InferenceConfig, StillsConfig, exclude=("batch_size", "compile"))
    def colorize(pictures: tuple[Path, ...], out_dir: Path, **options) -> None:
        from .inputs import check_files

        config = build(StillsConfig, options, inference=build(InferenceConfig, options))
        check_files(pictures)  # before torch and OpenCV load (seconds): a mistyped name answered at once
        from .stills import colorize_stills

        with progress_bar("colorize", "img/s") as progress:
            written = colorize_stills(list(pictures), out_dir, config, progress)
        console.print(f"coloured {len(written)} pictures -> {out_dir}")

    return colorize


@cli.command_builder
def _eval() -> click.Command:
    """Compare a colourised film CANDIDATE with its colour truth REFERENCE, frame by frame."""

    from .evaluate import EvalConfig, evaluate

    @click.command(name="eval")
    @click.argument("reference", type=click.Path(path_type=Path))
    @click.argument("candidate", type=click.Path(path_type=Path))
    @click.option(
        "--input",
        "input_film",
        type=click.Path(path_type=Path),
        help="The B&W film CANDIDATE was rendered from: adds luma PSNR against it.",
    )
    @config_options(EvalConfig, exclude=("bins",))
    @click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
    def eval_command(reference: Path, candidate: Path, input_film: Path | None, as_json: bool, **options) -> None:
        import json

        from rich.table import Table

        with progress_bar("eval", "fps") as progress:
            result = evaluate(reference, candidate, input_film, build(EvalConfig, options), progress)
        if as_json:
            click.echo(json.dumps(result.as_dict()))
            return
        table = Table("measure", "candidate", "reference", title=f"{candidate} against {reference}")
        for row in result.rows():
            table.add_row(*row)
        Console(highlight=False).print(table)
        console.print(f"compared {result.frames} frames in {result.seconds:.1f} s")

    return eval_command


@cli.command_builder
def _degrade() -> click.Command:
    """Make a B&W test film from a colour FILM, in the look of old film; its colour is the known truth."""

    from .degrade import DegradeConfig, degrade as run

    @_film_command("B&W film to write.")
    @config_options(DegradeConfig, EncodeConfig)
    def degrade(film: Path, output: Path, **options) -> None:
        config = build(DegradeConfig, options, encode=build(EncodeConfig, options))
        with progress_bar("degrade", "fps") as progress:
            result = run(film, output, config, progress)
        console.print(
            f"wrote {result.frames} frames in {result.seconds:.1f} s ({result.fps:.1f} fps) -> {result.output}"
        )

    return degrade


class Terminated(BaseException):
    """SIGTERM, or SIGHUP (the terminal closed), taken like Ctrl-C: unfinished outputs removed,
    what can be kept kept, one line, status 128 + the signal. Not a KeyboardInterrupt, which
    click would turn into an Abort and an empty line."""


def _terminate(signum, frame) -> None:
    _stopping()
    raise Terminated(signum)


def _take_signals() -> None:
    """SIGTERM and SIGHUP end a command as Ctrl-C does (by default they end the process where it
    stands: the studio's workers and partial outputs left behind); a SIGHUP ignored, as `nohup`
    asks, stays ignored. Ctrl-C, the first time, as Python takes it."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _interrupt)
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, _terminate)


def _interrupt(signum, frame) -> None:
    """Ctrl-C, as Python takes it (KeyboardInterrupt), the first time."""
    _stopping()
    raise KeyboardInterrupt


def _stopping() -> None:
    """From the first Ctrl-C or SIGTERM on, the ones after it are let go: the first already
    stops the command, and a second raised inside its cleanup would leave the render's
    worker threads running as Python exits (C++ aborts the process: SIGABRT, "terminate
    called without an active exception"). The cleanup is short; it ends in the one line. So is
    a SIGHUP, where it is taken (`_take_signals`)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _already_stopping)
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is _terminate:
        signal.signal(signal.SIGHUP, _already_stopping)


def _already_stopping(signum, frame) -> None:
    """A second Ctrl-C or SIGTERM while the first one's cleanup runs: nothing more to do."""


INTERRUPTED = {  # what an interrupted command leaves, and how to go on
    "render": "interrupted: the output was not written",
    "train": "interrupted: the run keeps its last checkpoint: run the same command with --resume to go on",
    "studio": "studio stopped; every change is in the keyframes folder",
}
_rendering: list[Path] = []  # the output of the render command running in this process


def _kept_work(then: str) -> str:
    """What a render stopped part-way keeps: its finished segments, where it has any."""
    from .segments import work_folder

    output = _rendering[-1] if _rendering else None
    if output is None or not any(work_folder(output).glob("segment-*.npz")):
        return ""
    return f"; its finished segments are kept: run the same command {then}"


def _os_error(exc: OSError) -> str:
    """A disk or file system error in the user's words: the folder, where the file is one of
    filmcolor's own (a lock, a part being written, a work folder)."""
    if not exc.filename:
        return exc.strerror or str(exc)
    path = Path(exc.filename)
    own = [
        p
        for p in (path, *path.parents)
        if p.name.startswith(".") and (".part" in p.name or p.name.endswith((".filmcolor-lock", ".filmcolor-work")))
    ]
    if own:
        return f"cannot write in {own[-1].parent}: {exc.strerror or exc}"
    return f"{path}: {exc.strerror or exc}"


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error a user can fix ends as one line on stderr and exit status 2;
    Ctrl-C (130) and SIGTERM (143) end with one line saying what was kept."""
    logger = logging.getLogger("filmcolor")
    if not any(isinstance(h, _ConsoleHandler) for h in logger.handlers):  # once, however often main runs in a process
        logger.addHandler(_ConsoleHandler())
    logger.setLevel(logging.INFO)
    _rendering.clear()
    logging.getLogger("filmcolor").propagate = False
    args = sys.argv[1:] if argv is None else argv
    command = next((a for a in args if not a.startswith("-")), "")
    if threading.current_thread() is threading.main_thread():
        _take_signals()
    try:
        cli.main(args=args, prog_name="filmcolor", standalone_mode=False)
    except FilmcolorError as exc:
        _fail(str(exc))
    except (click.exceptions.Abort, KeyboardInterrupt, Terminated) as exc:
        kept = _kept_work("again to go on") if command == "render" else ""
        _fail(
            INTERRUPTED.get(command, "interrupted: unfinished outputs were removed") + kept,
            status=128 + exc.args[0] if isinstance(exc, Terminated) else 130,
        )
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)  # usage errors know their command
        hint = (
            f" (see: filmcolor {ctx.info_name} --help)"
            if ctx and ctx.info_name != "filmcolor"
            else " (see: filmcolor --help)"
        )
        _fail(exc.format_message() + hint, status=exc.exit_code)
    except OSError as exc:  # the disk, the file system: the user's to fix, not a bug
        kept = _kept_work("again once it is fixed") if command == "render" else ""
        _fail(_os_error(exc) + kept)


def _fail(message: str, status: int = 2) -> None:
    console.print(f"[red]error:[/] {escape(message)}")  # messages may hold brackets: filmcolor[ray]
    sys.exit(status)
