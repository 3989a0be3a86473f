"""The command line: parse, call the library, show progress, and turn known errors into one line.

Commands only fill a config and call a plain function; everything user-facing (the stderr
console, progress bars, messages) lives here and nowhere else.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from .errors import FilmcolorError

console = Console(stderr=True, highlight=False, soft_wrap=True)  # one message, one line, whatever the width


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
    calls (`info`: a short text after the ETA, e.g. the current losses).

    The bar appears at the first callback, so input checks that fail first print only their error.
    """
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), _RateColumn(unit), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[info]}")]
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
    """Library warnings (an audio stream transcoded, a subtitle left out) as one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        console.print(f"[yellow]warning:[/] {record.getMessage()}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="filmcolor")
def cli() -> None:
    """Colour black-and-white films with a CycleGAN colouriser, keeping their own luma, timing and sound."""


@cli.command()
@click.argument("film", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Coloured film to write (.mp4, .mkv, .mov).")
@click.option("--weights", type=click.Path(path_type=Path), help="Generator weights (default: the shipped weights/filmcolor.pt).")
@click.option("--model-size", default=256, show_default=True, help="Short side, in px, of the picture the model sees.")
@click.option("--batch-size", type=int, help="Frames per model call (default: 4 on the CPU, from free memory on CUDA).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda (cuda:N for one GPU of several).")
@click.option("--amp", default="bf16", show_default=True, type=click.Choice(["bf16", "fp16", "off"]), help="Autocast precision on CUDA.")
@click.option("--compile", is_flag=True, help="torch.compile the generator (a minute's warm-up; pays off on long films).")
@click.option("--start", default=0.0, show_default=True, help="Seconds into the film to start from (a preview).")
@click.option("--duration", type=float, help="Seconds to render from --start (default: to the end).")
@click.option("--codec", default="libx264", show_default=True, help="FFmpeg video encoder.")
@click.option("--crf", default=18, show_default=True, help="Encoder quality: lower is better and bigger.")
@click.option("--preset", default="medium", show_default=True, help="Encoder speed preset (ultrafast ... veryslow).")
@click.option("--pix-fmt", help="Output pixel format (default yuv420p; yuv444p for odd sizes, 10-bit for 10-bit input).")
@click.option("--smooth/--no-smooth", default=True, show_default=True, help="Flow-guided temporal smoothing of the colour, restarted at scene cuts.")
@click.option("--segment-seconds", default=60.0, show_default=True, help="Render in resumable segments of about this long; 0 renders in one pass, keeping nothing.")
@click.option("--restart", is_flag=True, help="Discard the segments of an interrupted render of OUTPUT instead of going on from them.")
@click.option("--ray", metavar="ADDRESS", help="Render the segments as tasks on a Ray cluster ('local' starts one here); needs the ray extra.")
@click.option("--smooth-strength", default=0.8, show_default=True, help="Share of the colour carried along the motion, 0 to 1.")
@click.option("--scene-threshold", default=0.3, show_default=True, help="Cut score (1 - correlation of luma thumbnails) above which a new shot starts.")
@click.option("--overwrite", is_flag=True, help="Replace the output if it exists.")
def render(film: Path, output: Path, **options) -> None:
    """Colour FILM into OUTPUT, keeping every frame, timestamp and audio packet."""
    from .render import RenderConfig, render as run

    options["segment_seconds"] = options["segment_seconds"] or None
    with progress_bar("render", "fps") as progress:
        result = run(film, output, RenderConfig(**options), progress)
    resumed = f", going on after {result.reused_frames} frames done before" if result.reused_frames else ""
    console.print(f"rendered {result.frames} frames ({len(result.cuts)} scene cuts{resumed}) in {result.seconds:.1f} s ({result.fps:.1f} fps) -> {result.output}")


@cli.command()
@click.argument("pictures", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for the coloured PNGs.")
@click.option("--weights", type=click.Path(path_type=Path), help="Generator weights (default: the shipped weights/filmcolor.pt).")
@click.option("--model-size", default=256, show_default=True, help="Short side, in px, of the picture the model sees.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--overwrite", is_flag=True, help="Replace existing PNGs in the output folder.")
def colorize(pictures: tuple[Path, ...], out_dir: Path, **options) -> None:
    """Colour photographs PICTURES into OUTPUT/<name>.png, keeping their luma."""
    from .stills import StillsConfig, colorize_stills

    with progress_bar("colorize", "img/s") as progress:
        written = colorize_stills(list(pictures), out_dir, StillsConfig(**options), progress)
    console.print(f"coloured {len(written)} pictures -> {out_dir}")


@cli.command()
@click.argument("film", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder to create for the frames and manifest.json.")
@click.option("--every", default=2.0, show_default=True, help="Seconds between sampled frames.")
@click.option("--max-frames", type=int, help="Stop after keeping this many frames.")
@click.option("--size", default=286, show_default=True, help="Short side of the written pictures, in px.")
@click.option("--keep-color", is_flag=True, help="Keep colour (to build a colour domain B from colour films).")
@click.option("--overwrite", is_flag=True, help="Replace an earlier extract in OUTPUT.")
def extract(film: Path, out_dir: Path, **options) -> None:
    """Sample FILM's frames into OUTPUT as a training domain, skipping black, flat and repeated frames."""
    from .extract import ExtractConfig, extract as run

    with progress_bar("extract", "fps") as progress:
        result = run(film, out_dir, ExtractConfig(**options), progress)
    skipped = ", ".join(f"{n} {why}" for why, n in result.skipped.items() if n) or "none"
    console.print(f"kept {result.kept} frames (skipped: {skipped}) in {result.seconds:.1f} s -> {result.out_dir}")


@cli.command()
@click.option("--domain-a", type=click.Path(path_type=Path), help="Folder of the film's B&W frames (filmcolor extract); required unless --resume.")
@click.option("--domain-b", type=click.Path(path_type=Path), help="Folder of colour pictures (default: the set shipped in samples/colour).")
@click.option("-o", "--output", "run", type=click.Path(path_type=Path), required=True, help="Run folder: checkpoint.pt, weights.pt, previews/, log.jsonl.")
@click.option("--steps", default=10_000, show_default=True, help="Train up to this step (a resumed run goes on to it).")
@click.option("--batch-size", default=4, show_default=True, help="Pictures of each domain per step.")
@click.option("--size", default=256, show_default=True, help="Crop side in px.")
@click.option("--load-size", default=286, show_default=True, help="Short side pictures are scaled to before cropping (the render's --model-size and a margin).")
@click.option("--lr", default=2e-4, show_default=True, help="Adam learning rate.")
@click.option("--constant-steps", default=5_000, show_default=True, help="Steps at the full learning rate...")
@click.option("--decay-steps", default=5_000, show_default=True, help="...then linear decay to 0 over this many.")
@click.option("--cycle-weight", default=10.0, show_default=True, help="Weight of the cycle-consistency losses.")
@click.option("--identity-weight", default=0.5, show_default=True, help="Identity loss weight, times --cycle-weight.")
@click.option("--paired-weight", default=10.0, show_default=True, help="Supervised chroma loss on domain B's own luma; 0 for plain CycleGAN.")
@click.option("--gan-weight", default=1.0, show_default=True, help="Weight of the adversarial losses; below 1 trusts the pairs more.")
@click.option("--init", default="shipped", show_default=True, help="G_AB's start: a weights file, 'shipped' or 'random'.")
@click.option("--seed", default=0, show_default=True, help="Seed of initialisation, crops and pools.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--amp", default="bf16", show_default=True, type=click.Choice(["bf16", "fp16", "off"]), help="Autocast precision on CUDA.")
@click.option("--save-every", default=200, show_default=True, help="Steps between checkpoints.")
@click.option("--preview-every", default=200, show_default=True, help="Steps between preview grids.")
@click.option("--resume", is_flag=True, help="Continue the run in OUTPUT from its checkpoint.")
@click.option("--overwrite", is_flag=True, help="Start over in OUTPUT, discarding the run there.")
@click.pass_context
def train(ctx: click.Context, run: Path, resume: bool, overwrite: bool, **options) -> None:
    """Train the CycleGAN colouriser on a film's frames (domain A) against colour pictures (domain B)."""
    from .train import TrainConfig, train as fit

    given = {k for k in options if ctx.get_parameter_source(k) != click.core.ParameterSource.DEFAULT}
    config = TrainConfig(**{k: ("" if v is None else str(v)) if k.startswith("domain_") else v for k, v in options.items()})

    def show(step: int, total: int, losses: dict[str, float]) -> None:
        progress(step, total, f"G {losses['g']:.3f} D {losses['d_a'] + losses['d_b']:.3f}")

    main_process = os.environ.get("RANK", "0") == "0"  # under torchrun, rank 0 alone reports
    with progress_bar("train", "it/s") if main_process else nullcontext() as progress:
        result = fit(run, config, resume=resume, given=given, overwrite=overwrite, progress=show if main_process else None)
    if main_process:
        console.print(f"trained {result.steps_run} steps (now at step {result.step}) in {result.seconds:.1f} s ({result.it_s:.2f} it/s) -> {result.run / 'weights.pt'}")


@cli.command(name="eval")
@click.argument("reference", type=click.Path(path_type=Path))
@click.argument("candidate", type=click.Path(path_type=Path))
@click.option("--input", "input_film", type=click.Path(path_type=Path), help="The B&W film CANDIDATE was rendered from: adds luma PSNR against it.")
@click.option("--cut-threshold", default=0.3, show_default=True, help="Cut score above which a new shot starts (CDC and warping error do not compare across).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
def eval_command(reference: Path, candidate: Path, input_film: Path | None, cut_threshold: float, as_json: bool) -> None:
    """Compare a colourised film CANDIDATE with its colour truth REFERENCE, frame by frame."""
    import json

    from rich.table import Table

    from .evaluate import EvalConfig, evaluate

    with progress_bar("eval", "fps") as progress:
        result = evaluate(reference, candidate, input_film, EvalConfig(cut_threshold=cut_threshold), progress)
    if as_json:
        click.echo(json.dumps(result.as_dict()))
        return
    table = Table("measure", "candidate", "reference", title=f"{candidate} against {reference}")
    for row in result.rows():
        table.add_row(*row)
    Console(highlight=False).print(table)
    console.print(f"compared {result.frames} frames in {result.seconds:.1f} s")


@cli.command()
@click.argument("film", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="B&W film to write.")
@click.option("--grain", default=0.04, show_default=True, help="Grain std at mid-gray (luma 0-1).")
@click.option("--flicker", default=0.04, show_default=True, help="Std of the per-frame brightness change (luma 0-1).")
@click.option("--softness", default=1.0, show_default=True, help="Blur sigma in px at 576 lines.")
@click.option("--dust", default=3.0, show_default=True, help="Expected dust specks per frame.")
@click.option("--scratches", default=0.3, show_default=True, help="Chance per frame that a scratch starts (0-1).")
@click.option("--weave", default=0.6, show_default=True, help="Gate weave std in px at 576 lines.")
@click.option("--seed", default=0, show_default=True, help="Seed of every effect.")
@click.option("--clean", is_flag=True, help="Plain luma, no effects.")
@click.option("--codec", default="libx264", show_default=True, help="FFmpeg video encoder.")
@click.option("--crf", default=18, show_default=True, help="Encoder quality: lower is better and bigger.")
@click.option("--preset", default="medium", show_default=True, help="Encoder speed preset.")
@click.option("--overwrite", is_flag=True, help="Replace the output if it exists.")
def degrade(film: Path, output: Path, **options) -> None:
    """Make a B&W test film from a colour FILM, in the look of old film; its colour is the known truth."""
    from .degrade import DegradeConfig, degrade as run

    with progress_bar("degrade", "fps") as progress:
        result = run(film, output, DegradeConfig(**options), progress)
    console.print(f"wrote {result.frames} frames in {result.seconds:.1f} s ({result.fps:.1f} fps) -> {result.output}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error a user can fix ends as one line on stderr and exit status 2."""
    logging.getLogger("filmcolor").addHandler(_ConsoleHandler())
    logging.getLogger("filmcolor").propagate = False
    try:
        cli.main(args=argv, prog_name="filmcolor", standalone_mode=False)
    except FilmcolorError as exc:
        _fail(str(exc))
    except click.exceptions.Abort:
        _fail(INTERRUPTED, status=130)
    except click.ClickException as exc:
        hint = f" (see: filmcolor {exc.ctx.info_name} --help)" if getattr(exc, "ctx", None) and exc.ctx.info_name != "filmcolor" else " (see: filmcolor --help)"
        _fail(exc.format_message() + hint, status=exc.exit_code)
    except KeyboardInterrupt:
        _fail(INTERRUPTED, status=130)


INTERRUPTED = "interrupted: unfinished outputs were removed (a render keeps its finished segments, a training run its last checkpoint: run the same command to go on)"


def _fail(message: str, status: int = 2) -> None:
    console.print(f"[red]error:[/] {escape(message)}")  # messages may hold brackets: filmcolor[ray]
    sys.exit(status)
