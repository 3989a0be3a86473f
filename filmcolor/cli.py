"""The command line: parse, call the library, show progress, and turn known errors into one line.

Commands only fill a config and call a plain function; everything user-facing (the stderr
console, progress bars, messages) lives here and nowhere else.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
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
def progress_bar(label: str, unit: str) -> Iterator[Callable[[int, int], None]]:
    """A rich bar on stderr; yields the `progress(done, total)` callback the library calls.

    The bar appears at the first callback, so input checks that fail first print only their error.
    """
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), _RateColumn(unit), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    bar = Progress(*columns, console=console)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
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
@click.option("--batch-size", default=8, show_default=True, help="Frames per model call.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda (cuda:N for one GPU of several).")
@click.option("--start", default=0.0, show_default=True, help="Seconds into the film to start from (a preview).")
@click.option("--duration", type=float, help="Seconds to render from --start (default: to the end).")
@click.option("--codec", default="libx264", show_default=True, help="FFmpeg video encoder.")
@click.option("--crf", default=18, show_default=True, help="Encoder quality: lower is better and bigger.")
@click.option("--preset", default="medium", show_default=True, help="Encoder speed preset (ultrafast ... veryslow).")
@click.option("--pix-fmt", help="Output pixel format (default yuv420p; yuv444p for odd sizes, 10-bit for 10-bit input).")
@click.option("--overwrite", is_flag=True, help="Replace the output if it exists.")
def render(film: Path, output: Path, **options) -> None:
    """Colour FILM into OUTPUT, keeping every frame, timestamp and audio packet."""
    from .render import RenderConfig, render as run

    with progress_bar("render", "fps") as progress:
        result = run(film, output, RenderConfig(**options), progress)
    console.print(f"rendered {result.frames} frames in {result.seconds:.1f} s ({result.fps:.1f} fps) -> {result.output}")


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


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error a user can fix ends as one line on stderr and exit status 2."""
    logging.getLogger("filmcolor").addHandler(_ConsoleHandler())
    logging.getLogger("filmcolor").propagate = False
    try:
        cli.main(args=argv, prog_name="filmcolor", standalone_mode=False)
    except FilmcolorError as exc:
        _fail(str(exc))
    except click.exceptions.Abort:
        _fail("interrupted; nothing was written", status=130)
    except click.ClickException as exc:
        hint = f" (see: filmcolor {exc.ctx.info_name} --help)" if getattr(exc, "ctx", None) and exc.ctx.info_name != "filmcolor" else " (see: filmcolor --help)"
        _fail(exc.format_message() + hint, status=exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", status=130)


def _fail(message: str, status: int = 2) -> None:
    console.print(f"[red]error:[/] {message}")
    sys.exit(status)
