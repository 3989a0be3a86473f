"""The studio's render, in a process of its own: `filmcolor render FILM -o OUTPUT --keyframes
FOLDER` with the command line's defaults, reporting to the studio as JSON lines on stdout
({"done", "total", "step"} as it goes; {"error"} for what the user can fix, exit 2). It stops,
as the page's Stop stops it, when the studio (process STUDIO) ends, however it ends.

    python -m filmcolor.studio.job FILM OUTPUT FOLDER STUDIO
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from ..errors import FilmcolorError
from . import engine


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
        written = engine.render_guided(film, output, folder, progress)
    except FilmcolorError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    except KeyboardInterrupt:
        print(
            json.dumps({"error": "stopped from the page; run it again to go on from the last finished segment"}),
            flush=True,
        )
        return 143
    print(json.dumps({"step": "done", "output": str(written)}), flush=True)
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
