"""The studio's render, in a process of its own: `filmcolor render FILM -o OUTPUT --keyframes
FOLDER` with the command line's defaults, reporting to the studio as JSON lines on stdout
({"done", "total", "step"} as it goes; {"error"} for what the user can fix, exit 2).

    python -m filmcolor.studio.job FILM OUTPUT FOLDER
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

from ..errors import FilmcolorError
from . import engine


def main(argv: list[str]) -> int:
    film, output, folder = (Path(a) for a in argv)
    last = [0.0]

    def progress(done: int, total: int, info: str = "") -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25 or done >= total:  # a few lines a second is enough for a bar
            last[0] = now
            print(json.dumps({"done": done, "total": total, "step": info or "rendering"}), flush=True)

    engine.in_background()  # painting in the page goes on while it renders: the page first
    signal.signal(signal.SIGTERM, _stop)  # the page's Stop: unwound like Ctrl-C, so no partial output stays
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
