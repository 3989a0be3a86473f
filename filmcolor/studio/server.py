"""`filmcolor studio`: check the film, the keyframes folder and the port, then serve the studio
on them until Ctrl-C.

Everything a user can get wrong is refused before the server starts (FilmcolorError: one
line, exit 2): a film FFmpeg cannot read, a keyframes folder that is a file or holds pictures
that are not keyframes, a port another program holds. The folder is locked while the studio
runs (`outputs.locked`), so a second studio (or `filmcolor keyframes`) cannot write into it.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import webbrowser
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ..errors import OutputError
from ..settings import Bounds, setting
from . import engine
from .session import Session
from .tokens import studio_token

log = logging.getLogger(__name__)

LOCAL = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class StudioConfig:
    film: Path = setting(Path(), "The B&W film to colour.")
    keyframes: Path | None = setting(
        None,
        "Keyframes folder to read and write, as render --keyframes reads it (default: FILM-keyframes beside FILM).",
    )
    output: Path | None = setting(
        None,
        "Where the page's Render button writes (default: FILM-color.mp4 beside FILM, numbered, never over a file).",
    )
    host: str = setting(
        "127.0.0.1", "Address to listen on; anything but 127.0.0.1 lets other machines in (with the token)."
    )
    port: int = setting(8642, "Port to listen on (0: any free port).", bounds=Bounds(0, 65535))
    browser: bool = setting(True, "Open the studio in the browser.")


def keyframes_folder(config: StudioConfig) -> Path:
    """The keyframes folder: the one given, or beside the film named after it."""
    film = Path(config.film)
    return Path(config.keyframes) if config.keyframes else film.with_name(f"{film.stem}-keyframes")


def check_folder(folder: Path) -> None:
    """OutputError for a keyframes folder the studio cannot use (it is created when missing)."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file; give a folder for the keyframes (-k DIR)")
    if not folder.exists() and not folder.parent.is_dir():
        raise OutputError(f"{folder.parent} does not exist; create it first, or give another folder with -k DIR")


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) and listening; OutputError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise OutputError(
                f"port {port} is busy (another program holds it); pass --port N, or --port 0 for any free port"
            ) from None
        raise OutputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(64)
    return sock


def serve(config: StudioConfig, ready: Callable[[str, Path], None]) -> None:
    """Check everything, then serve the studio until interrupted; `ready(url, folder)` once it
    listens (the URL holds the token; the keyframes folder)."""
    import uvicorn

    from .app import build_app

    film = engine.open_film(config.film)
    folder = keyframes_folder(config)
    check_folder(folder)
    if config.output is not None and Path(config.output).parent.exists() is False:
        raise OutputError(f"{Path(config.output).parent} does not exist; create it first, or give another --output")
    if folder.is_dir():
        engine.keyframe_pictures(folder, film)  # refuse a folder holding pictures that are not keyframes, now
    if config.host not in LOCAL:
        log.warning(
            "the studio listens on %s: other machines can reach it (only the token in its address keeps them out)",
            config.host,
        )
    sock = listen(config.host, config.port)
    with ExitStack() as stack:
        stack.callback(sock.close)
        stack.enter_context(engine.locked(folder, "studio"))
        folder.mkdir(exist_ok=True)
        session = Session(film, folder, config.output)
        stack.callback(session.close)
        token = studio_token(folder)  # the last start's on this folder: an open tab goes on
        port = sock.getsockname()[1]
        shown = "127.0.0.1" if config.host in ("0.0.0.0", "::") else config.host
        url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/?token={token}"
        server = uvicorn.Server(
            uvicorn.Config(build_app(session, token, port), log_level="warning", access_log=False, lifespan="off")
        )
        session.start()

        def announce() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                ready(url, folder)
                if config.browser:
                    webbrowser.open(url)

        threading.Thread(target=announce, daemon=True, name="studio-announce").start()
        server.run(sockets=[sock])
