"""The studio's render, in a process of its own: `filmcolor render FILM -o OUTPUT --keyframes
FOLDER` with the command line's defaults, reporting to the studio as JSON lines on stdout
({"done", "total", "step"} as it goes; {"error"} for what the user can fix, exit 2). It stops,
as the page's Stop stops it, when the studio (process STUDIO) ends, however it ends.

    python -m filmcolor.studio.job FILM OUTPUT FOLDER STUDIO

Both sides are here: `RenderJob` starts the process from the studio and follows its reports;
`main` is the process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..errors import FilmcolorError
from . import engine
from .errors import StudioError

# inside the keyframes folder: the keyframes as they were when a render started (a render reads them for minutes)
RENDER_FOLDER = engine.STUDIO_RENDER


class RenderJob:
    """A render the page started (thread-safe): a copy of the keyframes `files` of `folder`
    and of keyframes.json's fields `shots` (the shots as they are now, corrections included: the
    render follows them, not its detector; and the rest chosen) is rendered into `output` in a
    process of its own, whose reports a thread follows."""

    def __init__(self, film: engine.Film, folder: Path, files: dict[int, Path], shots: dict, output: Path) -> None:
        self.folder, self.output = folder, output
        self.lock = threading.Lock()
        self.done, self.total, self.step = 0, 0, "starting"
        self.finished = False
        self.error: str | None = None
        self.borrowing = ""  # the render's summary of the shots that took colour from their setup's painted shot
        self.started, self.seconds = time.monotonic(), 0.0
        snapshot = folder / RENDER_FOLDER
        shutil.rmtree(snapshot, ignore_errors=True)
        snapshot.mkdir()
        for path in files.values():
            shutil.copy2(path, snapshot / path.name)
        engine.write_listing(snapshot, {"format": engine.LIST_FORMAT, "version": 1, **shots})
        self.process = subprocess.Popen(
            engine.render_command(film, snapshot, output),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # Ctrl-C in the terminal is the studio's: it stops the render itself
        )
        threading.Thread(target=self._follow, daemon=True, name="studio-render").start()

    def _follow(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                report = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.done, self.total = report.get("done", self.done), report.get("total", self.total)
                self.step = report.get("step", self.step)
                self.error = report.get("error", self.error)
                self.borrowing = report.get("borrowing", self.borrowing)
        stderr = self.process.stderr.read() if self.process.stderr else ""
        status = self.process.wait()
        with self.lock:
            if status != 0 and self.error is None:
                self.error = (stderr.strip().splitlines() or [f"the render stopped (status {status})"])[-1]
            self.seconds = time.monotonic() - self.started
            # its copy of the keyframes goes before it is finished: a next render makes its own
            shutil.rmtree(self.folder / RENDER_FOLDER, ignore_errors=True)
            self.finished = True

    def state(self) -> dict:
        """The render's progress for the page."""
        with self.lock:
            return {
                "output": str(self.output),
                "done": self.done,
                "total": self.total,
                "step": self.step,
                "finished": self.finished,
                "error": self.error,
                "borrowing": self.borrowing,
                "seconds": round(self.seconds or time.monotonic() - self.started, 1),
            }

    def cancel(self) -> None:
        """The page's Stop: the render unwinds as at Ctrl-C, removing its partial output."""
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """Stop the render and wait for it (the studio is closing): it removes its partial output."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(engine.RENDER_UNWIND)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def output_path(film: Path, output: Path | None) -> Path:
    """Where a render from the page writes: `output` (the studio's --output), else beside the
    film, FILM-color.mp4; numbered (OUTPUT-2.mp4, -3 ... when taken) so that a second render
    from the page works and nothing the user has is written over."""
    first = output if output is not None else film.with_name(f"{film.stem}-color.mp4")
    for n in range(1, 1000):
        candidate = first if n == 1 else first.with_name(f"{first.stem}-{n}{first.suffix}")
        if not candidate.exists():
            return candidate
    raise StudioError(409, f"too many renders named after {first}; move some")


def main(argv: list[str]) -> int:
    film, output, folder = (Path(a) for a in argv[:3])
    last = [0.0]

    def progress(done: int, total: int, info: str = "") -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25 or done >= total:  # a few lines a second is enough for a bar
            last[0] = now
            print(json.dumps({"done": done, "total": total, "step": info or "rendering"}), flush=True)

    engine.in_background()  # painting in the page goes on while it renders: the page first
    signal.signal(signal.SIGTERM, _stop)  # the page's Stop: unwound like Ctrl-C, so no partial output stays
    engine.watch_parent(int(argv[3]), _orphaned)
    try:
        result = engine.render_guided(film, output, folder, progress)
    except FilmcolorError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    except KeyboardInterrupt:
        print(
            json.dumps({"error": "stopped from the page; run it again to go on from the last finished segment"}),
            flush=True,
        )
        return 143
    print(json.dumps({"step": "done", "output": str(result.output), "borrowing": result.borrowing()}), flush=True)
    return 0


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def _orphaned() -> None:
    """The studio ended without stopping this render (`kill -9`): stopped as the page's Stop
    would, so no partial output stays; its reports go nowhere now (the pipe's reader is gone)."""
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, sys.stdout.fileno())
    os.dup2(quiet, sys.stderr.fileno())
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(engine.RENDER_UNWIND)
    os._exit(143)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
