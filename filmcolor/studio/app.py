"""The studio's HTTP side: Starlette routes that translate requests into `Session` calls.

Every request must carry the session's token: the `token` query parameter of the address
the command printed (the page is then given it as a cookie for its own scripts and pictures),
or the X-Filmcolor-Token header, which every change must carry (a page of another site can
neither read the token nor set that header). The page holds the token in its HTML, so that
opened without it in its address (a bookmark, the history: the cookie let it in) it still
sends the header, and its changes are saved. Numbers are the only things taken from a
request's path; the static files are a fixed list read at start.

In depth: a request whose Host header names another site is refused (a page of a site whose
name was made to point at this machine, DNS rebinding, would be the studio's "own" page), and
every response says the page takes nothing from elsewhere and is shown in no other page
(`SECURITY_HEADERS`).
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import Conflict, StudioError
from .session import Session

HEADER = "x-filmcolor-token"
# bytes: no stroke picture is larger than its frame's RGBA pixels; this bounds what is read at all
MAX_UPLOAD = 64 << 20
MAX_SKETCH = 4 << 20  # bytes: the quick fill's strokes, at most 1024 px wide
# on every response: scripts, styles and connections only from the studio itself (pictures also from
# the page's own blob: and data: addresses), never inside another page, no address passed on, types as sent
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def static_files() -> dict[str, tuple[bytes, str]]:
    """The page's files (package data: filmcolor/studio/static), read once: name -> (bytes, type)."""
    folder = resources.files("filmcolor.studio") / "static"
    return {
        entry.name: (entry.read_bytes(), STATIC_TYPES[Path(entry.name).suffix])
        for entry in folder.iterdir()
        if Path(entry.name).suffix in STATIC_TYPES
    }


class SecurityHeaders:
    """ASGI middleware: `SECURITY_HEADERS` added to every response, refusals included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)


def host_name(header: str) -> str:
    """The name (or address) a Host header gives, without its port or an IPv6 address's brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class HostCheck:
    """ASGI middleware: 400 for a request whose Host header is none of `names` (the studio's own
    addresses and localhost) nor the address it came in on."""

    def __init__(self, app: ASGIApp, names: frozenset[str]) -> None:
        self.app, self.names = app, names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._ours(scope):
            response = PlainTextResponse(
                "bad Host header: open the address `filmcolor studio` printed", status_code=400
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _ours(self, scope: Scope) -> bool:
        name = host_name(Headers(scope=scope).get("host", "")).rstrip(".")
        local = (scope.get("server") or ("",))[0] or ""
        return bool(name) and (name in self.names or name == local.lower())


class TokenGate:
    """ASGI middleware: 403 for a request without the token; a change (not GET) needs it in the header."""

    def __init__(self, app: ASGIApp, token: str, cookie: str) -> None:
        self.app, self.token, self.cookie = app, token, cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get(HEADER, "")
        given = header or request.query_params.get("token", "") or request.cookies.get(self.cookie, "")
        safe = scope["method"] in ("GET", "HEAD")
        if not self._right(given) or (not safe and not self._right(header)):
            response: Response = PlainTextResponse(
                "forbidden: open the address `filmcolor studio` printed (it holds the token)", status_code=403
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _right(self, given: str) -> bool:
        return bool(given) and secrets.compare_digest(given.encode(), self.token.encode())


def _width(request: Request) -> int | None:
    try:
        width = int(request.query_params.get("w", "0"))
    except ValueError:
        return None
    return width if width > 0 else None


async def _png_body(request: Request, limit: int = MAX_UPLOAD) -> bytes | Response:
    """The request's body, a PNG of at most `limit` bytes (read no further), or the refusal."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "image/png":
        return JSONResponse({"error": "send the strokes as image/png"}, status_code=415)
    declared = request.headers.get("content-length", "")
    too_big = JSONResponse({"error": f"the strokes are over {limit >> 20} MB"}, status_code=413)
    if declared.isdigit() and int(declared) > limit:
        return too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return too_big
    return bytes(body)


async def _frame(request: Request) -> int | Response:
    """The frame number a request's JSON body names (`{"frame": N}`), or the 400 response that
    says what to send: a whole number, never `true`, a fraction or an overflowing 1e400."""
    try:
        frame = (await request.json())["frame"]
    except (ValueError, KeyError, TypeError):
        frame = None
    if not isinstance(frame, int) or isinstance(frame, bool):
        return JSONResponse({"error": 'send {"frame": N}, N a frame number'}, status_code=400)
    return frame


def build_app(session: Session, token: str, port: int, hosts: frozenset[str]) -> ASGIApp:
    """The studio's ASGI app for `session`, guarded by `token`, for requests to `hosts` (names
    and addresses a Host header may give)."""
    files = static_files()
    # served only to a request with the token: another site's page cannot read it (same-origin policy)
    page = files["index.html"][0].replace(b"%TOKEN%", token.encode())
    cookie = f"filmcolor-studio-{port}"  # cookies do not tell ports apart: one per studio

    async def index(request: Request) -> Response:
        response = Response(page, media_type=files["index.html"][1], headers={"Cache-Control": "no-store"})
        if request.query_params.get("token"):
            response.set_cookie(cookie, request.query_params["token"], httponly=True, samesite="strict")
        return response

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in files:
            return PlainTextResponse("not found", status_code=404)
        body, kind = files[name]
        return Response(body, media_type=kind, headers={"Cache-Control": "no-store"})

    async def state(request: Request) -> Response:
        since = request.query_params.get("since", "0")
        return JSONResponse(session.state(int(since) if since.isdigit() else 0))

    def jpeg(data: bytes, **headers: str) -> Response:
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store", **headers})

    async def thumb(request: Request) -> Response:
        return jpeg(await run_in_threadpool(session.thumb, request.path_params["n"]))

    async def merge(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(session.merge_shot, request.path_params["n"]))

    async def setup(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        other = body.get("with", "") if isinstance(body, dict) else ""
        if other is not None and (not isinstance(other, int) or isinstance(other, bool)):
            return JSONResponse(
                {"error": 'send {"with": a shot number, or null to take the shot out of its setup}'}, status_code=400
            )
        return JSONResponse(await run_in_threadpool(session.set_setup, request.path_params["n"], other))

    async def rest(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        chosen = body.get("rest") if isinstance(body, dict) else None
        if not isinstance(chosen, str):
            return JSONResponse({"error": 'send {"rest": "gray"} or {"rest": "automatic"}'}, status_code=400)
        return JSONResponse(await run_in_threadpool(session.set_rest, chosen))

    async def split(request: Request) -> Response:
        frame = await _frame(request)
        if isinstance(frame, Response):
            return frame
        return JSONResponse(await run_in_threadpool(session.split_shot, frame))

    async def gray(request: Request) -> Response:
        return jpeg(await run_in_threadpool(session.gray_jpeg, request.path_params["frame"], _width(request)))

    async def auto(request: Request) -> Response:
        return jpeg(await run_in_threadpool(session.auto_jpeg, request.path_params["frame"]))

    async def strokes(request: Request) -> Response:
        data, revision = await run_in_threadpool(session.strokes_png, request.path_params["frame"])
        return Response(
            data, media_type="image/png", headers={"Cache-Control": "no-store", "X-Revision": str(revision)}
        )

    async def save(request: Request) -> Response:
        body = await _png_body(request)
        if isinstance(body, Response):
            return body
        base = request.headers.get("x-base-revision", "")
        if not base.isdigit():
            return JSONResponse(
                {"error": "X-Base-Revision: the keyframe's revision the strokes were painted on"}, status_code=400
            )
        revision = await run_in_threadpool(
            session.save_strokes, request.path_params["frame"], body, int(base), request.headers.get("x-swatch")
        )
        # its kind too: the shot's badge shows it at once (a start from the automatic colour is "coloured")
        return JSONResponse({"revision": revision, "kind": session.keyframe_kind(request.path_params["frame"])})

    async def sketch(request: Request) -> Response:
        body = await _png_body(request, MAX_SKETCH)
        if isinstance(body, Response):
            return body
        return jpeg(await run_in_threadpool(session.sketch_jpeg, request.path_params["frame"], body, _width(request)))

    async def filled(request: Request) -> Response:
        fine = request.query_params.get("fine") == "1"
        data, revision, quality = await run_in_threadpool(
            session.filled_jpeg, request.path_params["frame"], fine, _width(request)
        )
        return jpeg(data, **{"X-Revision": str(revision), "X-Fill": quality})

    async def preview(request: Request) -> Response:
        frame = await _frame(request)
        if isinstance(frame, Response):
            return frame
        return JSONResponse(await run_in_threadpool(session.start_preview, frame))

    async def preview_state(request: Request) -> Response:
        return JSONResponse(session.preview_state(request.path_params["id"]))

    async def preview_frame(request: Request) -> Response:
        return jpeg(session.preview_frame(request.path_params["id"], request.path_params["k"]))

    async def render(request: Request) -> Response:
        if request.method == "DELETE":
            return JSONResponse(session.cancel_render())
        return JSONResponse(await run_in_threadpool(session.start_render))

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StudioError)
        body: dict[str, str | int] = {"error": str(exc)}
        if isinstance(exc, Conflict):
            body["revision"] = exc.revision
        return JSONResponse(body, status_code=exc.status)

    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/state", state),
        Route("/api/shots/{n:int}/thumb.jpg", thumb),
        Route("/api/shots/{n:int}/merge", merge, methods=["POST"]),
        Route("/api/shots/split", split, methods=["POST"]),
        Route("/api/shots/{n:int}/setup", setup, methods=["POST"]),
        Route("/api/rest", rest, methods=["POST"]),
        Route("/api/frames/{frame:int}/gray.jpg", gray),
        Route("/api/frames/{frame:int}/auto.jpg", auto),
        Route("/api/keyframes/{frame:int}/strokes.png", strokes),
        Route("/api/keyframes/{frame:int}/strokes", save, methods=["PUT"]),
        Route("/api/keyframes/{frame:int}/sketch", sketch, methods=["POST"]),
        Route("/api/keyframes/{frame:int}/filled.jpg", filled),
        Route("/api/previews", preview, methods=["POST"]),
        Route("/api/previews/{id:int}", preview_state),
        Route("/api/previews/{id:int}/{k:int}.jpg", preview_frame),
        Route("/api/render", render, methods=["POST", "DELETE"]),
    ]
    app = Starlette(routes=routes, exception_handlers={StudioError: refused})
    return SecurityHeaders(HostCheck(TokenGate(app, token, cookie), hosts))
