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
import signal
import socket
import threading
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ..configs import StudioConfig
from ..errors import OutputError
from . import engine
from .session import Session
from .tokens import studio_token

log = logging.getLogger(__name__)

LOCAL = ("127.0.0.1", "localhost", "::1")
ANY = ("0.0.0.0", "::")  # every address of the machine


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


def own_address(host: str) -> str:
    """The address to print for a studio listening on `host`: itself, or for all of the
    machine's addresses (0.0.0.0, ::) the one other machines reach it by (the one its route out
    leaves from: nothing is sent), 127.0.0.1 where it has none."""
    if host not in ANY:
        return host
    family = socket.AF_INET6 if host == "::" else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_DGRAM)
    try:
        probe.connect(("2001:db8::1" if host == "::" else "192.0.2.1", 9))  # documentation addresses
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def host_names(host: str, shown: str) -> frozenset[str]:
    """The names a request's Host header may give (the rest are refused: DNS rebinding): the
    loopback names, the address listened on, the one printed and, listening on all of them,
    the machine's name (a request's own local address is taken too: `app.HostCheck`)."""
    names = {*LOCAL, host, shown}
    if host in ANY:
        names.add(socket.gethostname())
    return frozenset(n.lower() for n in names)


@contextmanager
def hang_up_stops(server) -> Iterator[None]:
    """A closed terminal (SIGHUP) stops the studio as Ctrl-C and SIGTERM do (uvicorn handles only
    those two): the server shuts down, then the signal goes on to the handler there was (the
    command line's: everything the studio started is ended on the way out)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "SIGHUP")
        or signal.getsignal(signal.SIGHUP) is signal.SIG_IGN  # under nohup: a hang-up is ignored, as asked
    ):
        yield
        return
    hung_up: list[int] = []

    def stop(signum, frame) -> None:
        hung_up.append(signum)
        server.should_exit = True

    before = signal.signal(signal.SIGHUP, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, before)
    if hung_up:
        signal.raise_signal(signal.SIGHUP)


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
    sock = listen(config.host, config.port)
    shown = own_address(config.host)
    if config.host not in LOCAL:  # said once it listens: a busy port's error comes alone
        where = f"all the machine's addresses ({shown} among them)" if config.host in ANY else config.host
        log.warning(
            "the studio listens on %s: other machines can reach it (only the token in its address keeps them out)",
            where,
        )
    with ExitStack() as stack:
        stack.callback(sock.close)
        stack.enter_context(engine.locked(folder, "studio"))
        folder.mkdir(exist_ok=True)
        session = Session(film, folder, config.output)
        stack.callback(session.close)
        token = studio_token(folder)  # the last start's on this folder: an open tab goes on
        port = sock.getsockname()[1]
        url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/?token={token}"
        app = build_app(session, token, port, host_names(config.host, shown))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
        session.start()

        def announce() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                ready(url, folder)
                if config.browser:
                    webbrowser.open(url)

        threading.Thread(target=announce, daemon=True, name="studio-announce").start()
        with hang_up_stops(server):
            server.run(sockets=[sock])
