"""`filmcolor studio`: the page driven in a real browser (Playwright with Debian's Chromium),
its safety over plain HTTP, its state without HTTP, and its errors before it starts."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from chromium import BROWSER, browsers, launch, open_page
from clirun import assert_one_line_error, run_cli
from configs import render_config
from testfilms import make_film

from filmcolor.colour import rgb_to_ycbcr
from filmcolor.render import render
from filmcolor.studio import engine
from filmcolor.studio.session import Conflict, Session, StudioError

pytestmark = pytest.mark.slow  # every test here starts the studio's process or server (seconds each)

W, H, SHOT = 160, 96, 24  # the test film: two shots of 24 frames


def _pictures() -> list[np.ndarray]:
    """Two shots. The first: a dark left half and a bright right half (a strong edge at x = 80)
    with a soft texture drifting right 1 px a frame; the second: bright above, dark below."""
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.random((H, W + SHOT)).astype(np.float32), (0, 0), 3) * 40 - 20  # (H, W + 24)
    out = []
    for i in range(SHOT):
        y = np.where(np.arange(W) < W // 2, 60.0, 190.0)[None, :] + texture[:, SHOT - i : SHOT - i + W]
        out.append(np.clip(y, 0, 255).astype(np.uint8))
    for i in range(SHOT):
        y = np.where(np.arange(H) < H // 2, 200.0, 40.0)[:, None] + texture[:, i : i + W]
        out.append(np.clip(y, 0, 255).astype(np.uint8))
    return [np.repeat(y[..., None], 3, axis=2) for y in out]


@pytest.fixture
def film(tmp_path) -> Path:
    return make_film(tmp_path / "edge.mp4", pictures=_pictures(), keyint=12)


def _command(film: Path, keys: Path, *extra: str) -> list[str]:
    """`filmcolor studio FILM -k KEYS --port 0 --no-browser EXTRA...`, as a user starts it."""
    return [
        sys.executable,
        "-m",
        "filmcolor",
        "studio",
        str(film),
        "-k",
        str(keys),
        "--port",
        "0",
        "--no-browser",
        *extra,
    ]


def _start(film: Path, keys: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """The studio as a user starts it, in its own process; (process, address with the token)."""
    proc = subprocess.Popen(_command(film, keys, *extra), stderr=subprocess.PIPE, text=True)
    deadline, seen = time.monotonic() + 60, ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        found = re.search(r"http://\S+", line)
        if found:
            return proc, found.group(0)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the studio did not start: {seen}")


@pytest.fixture
def studio(film, tmp_path):
    keys = tmp_path / "keys"
    proc, url = _start(film, keys, "-o", str(tmp_path / "page-render.mp4"))
    yield url, keys
    proc.terminate()
    proc.wait(timeout=30)


def _wait_shots(base: str, token: str) -> dict:
    for _ in range(300):
        state = json.loads(urllib.request.urlopen(f"{base}/api/state?token={token}").read())
        if state["scan"]["finished"]:
            return state
        time.sleep(0.1)
    raise AssertionError("the shots were not found")


def _mean_rgb(rgb: np.ndarray, x0: float, x1: float, y0: float = 0.3, y1: float = 0.7) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[int(h * y0) : int(h * y1), int(w * x0) : int(w * x1)].reshape(-1, 3).mean(axis=0)


PIXELS = """(id) => { const img = document.getElementById(id); const c = document.createElement('canvas');
  c.width = img.naturalWidth || img.width; c.height = img.naturalHeight || img.height;
  const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
  return [c.width, c.height, Array.from(ctx.getImageData(0, 0, c.width, c.height).data)]; }"""


# Drop a PNG (base64) on the reference box as a file dragged from the desktop would be.
DROP = """b64 => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], "reference.png", { type: "image/png" }));
  document.querySelector("#reference").dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""


def _pixels(page, element: str) -> np.ndarray:
    """(h, w, 4) uint8 RGBA of an <img> or <canvas> of the page, as the browser has it."""
    w, h, data = page.evaluate(PIXELS, element)
    return np.array(data, np.uint8).reshape(h, w, 4)


def _set(page, element: str, value: object) -> None:
    """Set an <input> of the page as a user would (its input event fires)."""
    page.evaluate(
        "([id, v]) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input')); }",
        [element, value],
    )


def _stroke(page, colour: str, x0: float, x1: float, y: float) -> None:
    """A brush stroke from x0 to x1 (shares of the keyframe's width) at height y, in `colour`."""
    _set(page, "colour", colour)
    box = page.locator("#strokes").bounding_box()
    page.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(box["x"] + box["width"] * (x0 + (x1 - x0) * k / 8), box["y"] + box["height"] * y)
    page.mouse.up()


@BROWSER
def test_the_studio_in_a_browser(studio, film, tmp_path, tiny_weights):
    url, keys = studio
    with browsers() as p:
        errors: list[str] = []
        page = open_page(p, url, errors)
        page.wait_for_function("document.querySelector('#scan-text').textContent === '2 shots'", timeout=60000)
        assert page.locator(".shot").count() == 2
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        assert page.locator(".shot .badge").all_inner_texts() == ["not started", "not started"]

        # two strokes on the first shot's keyframe: red on the dark half, blue on the bright one
        _stroke(page, "#d02020", 0.1, 0.35, 0.5)
        page.wait_for_function("window.studio.timings.length === 1", timeout=30000)
        _stroke(page, "#2040d0", 0.65, 0.9, 0.5)
        page.wait_for_function(
            "window.studio.timings.length === 2 && window.studio.state.revision === 2", timeout=30000
        )
        page.wait_for_function(
            "document.querySelector('#fill-text').textContent.startsWith('filled as the render')", timeout=30000
        )
        filled = _pixels(page, "base")[..., :3].astype(float)
        left, right = _mean_rgb(filled, 0.05, 0.45, 0.1, 0.9), _mean_rgb(filled, 0.55, 0.95, 0.1, 0.9)
        assert left[0] > left[2] + 15, left  # red where painted, filled over the dark half
        assert right[2] > right[0] + 15, right  # blue over the bright half: the red stopped at the edge
        near = _mean_rgb(filled, 0.52, 0.56, 0.1, 0.9)  # just across the edge from the red stroke's half
        assert near[2] > near[0], near
        assert page.locator(".shot .badge").first.inner_text() == "strokes"

        # the strokes are saved: a reload finds them
        page.reload()
        page.wait_for_function(
            "document.querySelector('#frame-info').textContent.includes('keyframe (revision 2')", timeout=30000
        )
        strokes = _pixels(page, "strokes")
        h, w = strokes.shape[:2]
        assert (
            strokes[h // 2, int(w * 0.2), 3] == 255
            and strokes[h // 2, int(w * 0.2), 0] > strokes[h // 2, int(w * 0.2), 2] + 30
        )
        assert (
            strokes[h // 2, int(w * 0.8), 3] == 255
            and strokes[h // 2, int(w * 0.8), 2] > strokes[h // 2, int(w * 0.8), 0] + 30
        )
        assert strokes[int(h * 0.1), w // 2, 3] == 0  # unpainted: clear, the render fills it
        assert (keys / "000000.png").is_file() and json.loads((keys / "keyframes.json").read_text())["keyframes"][0][
            "revision"
        ] == 2

        # a second tab paints on the same keyframe; the first tab's stroke ends while it loads that
        # tab's strokes, and its quick fill is still on its way when the load is done (both held
        # here, so the race is the same every run): all strokes are kept, and saved once
        held: dict[str, list] = {"strokes.png": [], "sketch": []}
        holding = {"strokes.png"}

        def hold(route) -> None:
            name = next((n for n in holding if n in route.request.url), None)
            held[name].append(route) if name else route.continue_()

        def wait_held(name: str) -> None:
            deadline = time.monotonic() + 30
            while not held[name]:
                assert time.monotonic() < deadline, f"the page never asked for {name}"
                page.wait_for_timeout(50)

        page.route("**/api/keyframes/0/**", hold)
        other = page.context.browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)
        other.goto(url)
        other.wait_for_function(
            "document.querySelector('#frame-info').textContent.includes('keyframe (revision 2')", timeout=30000
        )
        _stroke(other, "#20c040", 0.1, 0.35, 0.15)
        other.wait_for_function("window.studio.state.revision === 3 && !window.studio.painter.pending", timeout=30000)
        wait_held("strokes.png")  # the first tab's poll saw revision 3 and is loading its strokes
        holding = {"sketch"}
        fills = page.evaluate("window.studio.timings.length")
        _stroke(page, "#20c040", 0.65, 0.9, 0.85)
        wait_held("sketch")
        held["strokes.png"].pop().continue_()
        page.wait_for_function("window.studio.state.revision === 4 && !window.studio.state.saving", timeout=30000)
        holding = set()
        held["sketch"].pop().continue_()
        page.wait_for_function(
            f"window.studio.timings.length > {fills} && !window.studio.painter.pending && !window.studio.state.saving",
            timeout=30000,
        )
        page.unroute("**/api/keyframes/0/**")
        assert page.evaluate("window.studio.state.revision") == 4
        assert json.loads((keys / "keyframes.json").read_text())["keyframes"][0]["revision"] == 4
        status, body = _call(url.replace("/?token=", "/api/keyframes/0/strokes.png?token="))
        saved = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_UNCHANGED)
        # the first two strokes, the other tab's, the last
        for x, y in ((0.2, 0.5), (0.8, 0.5), (0.2, 0.15), (0.8, 0.85)):
            assert saved[int(H * y), int(W * x), 3] == 255, (x, y)
        other.close()

        # undo takes the last stroke off the saved keyframe, redo puts it back
        def saved_alpha(x: float, y: float) -> int:
            body = _call(url.replace("/?token=", "/api/keyframes/0/strokes.png?token="))[1]
            return int(cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_UNCHANGED)[int(H * y), int(W * x), 3])

        settled = "!window.studio.painter.pending && !window.studio.state.saving"
        revision = page.evaluate("window.studio.state.revision")
        page.click("#undo")
        page.wait_for_function(f"window.studio.state.revision === {revision + 1} && {settled}")
        assert saved_alpha(0.8, 0.85) == 0 and saved_alpha(0.2, 0.15) == 255
        page.click("#redo")
        page.wait_for_function(f"window.studio.state.revision === {revision + 2} && {settled}")
        assert saved_alpha(0.8, 0.85) == 255

        # the automatic colour as a start: the whole keyframe coloured, saved, undone like a stroke
        swatches = page.evaluate("window.studio.state.swatches.join()")
        page.click("#from-auto")
        page.wait_for_function(f"window.studio.state.revision === {revision + 3} && {settled}", timeout=60000)
        assert saved_alpha(0.5, 0.1) == 255
        page.wait_for_function("window.studio.state.keyframes[0].kind === 'coloured'")  # as the next poll says
        assert page.evaluate("window.studio.state.swatches.join()") == swatches  # no brush colour was used
        page.click("#undo")
        page.wait_for_function(f"window.studio.state.revision === {revision + 4} && {settled}")
        assert saved_alpha(0.5, 0.1) == 0 and saved_alpha(0.8, 0.85) == 255

        # a reference picture dropped on the page: a click on it takes its colour
        reference = np.zeros((40, 60, 4), np.uint8)
        reference[:, :30] = (51, 102, 204, 255)
        reference[:, 30:] = (200, 160, 40, 255)
        page.evaluate(DROP, base64.b64encode(_png(reference)).decode())
        page.wait_for_selector("#reference-canvas:not([hidden])")
        box = page.locator("#reference-canvas").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
        assert page.input_value("#colour") == "#3366cc"
        page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.5)
        assert page.input_value("#colour") == "#c8a028"

        # a colour picked from the automatic colour's view
        page.check("input[name=view][value=auto]")
        page.wait_for_function(
            "window.studio.state.urls.auto !== null && document.querySelector('#base').src === window.studio.state.urls.auto",
            timeout=60000,
        )
        page.check("input[name=tool][value=pick]")
        before = page.input_value("#colour")
        box = page.locator("#strokes").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3)
        assert page.input_value("#colour") != before
        page.check("input[name=view][value=filled]")
        page.check("input[name=tool][value=brush]")

        # any frame of a shot can be made its keyframe: the second shot, its seventh frame
        page.locator(".shot").nth(1).click()
        page.wait_for_function(f"window.studio.state.loaded === {SHOT}")
        _set(page, "scrubber", SHOT + 6)
        page.click("#make-key")
        page.wait_for_function(f"window.studio.state.loaded === {SHOT + 6}")
        assert f"frame {SHOT + 6} " in page.inner_text("#frame-info") and "not a keyframe yet" in page.inner_text(
            "#frame-info"
        )
        # a stroke there, and the first shot chosen before its quick fill is back (held here): the
        # stroke is saved to the frame it was painted on, never lost or put on the frame opened next
        holding = {"sketch"}
        page.route("**/api/keyframes/**", hold)
        _stroke(page, "#20c040", 0.1, 0.3, 0.5)
        wait_held("sketch")
        page.locator(".shot").nth(0).click()
        page.wait_for_function("window.studio.state.loaded === 0")
        holding = set()
        held["sketch"].pop().continue_()
        page.unroute("**/api/keyframes/**")
        page.wait_for_function(f"window.studio.state.keyframes[{SHOT + 6}]?.revision === 1")
        status, body = _call(url.replace("/?token=", f"/api/keyframes/{SHOT + 6}/strokes.png?token="))
        assert cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_UNCHANGED)[H // 2, int(W * 0.2), 3] == 255
        page.wait_for_function(f"window.studio.state.revision === {revision + 4} && {settled}")
        assert saved_alpha(0.2, 0.5) == 255 and saved_alpha(0.5, 0.1) == 0  # the first keyframe as it was

        # the shot preview: the colour carried to the shot's last frame
        page.click("#preview")
        page.wait_for_function(
            "document.querySelector('#preview-text').textContent.includes('carried in')", timeout=120000
        )
        assert page.evaluate("window.studio.state.preview.frames.length") == SHOT
        _set(page, "preview-scrub", SHOT - 1)
        page.wait_for_timeout(300)
        last = _pixels(page, "preview-img")[..., :3].astype(float)
        left, right = _mean_rgb(last, 0.05, 0.4), _mean_rgb(last, 0.6, 0.95)
        assert left[0] > left[2] + 10 and right[2] > right[0] + 10, (left, right)

        # the render button: render --keyframes in the background, its output's path in the page
        page.click("#render")
        page.wait_for_function(
            "document.querySelector('#render-text').textContent.startsWith('rendered in')", timeout=300000
        )
        assert str(tmp_path / "page-render.mp4") in page.inner_text("#render-text")
        assert errors == []

    # the saved folder drives render --keyframes to the painted colour, through the whole shot
    out = tmp_path / "cli-render.mp4"
    render(film, out, render_config(weights=tiny_weights, keyframes=keys))
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24").astype(float) for f in c.decode(video=0)]
    for i in (0, SHOT - 1):
        left, right = _mean_rgb(frames[i], 0.05, 0.4), _mean_rgb(frames[i], 0.6, 0.95)
        assert left[0] > left[2] + 10 and right[2] > right[0] + 10, (i, left, right)
    with av.open(str(tmp_path / "page-render.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 2 * SHOT


def _call(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _png(rgba: np.ndarray) -> bytes:
    return cv2.imencode(".png", rgba[..., [2, 1, 0, 3]])[1].tobytes()


def test_safety_over_http(studio, tmp_path):
    url, keys = studio
    base, token = url.split("/?token=")
    _wait_shots(base, token)
    before = sorted(p.name for p in tmp_path.iterdir())
    header = {"X-Filmcolor-Token": token}
    # no token, a wrong one: nothing, not even the page's own files
    for path in ("/", "/static/studio.js", "/api/state", "/api/frames/0/gray.jpg", "/api/keyframes/0/strokes.png"):
        assert _call(base + path)[0] == 403, path
        assert _call(base + path + "?token=wrong")[0] == 403, path
    assert _call(url)[0] == 200 and _call(f"{base}/api/state", headers=header)[0] == 200
    strokes = np.zeros((H, W, 4), np.uint8)
    strokes[40:50, 10:30] = (200, 30, 30, 255)
    put = {"Content-Type": "image/png", "X-Base-Revision": "0"}
    # a change needs the token in its header: a page of another site cannot set one
    assert _call(f"{base}/api/keyframes/0/strokes?token={token}", "PUT", _png(strokes), put)[0] == 403
    # paths: only numbers are taken from them, and only frames of the film
    for path in (
        "/static/../../edge.mp4",
        "/static/..%2F..%2Fedge.mp4",
        "/api/keyframes/..%2F..%2Fx/strokes.png",
        "/static/%2Fetc%2Fpasswd",
    ):
        conn = http.client.HTTPConnection(base.removeprefix("http://"))
        conn.request("GET", f"{path}?token={token}")  # sent as it is, not tidied by a client
        assert conn.getresponse().status == 404, path
        conn.close()
    for frame in ("-1", "48", "99999999", "1e3", "..%2F000000"):
        assert _call(f"{base}/api/keyframes/{frame}/strokes", "PUT", _png(strokes), {**header, **put})[0] == 404, frame
    # uploads: a PNG with transparency of the keyframe's size, within a limit
    wrong_size = np.zeros((H // 2, W // 2, 4), np.uint8)
    assert _call(f"{base}/api/keyframes/0/strokes", "PUT", _png(wrong_size), {**header, **put})[0] == 422
    jpeg = cv2.imencode(".jpg", strokes[..., :3])[1].tobytes()
    assert _call(f"{base}/api/keyframes/0/strokes", "PUT", jpeg, {**header, **put})[0] == 415
    assert (
        _call(f"{base}/api/keyframes/0/strokes", "PUT", jpeg, {**header, **put, "Content-Type": "image/jpeg"})[0] == 415
    )
    opaque = cv2.imencode(".png", strokes[..., 2::-1])[1].tobytes()  # no transparency
    assert _call(f"{base}/api/keyframes/0/strokes", "PUT", opaque, {**header, **put})[0] == 415
    conn = http.client.HTTPConnection(base.removeprefix("http://"))
    conn.putrequest("PUT", "/api/keyframes/0/strokes")
    for k, v in {**header, **put, "Content-Length": str(1 << 30)}.items():
        conn.putheader(k, v)
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()
    assert not (keys / "000000.png").exists()
    # a frame named in a body is a whole number: not true (1), a fraction, 1e400 (infinity) or text
    for body in (b'{"frame": true}', b'{"frame": 1.5}', b'{"frame": 1e400}', b'{"frame": "3"}', b"[3]", b"nonsense"):
        for path in ("/api/previews", "/api/shots/split"):
            status, answer = _call(base + path, "POST", body, {**header, "Content-Type": "application/json"})
            assert status == 400 and b"a frame number" in answer, (path, body)
    # the quick fill takes the strokes at a smaller size of the film's shape, and writes nothing
    small = cv2.resize(strokes, (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    status, body = _call(
        f"{base}/api/keyframes/0/sketch?w=80", "POST", _png(small), {**header, "Content-Type": "image/png"}
    )
    assert status == 200 and cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR).shape == (48, 80, 3)
    square = np.zeros((64, 64, 4), np.uint8)
    assert (
        _call(f"{base}/api/keyframes/0/sketch", "POST", _png(square), {**header, "Content-Type": "image/png"})[0] == 422
    )
    assert not (keys / "000000.png").exists()
    # a good one is saved; one painted on an older revision (another tab) is refused, not lost
    status, body = _call(f"{base}/api/keyframes/0/strokes", "PUT", _png(strokes), {**header, **put})
    assert status == 200 and json.loads(body)["revision"] == 1
    status, body = _call(f"{base}/api/keyframes/0/strokes", "PUT", _png(strokes), {**header, **put})
    assert status == 409 and json.loads(body)["revision"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written outside the keyframes folder
    assert sorted(p.name for p in keys.iterdir()) == ["000000.png", "keyframes.json"]


def test_the_session_without_http(film, tmp_path):
    """Saving, revisions, the fill and what is kept, as plain calls."""
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(film), keys)
    strokes = np.zeros((H, W, 4), np.uint8)
    strokes[40:56, 10:30] = (210, 30, 30, 255)
    assert session.save_strokes(5, _png(strokes), 0, "#d21e1e") == 1
    session.close()
    with pytest.raises(Conflict):
        session.save_strokes(5, _png(strokes), 0)
    with pytest.raises(StudioError):
        session.save_strokes(48, _png(strokes), 0)
    saved = cv2.imread(str(keys / "000005.png"), cv2.IMREAD_UNCHANGED)
    gray = engine.gray_frame(session.film, 5)
    assert saved.shape == (H, W, 4) and (saved[..., 3] == strokes[..., 3]).all()
    clear, painted = saved[..., 3] == 0, strokes[..., 3] > 0
    assert np.array_equal(saved[..., 0][clear], gray[clear])  # the gray frame under the clear parts
    ycc = rgb_to_ycbcr(saved[..., 2::-1].astype(np.float32) / 255.0)  # (H, W, 3)
    red = rgb_to_ycbcr(np.float32([210, 30, 30]) / 255.0)
    assert np.abs(ycc[painted][:, 1:] - red[1:]).max() < 0.01  # the stroke's chroma, whole
    shift = np.abs(ycc[painted][:, 0] * 255 - gray[painted])
    assert (shift <= np.maximum(2, 0.4 * 255 - gray[painted])).all()  # at the frame's luma, or as near as can carry it
    again = Session(engine.open_film(film), keys)  # reopened: the strokes, the revision, the swatch
    assert again.keyframes[5].revision == 1 and again.swatches == ["#d21e1e"]
    layer = cv2.imdecode(np.frombuffer(again.strokes_png(5)[0], np.uint8), cv2.IMREAD_UNCHANGED)
    assert (layer[..., 3] == strokes[..., 3]).all()
    assert again.filled_jpeg(5)[2] == "coarse"  # at once, before the render's own fill
    again.start()
    data, revision, quality = again.filled_jpeg(5, fine=True)
    again.close()
    assert revision == 1 and quality == "fine"
    rgb = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[..., ::-1].astype(float)
    assert _mean_rgb(rgb, 0.05, 0.45)[0] > _mean_rgb(rgb, 0.05, 0.45)[2] + 15


def test_errors_before_the_server_starts(film, tmp_path, capsys):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a film")
    assert_one_line_error(*run_cli(["studio", bad, "--no-browser"], capsys), "not a film FFmpeg can read")
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert_one_line_error(*run_cli(["studio", film, "-k", afile, "--no-browser"], capsys), "is a file")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        code, err = run_cli(
            ["studio", film, "-k", tmp_path / "k", "--port", busy.getsockname()[1], "--no-browser"], capsys
        )
    finally:
        busy.close()
    assert_one_line_error(code, err, "is busy")
    assert not (tmp_path / "k").exists()


SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "band.mp4"


@BROWSER
def test_the_readme_workflow_on_the_sample(tmp_path):
    """What the README's studio steps tell a new user: `filmcolor studio band.mp4`, three strokes on
    the first shot, preview it, render. With FILMCOLOR_SCREENSHOTS=DIR the page is saved as
    DIR/studio.png (docs/studio.md's picture: FILMCOLOR_SCREENSHOTS=docs pytest tests/test_studio.py -k readme)."""
    import os
    import shutil

    film = tmp_path / "band.mp4"
    shutil.copy(SAMPLE, film)
    proc = subprocess.Popen(
        [sys.executable, "-m", "filmcolor", "studio", str(film), "--port", "0", "--no-browser"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = ""
        while "http://" not in line:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "the studio did not start"
        url = re.search(r"http://\S+", line).group(0)
        with browsers() as p:
            page = open_page(p, url, size=(1280, 860))
            page.wait_for_function("document.querySelector('#scan-text').textContent === '7 shots'", timeout=60000)
            page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
            _stroke(page, "#d9956a", 0.15, 0.21, 0.35)  # the singer's face
            _stroke(page, "#d9956a", 0.72, 0.78, 0.35)  # the guitarist's face
            _stroke(page, "#f0c860", 0.44, 0.51, 0.33)  # the lamp's shade
            page.wait_for_function(
                "window.studio.timings.length >= 1 && !window.studio.state.saving && !window.studio.painter.pending",
                timeout=60000,
            )
            page.wait_for_function(
                "document.querySelector('#fill-text').textContent.startsWith('filled as the render')", timeout=60000
            )
            page.wait_for_function("document.querySelectorAll('.swatch').length === 2")  # the two colours used
            page.click("#preview")
            page.wait_for_function(
                "document.querySelector('#preview-text').textContent.includes('carried in')", timeout=300000
            )
            _set(page, "preview-scrub", 20)
            page.check("#side-by-side")
            page.wait_for_timeout(500)
            if os.environ.get("FILMCOLOR_SCREENSHOTS"):
                page.screenshot(path=str(Path(os.environ["FILMCOLOR_SCREENSHOTS"]) / "studio.png"), full_page=True)
            filled = _pixels(page, "base")[..., :3].astype(float)
            for x0, x1 in ((0.15, 0.21), (0.72, 0.78), (0.44, 0.51)):  # warm where it was painted
                painted = _mean_rgb(filled, x0, x1, 0.3, 0.4)
                assert painted[0] > painted[2] + 10, (x0, painted)
            page.click("#render")
            page.wait_for_function(
                "document.querySelector('#render-text').textContent.startsWith('rendered in')", timeout=600000
            )
            assert str(tmp_path / "band-color.mp4") in page.inner_text("#render-text")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert sorted(p.name for p in (tmp_path / "band-keyframes").iterdir()) == ["000000.png", "keyframes.json"]
    with av.open(str(tmp_path / "band-color.mp4")) as c:
        assert c.streams.video[0].frames == 360


def test_a_keyframes_folder_from_elsewhere(film, tmp_path):
    """A folder `filmcolor keyframes` wrote (gray pictures) with one keyframe coloured whole in an
    image editor (a JPEG): the gray ones open blank, the JPEG as strokes over all of it; painting
    on it saves NNNNNN.png and keeps the JPEG aside, so the render never sees two of one frame."""
    from filmcolor.inference import InferenceConfig
    from filmcolor.keyframes import KeyframesConfig, write_keyframes

    keys = tmp_path / "keys"
    write_keyframes(film, keys, KeyframesConfig(), InferenceConfig())
    coloured = cv2.imread(str(keys / "000024.png"))
    coloured[..., 2] = np.clip(coloured[..., 2].astype(int) + 60, 0, 255)  # reddened all over
    (keys / "000024.png").unlink()
    cv2.imwrite(str(keys / "000024.jpg"), coloured)
    session = Session(engine.open_film(film), keys)
    session.start()
    deadline = time.monotonic() + 60
    while any(s.kind is None for s in session.keyframes.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert {f: s.kind for f, s in session.keyframes.items()} == {0: "blank", 24: "coloured"}
    layer = cv2.imdecode(np.frombuffer(session.strokes_png(24)[0], np.uint8), cv2.IMREAD_UNCHANGED)
    assert (layer[..., 3] == 255).all()
    assert session.save_strokes(24, _png(layer[..., [2, 1, 0, 3]]), 0) == 1
    session.close()
    assert sorted(p.name for p in keys.iterdir()) == ["000000.png", "000024.jpg.orig", "000024.png", "keyframes.json"]
    assert engine.keyframe_pictures(keys, session.film).keys() == {0, 24}


def _three_shots() -> list[np.ndarray]:
    """Three shots of SHOT frames: the two of `_pictures`, then a checkerboard of dark and bright
    blocks under a texture drifting left."""
    rng = np.random.default_rng(1)
    texture = cv2.GaussianBlur(rng.random((H, W + SHOT)).astype(np.float32), (0, 0), 3) * 40 - 20
    yy, xx = np.mgrid[0:H, 0:W]
    blocks = np.where((xx // 40 + yy // 32) % 2 == 0, 50.0, 210.0)
    third = [np.clip(blocks + texture[:, i : i + W], 0, 255).astype(np.uint8) for i in range(SHOT)]
    return _pictures() + [np.repeat(y[..., None], 3, axis=2) for y in third]


@pytest.fixture
def three_shots(tmp_path) -> Path:
    return make_film(tmp_path / "three.mp4", pictures=_three_shots(), keyint=12)


def _wait_scanned(session: Session) -> None:
    """Until the shots are all found, read as the page reads them (`state`, under the session's
    lock: the detector's list is written into keyframes.json by then)."""
    deadline = time.monotonic() + 60
    while not session.state()["scan"]["finished"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session.state()["scan"]["finished"] and session.scan_error is None


def test_correcting_the_shots_without_http(three_shots, tmp_path):
    """Merge and split as plain calls: refused while the shots are found and at a shot's first
    frame; each saved in keyframes.json at once, the keyframes kept; a new session takes the list."""
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(three_shots), keys)
    with pytest.raises(StudioError, match="still being found"):
        session.merge_shot(1)
    session.start()
    _wait_scanned(session)
    assert [s.first for s in session.shots] == [0, SHOT, 2 * SHOT]
    listing = json.loads((keys / "keyframes.json").read_text())  # the detector's list, written once found
    assert listing["cuts"] == [SHOT, 2 * SHOT] and listing["shots_edited"] is False
    strokes = np.zeros((H, W, 4), np.uint8)
    strokes[40:56, 10:30] = (210, 30, 30, 255)
    session.save_strokes(SHOT + 6, _png(strokes), 0)
    assert session.state()["unkeyed"] == [0, 2]
    with pytest.raises(StudioError, match="no shot before it"):
        session.merge_shot(0)
    state = session.merge_shot(1)
    assert [s["first"] for s in state["shots"]] == [0, 2 * SHOT] and state["unkeyed"] == [1]
    with pytest.raises(StudioError, match="first frame"):
        session.split_shot(2 * SHOT)
    state = session.split_shot(12)
    assert [(s["first"], s["end"]) for s in state["shots"]] == [(0, 12), (12, 2 * SHOT), (2 * SHOT, 3 * SHOT)]
    assert state["unkeyed"] == [0, 2] and state["shots_edited"]
    session.save_strokes(SHOT + 6, _png(strokes), 1)  # a later save keeps the corrected list
    session.close()
    listing = json.loads((keys / "keyframes.json").read_text())
    assert listing["cuts"] == [12, 2 * SHOT] and listing["shots_edited"] is True
    assert [(k["frame"], k["shot"], k["shot_first"]) for k in listing["keyframes"]] == [(SHOT + 6, 1, 12)]
    again = Session(engine.open_film(three_shots), keys)  # the listed shots, at once, without the detector
    assert again.scan_finished and [s.first for s in again.shots] == [0, 12, 2 * SHOT]
    assert cv2.imdecode(np.frombuffer(again.thumb(1), np.uint8), cv2.IMREAD_GRAYSCALE).shape[1] == 192
    again.close()


@BROWSER
def test_correcting_the_shots_in_a_browser(three_shots, tmp_path, tiny_weights):
    """A false cut merged and a missed one split in the page: saved in keyframes.json, shown
    again by a new studio on the folder, and followed by render --keyframes."""
    keys = tmp_path / "keys"
    marked = "Array.from(document.querySelectorAll('.shot')).map(c => !c.querySelector('.nokey').hidden)"
    firsts = "window.studio.state.shots.map(s => s.first)"
    proc, url = _start(three_shots, keys)
    try:
        with browsers() as p:
            errors: list[str] = []
            page = open_page(p, url, errors)
            page.wait_for_function("document.querySelector('#scan-text').textContent === '3 shots'", timeout=60000)
            page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
            assert page.evaluate(marked) == [True, True, True]
            assert page.locator(".shot").first.get_attribute("title").endswith("no keyframe: gets the automatic colour")
            # a keyframe on the second shot, which is the first one's (a false cut): merged, the keyframe kept
            page.locator(".shot").nth(1).click()
            page.wait_for_function(f"window.studio.state.loaded === {SHOT}")
            _stroke(page, "#d02020", 0.1, 0.35, 0.5)
            page.wait_for_function(
                "window.studio.state.revision === 1 && !window.studio.state.saving && !window.studio.painter.pending",
                timeout=30000,
            )
            page.wait_for_function(f"JSON.stringify({marked}) === '[true,false,true]'")
            page.click("#merge")
            page.wait_for_function("document.querySelectorAll('.shot').length === 2")
            assert page.evaluate(firsts) == [0, 2 * SHOT] and page.evaluate(marked) == [False, True]
            assert page.evaluate(f"window.studio.state.keyframes[{SHOT}].revision") == 1
            listing = json.loads((keys / "keyframes.json").read_text())
            assert listing["cuts"] == [2 * SHOT] and listing["shots_edited"] is True
            # a missed cut at frame 12: refused at the shot's first frame, then split where shown
            page.locator(".shot").nth(0).click()
            page.wait_for_function(f"window.studio.state.loaded === {SHOT}")
            _set(page, "scrubber", 0)
            page.click("#split")
            page.wait_for_function("document.querySelector('#status').textContent.includes('first frame')")
            assert page.locator(".shot").count() == 2
            _set(page, "scrubber", 12)
            page.click("#split")
            page.wait_for_function("document.querySelectorAll('.shot').length === 3")
            assert page.evaluate(firsts) == [0, 12, 2 * SHOT] and page.evaluate(marked) == [True, False, True]
            listing = json.loads((keys / "keyframes.json").read_text())
            assert listing["cuts"] == [12, 2 * SHOT] and listing["shots_edited"] is True
            assert errors == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    # a new studio on the folder shows the corrected shots, not the detector's
    proc, url = _start(three_shots, keys)
    try:
        base, token = url.split("/?token=")
        state = _wait_shots(base, token)
        assert [s["first"] for s in state["shots"]] == [0, 12, 2 * SHOT] and state["unkeyed"] == [0, 2]
        with browsers() as p:
            page = open_page(p, url)
            page.wait_for_function("document.querySelector('#scan-text').textContent === '3 shots'", timeout=60000)
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.shot img')).every(i => i.complete && i.naturalWidth > 0)",
                timeout=30000,
            )
            assert page.evaluate(firsts) == [0, 12, 2 * SHOT] and page.evaluate(marked) == [True, False, True]
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    # the render follows the corrected cuts
    result = render(three_shots, tmp_path / "out.mp4", render_config(weights=tiny_weights, keyframes=keys))
    assert result.cuts == [12, 2 * SHOT]


# ---- the studio's processes, uploads, ports and headers (issue 28) ----------------------------


def _descendants(pid: int) -> list[int]:
    """The processes `pid` started, and theirs, now (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) if entry.name.isdigit() else None
        except OSError:
            continue
        if ppid is not None:
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def _running(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _left_running(pids: list[int], seconds: float) -> list[int]:
    """Those of `pids` still running after up to `seconds`."""
    deadline = time.monotonic() + seconds
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if _running(p)]


@dataclass
class Started:
    """A studio started in a session of its own (as a terminal's foreground job is: a signal to
    its process group reaches everything it started there), its stderr read in a thread."""

    proc: subprocess.Popen
    url: str
    announced: str  # stderr up to the announcement's end (the address, the keyframes folder)
    rest: list[str] = field(default_factory=list)  # the rest of stderr, once it ends

    def after(self) -> str:
        """stderr after the announcement, once the studio has ended ('' while a process it left holds it)."""
        deadline = time.monotonic() + 10
        while not self.rest and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.rest[0] if self.rest else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def _start_session(film: Path, keys: Path, *extra: str) -> Started:
    """`filmcolor studio FILM -k KEYS --port 0 --no-browser EXTRA...` in a session of its own,
    hang-ups taken as from a terminal even where the tests run under `nohup` (which the studio
    honours: a hang-up ignored)."""

    def from_a_terminal() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)

    proc = subprocess.Popen(
        _command(film, keys, *extra),
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=from_a_terminal,
    )
    seen = ""
    while "Ctrl-C to stop" not in seen:  # the address, then where the keyframes go
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise AssertionError(f"the studio did not start: {seen}")
        seen += line
    started = Started(proc, re.search(r"http://\S+", seen).group(0), seen)
    threading.Thread(target=lambda: started.rest.append(proc.stderr.read()), daemon=True).start()
    return started


def _paint_and_render(url: str, revision: int = 0) -> None:
    """A stroke saved on frame 0 (at `revision`) and a render started from it, as the page does."""
    base, token = url.split("/?token=")
    header = {"X-Filmcolor-Token": token}
    strokes = np.zeros((H, W, 4), np.uint8)
    strokes[40:56, 10:30] = (210, 30, 30, 255)
    put = {**header, "Content-Type": "image/png", "X-Base-Revision": str(revision)}
    assert _call(f"{base}/api/keyframes/0/strokes", "PUT", _png(strokes), put)[0] == 200
    status, body = _call(f"{base}/api/render", "POST", b"", header)
    assert status == 200, body


def _wait_rendering(proc: subprocess.Popen) -> list[int]:
    """The studio's processes once its render runs: the fill worker, multiprocessing's resource
    tracker, the render."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = _descendants(proc.pid)
        if any(b"filmcolor.studio.job" in _cmdline(p) for p in pids):
            return pids
        time.sleep(0.1)
    raise AssertionError("the render did not start")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@BROWSER
def test_the_studio_leaves_no_process_behind(film, tmp_path):
    """kill -9 during a render, the page open in the browser: the fill worker, the resource
    tracker and the render end within seconds, and the page says the studio does not answer;
    its copy of the keyframes (.studio-render) does not outlive the next start. A closed
    terminal (SIGHUP) during a render: the studio stops as on Ctrl-C, one line, status 129,
    nothing left running, nothing left in the folder."""
    keys = tmp_path / "keys"
    studio = _start_session(film, keys)
    try:
        with browsers() as p:
            page = open_page(p, studio.url)
            page.wait_for_function("window.studio && window.studio.state.frame !== null", timeout=30000)
            _paint_and_render(studio.url)
            started = _wait_rendering(studio.proc)
            assert len(started) >= 3, started
            studio.proc.kill()
            studio.proc.wait(timeout=30)
            assert _left_running(started, 10) == []
            page.wait_for_function("/does not answer/.test(document.body.innerText)", timeout=30000)
    finally:
        studio.stop()
    assert (keys / ".studio-render").is_dir()  # the killed studio's: nothing could remove it then

    studio = _start_session(film, keys)
    try:
        assert not (keys / ".studio-render").exists()  # gone at the start
        _paint_and_render(studio.url, revision=1)
        started = _wait_rendering(studio.proc)
        studio.proc.send_signal(signal.SIGHUP)
        assert studio.proc.wait(timeout=60) == 129
        assert _left_running(started, 10) == []
    finally:
        studio.stop()
    lines = [line for line in studio.after().splitlines() if line]
    assert lines == ["error: studio stopped; every change is in the keyframes folder"], lines
    assert sorted(p.name for p in keys.iterdir()) == ["000000.png", "keyframes.json"]
    assert not (tmp_path / ".keys.filmcolor-lock").exists()


def _fine_fill(url: str) -> None:
    """A stroke saved on frame 0, and its fill by the render's own code in the fill worker (so
    the worker has started and done work)."""
    base, token = url.split("/?token=")
    strokes = np.zeros((H, W, 4), np.uint8)
    strokes[40:56, 10:30] = (210, 30, 30, 255)
    put = {"X-Filmcolor-Token": token, "Content-Type": "image/png", "X-Base-Revision": "0"}
    assert _call(f"{base}/api/keyframes/0/strokes", "PUT", _png(strokes), put)[0] == 200
    with urllib.request.urlopen(f"{base}/api/keyframes/0/filled.jpg?fine=1&token={token}") as r:
        assert r.headers["X-Fill"] == "fine"


def test_ctrl_c_says_one_line(film, tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group: the studio and all it started there)
    while the fill worker starts, and once it has filled a keyframe: the studio shuts the
    worker down and says one line, without the worker's KeyboardInterrupt traceback."""
    for worked in (False, True):
        studio = _start_session(film, tmp_path / f"keys-{worked}")
        try:
            if worked:
                _fine_fill(studio.url)
            os.killpg(studio.proc.pid, signal.SIGINT)
            assert studio.proc.wait(timeout=60) == 130
        finally:
            studio.stop()
        after = studio.after()
        assert [line for line in after.splitlines() if line] == [
            "error: studio stopped; every change is in the keyframes folder"
        ], after


def _png_bomb(width: int, height: int) -> bytes:
    """An RGBA PNG of `width` x `height` zeros, 1/1000 of its decoded size: deflate blocks that
    repeat the bytes before them, the same after the first (made in milliseconds, not seconds)."""
    rows = 50
    assert height % rows == 0
    block = bytes((1 + 4 * width) * rows)  # each row: its filter byte, its pixels
    first = zlib.compressobj(9, wbits=-15)
    head = first.compress(block) + first.flush(zlib.Z_SYNC_FLUSH)
    later = zlib.compressobj(9, wbits=-15, zdict=bytes(32768))  # after the first: 32 KB of zeros before
    body = later.compress(block) + later.flush(zlib.Z_SYNC_FLUSH)
    n = (1 + 4 * width) * height
    adler = ((n % 65521) << 16) | 1  # Adler-32 of n zeros
    stream = b"\x78\xda" + head + body * (height // rows - 1) + b"\x03\x00" + struct.pack(">I", adler)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


def _kib(pid: int, field: str) -> int:
    """A size /proc/PID/status gives (VmRSS: resident now; VmHWM: its peak), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))


def test_a_png_bomb_is_refused_before_it_is_decoded(film, tmp_path):
    """1.5 MB of PNG declaring 20000x20000 (1.6 GB decoded), sent as a keyframe's strokes and as
    a quick-fill sketch: refused with 422 from its header in under 0.1 s, the studio's memory at
    its peak at most 50 MB over what it was."""
    bomb = _png_bomb(20000, 20000)
    assert len(bomb) < 1_600_000 and cv2.imdecode(np.frombuffer(bomb[:4096], np.uint8), cv2.IMREAD_UNCHANGED) is None
    studio = _start_session(film, tmp_path / "keys")
    try:
        base, token = studio.url.split("/?token=")
        header = {"X-Filmcolor-Token": token, "Content-Type": "image/png"}
        for path, method, extra in (
            ("/api/keyframes/0/strokes", "PUT", {"X-Base-Revision": "0"}),
            ("/api/keyframes/0/sketch", "POST", {}),
        ):
            Path(f"/proc/{studio.proc.pid}/clear_refs").write_text("5")  # VmHWM from now on
            before = _kib(studio.proc.pid, "VmRSS")
            seconds = []
            for _ in range(3):  # the best of three: the CPU is shared
                t = time.perf_counter()
                status, body = _call(base + path, method, bomb, {**header, **extra})
                seconds.append(time.perf_counter() - t)
                assert status == 422 and b"20000x20000" in body, (status, body)
            grown = (_kib(studio.proc.pid, "VmHWM") - before) / 1024
            print(f"{path}: refused in {min(seconds):.4f} s (of {seconds}), memory +{grown:.1f} MB at its peak")
            assert min(seconds) < 0.1 and grown <= 50, (path, seconds, grown)
    finally:
        studio.stop()
    assert not (tmp_path / "keys" / "000000.png").exists()


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_a_port_out_of_range(film, tmp_path, capsys, port):
    code, err = run_cli(["studio", film, "-k", tmp_path / "k", "--port", port, "--no-browser"], capsys)
    assert_one_line_error(code, err, f"--port must be from 0 to 65535 (got {port})")


def _get(address: str, host: str, path: str) -> http.client.HTTPResponse:
    """GET `path` from the studio at `address` (host:port) with `host` as the Host header."""
    conn = http.client.HTTPConnection(address, timeout=30)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_the_host_check_and_security_headers(studio):
    """Only the studio's own addresses and localhost in the Host header (another name, with
    the token, is DNS rebinding: 400); every response, a refusal too, forbids other sites'
    scripts, framing, referrers and type sniffing."""
    url, keys = studio
    base, token = url.split("/?token=")
    address = base.removeprefix("http://")
    port = address.rsplit(":", 1)[1]
    page = f"/?token={token}"
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", "[::2]"):
        response = _get(address, host, page)
        assert response.status == 400, host
    for host in (address, f"localhost:{port}", "localhost", f"[::1]:{port}", "LOCALHOST."):
        assert _get(address, host, page).status == 200, host
    for path, status in ((page, 200), ("/", 403), (f"/api/state?token={token}", 200), (f"/nothing?token={token}", 404)):
        for host in (address, "evil.example"):
            response = _get(address, host, path)
            assert response.status == (status if host == address else 400), (path, host)
            assert response.getheader("Content-Security-Policy").startswith("default-src 'self'"), path
            assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy")
            assert response.getheader("X-Frame-Options") == "DENY"
            assert response.getheader("Referrer-Policy") == "no-referrer"
            assert response.getheader("X-Content-Type-Options") == "nosniff"


@BROWSER
def test_the_page_under_its_policy(studio):
    """The page runs under its own Content-Security-Policy: its scripts, styles and pictures
    (blob: ones among them) load, a stroke is filled, and the browser reports nothing blocked
    and no script error. (Polled from here: Playwright's waits evaluate strings, which the
    policy forbids.)"""
    url, keys = studio
    with browsers() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url)

        def until(condition: str) -> None:
            deadline = time.monotonic() + 60
            while not page.evaluate(condition):
                assert time.monotonic() < deadline and not errors, (condition, errors)
                page.wait_for_timeout(100)

        until("() => document.querySelector('#scan-text').textContent === '2 shots'")
        until("() => window.studio.state.loaded === 0 && document.querySelector('#base').naturalWidth > 0")
        _stroke(page, "#d02020", 0.1, 0.35, 0.5)
        until("() => window.studio.timings.length === 1 && window.studio.state.revision === 1")
        assert page.evaluate("() => document.querySelector('#base').src").startswith("blob:")
        assert errors == []


def test_listening_on_all_addresses(film, tmp_path, capsys):
    """--host 0.0.0.0: the warning says it listens on all the machine's addresses, after it
    listens; the address printed (the machine's own) opens the studio. A busy port: its error
    alone."""
    studio = _start_session(film, tmp_path / "keys", "--host", "0.0.0.0")
    try:
        warning, address = studio.announced.splitlines()[:2]
        assert warning.startswith("warning: the studio listens on all the machine's addresses"), warning
        host = re.match(r"filmcolor studio on http://([^:/]+):\d+/", address).group(1)
        assert host != "0.0.0.0" and f"({host} among them)" in warning
        assert _call(studio.url)[0] == 200
    finally:
        studio.stop()
    busy = socket.socket()
    busy.bind(("0.0.0.0", 0))
    busy.listen(1)
    try:
        code, err = run_cli(
            [
                "studio",
                film,
                "-k",
                tmp_path / "k",
                "--host",
                "0.0.0.0",
                "--port",
                busy.getsockname()[1],
                "--no-browser",
            ],
            capsys,
        )
    finally:
        busy.close()
    assert_one_line_error(code, err, "is busy")


def test_renders_from_the_page_are_numbered(film, tmp_path):
    """-o OUT: the first render from the page writes OUT, the next the first free OUT-N.mp4 (a
    file the user has there is left as it is), and the page is told which."""
    out = tmp_path / "out.mp4"
    (tmp_path / "out-2.mp4").write_bytes(b"the user's own")
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(film), keys, out)
    strokes = np.zeros((H, W, 4), np.uint8)
    strokes[40:56, 10:30] = (210, 30, 30, 255)
    session.save_strokes(0, _png(strokes), 0)
    written = []
    try:
        for _ in range(2):
            session.start_render()
            deadline = time.monotonic() + 300
            while not session.state()["render"]["finished"] and time.monotonic() < deadline:
                time.sleep(0.2)
            render = session.state()["render"]
            assert render["finished"] and render["error"] is None, render
            written.append(render["output"])
    finally:
        session.close()
    assert written == [str(out), str(tmp_path / "out-3.mp4")]
    assert out.is_file() and (tmp_path / "out-3.mp4").is_file()
    assert (tmp_path / "out-2.mp4").read_bytes() == b"the user's own"


def test_a_render_copy_left_by_a_killed_studio(film, tmp_path, capsys):
    """.studio-render (the studio's copy of the keyframes a render reads), as a studio killed
    during a render leaves it: gone at the studio's next start, and replaced with the rest by
    `keyframes --overwrite` (a folder of the user's own there is still refused)."""
    keys = tmp_path / "keys"
    assert run_cli(["keyframes", film, "-o", keys], capsys)[0] == 0
    written = sorted(p.name for p in keys.iterdir())
    copy = keys / ".studio-render"
    copy.mkdir()
    shutil.copy(keys / "000000.png", copy)
    Session(engine.open_film(film), keys).close()
    assert not copy.exists()
    copy.mkdir()
    shutil.copy(keys / "000000.png", copy)
    code, err = run_cli(["keyframes", film, "-o", keys, "--overwrite"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in keys.iterdir()) == written
    (keys / "mine").mkdir()
    assert_one_line_error(*run_cli(["keyframes", film, "-o", keys, "--overwrite"], capsys), "mine/")


# ---- the page's own behaviour (issue 28): each test starts a studio and drives one tab ----------

SETTLED = "!window.studio.painter.pending && !window.studio.state.saving"


def _saved(page, revision: int) -> None:
    """Until the tab has saved revision `revision` and has nothing left to save."""
    page.wait_for_function(f"window.studio.state.revision === {revision} && {SETTLED}", timeout=30000)


def _saved_alpha(url: str, frame: int, x: float, y: float) -> int:
    """The saved strokes' opacity at (x, y) (shares of the keyframe's size) of keyframe `frame`."""
    body = _call(url.replace("/?token=", f"/api/keyframes/{frame}/strokes.png?token="))[1]
    return int(cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_UNCHANGED)[int(H * y), int(W * x), 3])


@BROWSER
def test_saving_in_a_page_opened_without_the_token(studio):
    """A bookmark, the history: the page is opened at the studio's address without `?token=`
    (its cookie lets it in), and its strokes are saved as well."""
    url, keys = studio
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        page.goto(url.split("?")[0])
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        _stroke(page, "#d02020", 0.1, 0.35, 0.5)
        _saved(page, 1)
        assert "not saved" not in page.inner_text("#status")
    assert json.loads((keys / "keyframes.json").read_text())["keyframes"][0]["revision"] == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@BROWSER
def test_a_restarted_studio_keeps_the_open_tab(film, tmp_path):
    """The studio stopped and started again on the same folder and port: it takes the token it
    kept beside the folder's lock (readable by the user only), and the tab left open goes on
    painting and saving; a stroke painted while it was down is saved once it is back."""
    keys, port = tmp_path / "keys", _free_port()
    proc, url = _start(film, keys, "--port", str(port))
    try:
        with browsers() as p:
            page = open_page(p, url)
            page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
            _stroke(page, "#d02020", 0.1, 0.35, 0.3)
            _saved(page, 1)
            kept = tmp_path / ".keys.studio-token"
            assert kept.read_text().strip() == url.split("?token=")[1] and kept.stat().st_mode & 0o777 == 0o600
            _stop(proc)
            page.wait_for_function("document.querySelector('#status').textContent.includes('does not answer')")
            _stroke(page, "#2040d0", 0.65, 0.9, 0.3)  # while it is down: not saved yet
            proc, again = _start(film, keys, "--port", str(port))
            assert again == url
            _saved(page, 2)  # the stroke painted while it was down
            _stroke(page, "#20c040", 0.1, 0.35, 0.7)
            _saved(page, 3)
            assert "403" not in page.inner_text("#status")
            for x, y in ((0.2, 0.3), (0.8, 0.3), (0.2, 0.7)):
                assert _saved_alpha(url, 0, x, y) == 255, (x, y)
    finally:
        _stop(proc)
    assert json.loads((keys / "keyframes.json").read_text())["keyframes"][0]["revision"] == 3


def test_the_token_kept_is_private(tmp_path):
    """The token file is made mode 0600 and taken again; one others could read, or a link put in
    its place, is not trusted: a new token replaces it."""
    from filmcolor.studio.tokens import studio_token, token_path

    keys = tmp_path / "keys"
    token = studio_token(keys)
    path = token_path(keys)
    assert path == tmp_path / ".keys.studio-token" and path.stat().st_mode & 0o777 == 0o600
    assert studio_token(keys) == token
    path.chmod(0o644)
    fresh = studio_token(keys)
    assert fresh != token and path.stat().st_mode & 0o777 == 0o600 and studio_token(keys) == fresh
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("A" * 40)
    elsewhere.chmod(0o600)
    path.unlink()
    path.symlink_to(elsewhere)
    assert studio_token(keys) != "A" * 40 and not path.is_symlink()


@BROWSER
def test_undo_lives_with_the_keyframe(studio):
    """Undo and Redo (the buttons, Ctrl+Z, Ctrl+Y) go on after a reload and after coming back to
    the keyframe from another shot; they are disabled, and the keys say so, when there is
    nothing to undo or redo."""
    url, keys = studio
    buttons = "[document.querySelector('#undo').disabled, document.querySelector('#redo').disabled]"
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        assert page.evaluate(buttons) == [True, True]
        _stroke(page, "#d02020", 0.1, 0.35, 0.3)
        _saved(page, 1)
        _stroke(page, "#2040d0", 0.1, 0.35, 0.7)
        _saved(page, 2)
        assert page.evaluate(buttons) == [False, True]

        page.reload()
        page.wait_for_function(f"window.studio.state.loaded === 0 && {buttons}.join() === 'false,true'")
        page.click("#undo")
        _saved(page, 3)
        assert _saved_alpha(url, 0, 0.2, 0.7) == 0 and _saved_alpha(url, 0, 0.2, 0.3) == 255
        assert page.evaluate(buttons) == [False, False]
        page.click("#redo")
        _saved(page, 4)
        assert _saved_alpha(url, 0, 0.2, 0.7) == 255

        page.locator(".shot").nth(1).click()
        page.wait_for_function(f"window.studio.state.loaded === {SHOT}")
        assert page.evaluate(buttons) == [True, True]  # nothing painted on this one
        page.locator(".shot").nth(0).click()
        page.wait_for_function("window.studio.state.loaded === 0")
        page.keyboard.press("Control+z")
        _saved(page, 5)
        assert _saved_alpha(url, 0, 0.2, 0.7) == 0
        page.keyboard.press("Control+y")
        _saved(page, 6)
        assert _saved_alpha(url, 0, 0.2, 0.7) == 255

        for revision in (7, 8):  # back to before the first stroke
            page.keyboard.press("Control+z")
            _saved(page, revision)
        assert _saved_alpha(url, 0, 0.2, 0.3) == 0 and page.evaluate(buttons) == [True, False]
        page.keyboard.press("Control+z")
        page.wait_for_function("document.querySelector('#status').textContent === 'nothing to undo on this keyframe'")
        assert page.evaluate("window.studio.state.revision") == 8


@BROWSER
def test_painting_only_on_the_keyframe_shown(studio):
    """Scrubbed to another frame of the shot, the page names that frame, the cursor is no brush,
    and a stroke there is refused with what to do; back on the keyframe, painting goes on."""
    url, keys = studio
    cursor = "getComputedStyle(document.querySelector('#strokes')).cursor"
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        assert page.evaluate(cursor) == "crosshair"
        _set(page, "scrubber", 10)
        assert "frame 10 " in page.inner_text("#frame-info") and "not a keyframe" in page.inner_text("#frame-info")
        assert page.evaluate(cursor) == "not-allowed"
        _stroke(page, "#d02020", 0.1, 0.35, 0.5)
        assert "frame 10 is not a keyframe" in page.inner_text("#status")
        assert page.evaluate("window.studio.painter.edits") == 0 and not (keys / "000010.png").exists()
        _set(page, "scrubber", 0)
        assert "frame 0 " in page.inner_text("#frame-info") and page.evaluate(cursor) == "crosshair"
        _stroke(page, "#d02020", 0.1, 0.35, 0.5)
        _saved(page, 1)
    assert sorted(p.name for p in keys.iterdir()) == ["000000.png", "keyframes.json"]


# every picture of the page that is shown but has no picture in it (a broken picture's icon)
BROKEN = (
    "Array.from(document.images).filter(i => i.checkVisibility() && i.complete && i.naturalWidth === 0)"
    ".map(i => i.id || i.alt)"
)


def _boxes_meet(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _hold_polls(page) -> list:
    """Hold the page's polls of the studio's state from now on; the list of those held."""
    held: list = []
    page.route("**/api/state*", lambda route: held.append(route))
    return held


def _release_polls(page, held: list) -> None:
    """The polls held go on, and those after them are not held."""
    while held:
        held.pop().continue_()
    page.unroute("**/api/state*")


def _until_held(page, held: list) -> None:
    """Until a poll is held: none is on its way then (each waits for the one before)."""
    deadline = time.monotonic() + 30
    while not held:
        assert time.monotonic() < deadline, "the page did not poll"
        page.wait_for_timeout(50)


@BROWSER
def test_no_broken_picture_before_the_first_shot(studio):
    url, keys = studio
    with browsers() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)
        held = _hold_polls(page)
        page.goto(url)
        _until_held(page, held)
        page.wait_for_timeout(300)
        assert page.evaluate(BROKEN) == []  # the page as it is before the first shot comes
        _release_polls(page, held)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        assert page.evaluate(BROKEN) == []


@BROWSER
def test_a_long_render_progress_moves_nothing(studio, tmp_path):
    """The render's progress names its output by an absolute path, long here: it stays on the
    header's one line (cut short, whole in its tooltip), and the keyframe stays where it was."""
    url, keys = studio
    output = str(tmp_path / "a folder with a long name, as films are kept" / "and another one inside it" / "out.mp4")
    progress = {"output": output, "done": 3, "total": 48, "step": "colouring", "finished": False, "error": None}

    def rendering(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "render": {**progress, "seconds": 1.5}})

    with browsers() as p:
        page = open_page(p, url, size=(1000, 700))
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        before = page.locator("#strokes").bounding_box()
        page.route("**/api/state*", rendering)
        page.wait_for_function("document.querySelector('#render-text').textContent.startsWith('colouring: 3/48')")
        assert page.locator("#strokes").bounding_box() == before
        assert page.get_attribute("#render-text", "title").endswith("out.mp4")


@BROWSER
def test_a_message_covers_no_control(studio):
    """A message shown while the preview's controls are at the bottom of the window (where
    messages were put) covers none of them."""
    url, keys = studio
    with browsers() as p:
        page = open_page(p, url, size=(1000, 700))
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        page.evaluate("document.querySelector('#preview-box').scrollIntoView({block: 'end'})")
        page.click("#preview")  # no coloured keyframe yet: refused, with a message
        page.wait_for_function("document.querySelector('#status').textContent.includes('no keyframe of this shot')")
        message = page.locator("#status").bounding_box()
        for control in page.locator("#preview-box button, #preview-box input").all():
            assert not _boxes_meet(message, control.bounding_box()), control.get_attribute("id")


@BROWSER
def test_the_badge_follows_a_start_from_the_automatic_colour_at_once(studio):
    """The shot's badge says "coloured" as soon as the automatic colour put on its keyframe is
    saved, with no poll of the studio's state in between (they are held here)."""
    url, keys = studio
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        assert page.locator(".shot .badge").first.inner_text() == "not started"
        held = _hold_polls(page)
        _until_held(page, held)
        page.click("#from-auto")
        _saved(page, 1)
        assert page.locator(".shot .badge").first.inner_text() == "coloured"
        _release_polls(page, held)


def _weak_edge() -> list[np.ndarray]:
    """One shot of 12 frames: a left half at luma 100 and a right half at 125 (a weak edge at
    x = 80, a quarter of the strong one's), a little grain, nothing moving."""
    rng = np.random.default_rng(1)
    y = np.where(np.arange(W) < W // 2, 100.0, 125.0)[None, :] * np.ones((H, 1))
    return [np.repeat(np.clip(y + rng.normal(0, 1.5, y.shape), 0, 255).astype(np.uint8)[..., None], 3, 2)] * 12


@pytest.fixture
def weak_edge_film(tmp_path) -> Path:
    return make_film(tmp_path / "weak.mp4", pictures=_weak_edge(), keyint=12)


@pytest.fixture
def weak_edge(weak_edge_film, tmp_path):
    keys = tmp_path / "keys"
    proc, url = _start(weak_edge_film, keys)
    yield url, keys
    proc.terminate()
    proc.wait(timeout=30)


def _render_fill(url: str) -> np.ndarray:
    """(H, W, 2) chroma of keyframe 0 as the render fills it (the studio's fine fill), 8-bit codes from gray."""
    base, token = url.split("/?token=")
    with urllib.request.urlopen(f"{base}/api/keyframes/0/filled.jpg?fine=1&w={W}&token={token}") as r:
        assert r.headers["X-Fill"] == "fine"
        rgb = cv2.imdecode(np.frombuffer(r.read(), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    return rgb_to_ycbcr(rgb.astype(np.float32), "bt601")[..., 1:]


def _saved_rgba(url: str, x: float, y: float) -> np.ndarray:
    """The saved strokes' RGBA at (x, y) (shares of the keyframe's size) of keyframe 0."""
    body = _call(url.replace("/?token=", "/api/keyframes/0/strokes.png?token="))[1]
    return cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_UNCHANGED)[int(H * y), int(W * x), [2, 1, 0, 3]]


@BROWSER
def test_a_stroke_colours_its_object_and_not_the_neighbour_across_a_weak_edge(weak_edge):
    """One red stroke on the left of a weak edge (25 codes of luma): the left is red, the right,
    the one thing painted being on the left, stays gray (Levin's fill coloured it all)."""
    url, keys = weak_edge
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        _stroke(page, "#d02020", 0.12, 0.38, 0.5)
        _saved(page, 1)
    chroma = np.hypot(*_render_fill(url).transpose(2, 0, 1))  # (H, W) codes of colour
    assert chroma[40:56, 30:50].mean() > 20  # the object painted: coloured
    assert chroma[:, 96:].mean() < 3  # the neighbour across the weak edge: gray


@BROWSER
def test_the_edge_aware_brush_keeps_a_stroke_on_its_region(weak_edge):
    """With *Snap to edges*, a stroke drawn over the weak edge into the neighbour keeps only the
    pixels of the region most of it is on: saved, the neighbour's part is clear, and the fill
    leaves the neighbour gray; without it, the same stroke is saved whole."""
    url, keys = weak_edge
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        page.check("#snap")
        _stroke(page, "#d02020", 0.1, 0.6, 0.3)
        _saved(page, 1)
        assert _saved_rgba(url, 0.3, 0.3)[3] == 255 and _saved_rgba(url, 0.56, 0.3)[3] == 0
        chroma = np.hypot(*_render_fill(url).transpose(2, 0, 1))
        assert chroma[:, 100:].mean() < 3
        page.uncheck("#snap")
        _stroke(page, "#d02020", 0.1, 0.6, 0.7)
        _saved(page, 2)
        assert _saved_rgba(url, 0.56, 0.7)[3] == 255


@BROWSER
def test_the_keep_gray_brush(weak_edge):
    """*Keep gray* paints strokes of no colour: saved as strokes (opaque, R = G = B), not a
    swatch, and what they cover stays gray in the fill, even beside a red stroke on the same region."""
    url, keys = weak_edge
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        _stroke(page, "#d02020", 0.05, 0.2, 0.5)
        _saved(page, 1)
        near = np.hypot(*_render_fill(url)[44:52, 46:56].transpose(2, 0, 1)).mean()
        page.check("input[name=tool][value=gray]")
        _stroke(page, "#d02020", 0.25, 0.45, 0.5)  # the colour chosen is not what it paints
        _saved(page, 2)
        rgba = _saved_rgba(url, 0.35, 0.5)
        assert rgba[3] == 255 and rgba[0] == rgba[1] == rgba[2]
        assert page.evaluate("window.studio.state.swatches") == ["#d02020"]
    chroma = np.hypot(*_render_fill(url).transpose(2, 0, 1))
    assert near > 8 and chroma[44:52, 46:56].mean() < 3  # coloured before, gray once kept gray
    assert chroma[44:52, 10:30].mean() > 20  # the red stroke's own region still red


def _chroma_of(jpeg: bytes) -> np.ndarray:
    """(H, W, 2) chroma of a JPEG, 8-bit codes from gray."""
    rgb = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    return rgb_to_ycbcr(rgb.astype(np.float32), "bt601")[..., 1:]


def _colour(chroma: np.ndarray) -> float:
    """The mean amount of colour (8-bit codes from gray) of (..., 2) chroma."""
    return float(np.hypot(chroma[..., 0], chroma[..., 1]).mean())


@BROWSER
def test_the_rest_gray_or_automatic_in_a_browser(weak_edge):
    """*Where the strokes do not reach*: gray at first (the right half, across the weak edge from
    the one red stroke, stays gray); the automatic colour chosen, it is saved in keyframes.json,
    the page's fill shows the frame's automatic colour there (and the render's own fill is the
    same), the stroke keeps its red, and a reloaded page shows the choice."""
    url, keys = weak_edge
    base, token = url.split("/?token=")
    with browsers() as p:
        page = open_page(p, url)
        page.wait_for_function("window.studio.state.loaded === 0", timeout=60000)
        assert page.is_checked("input[name=rest][value=gray]")
        _stroke(page, "#d02020", 0.12, 0.38, 0.5)
        _saved(page, 1)
        gray = _render_fill(url)
        page.check("input[name=rest][value=automatic]")
        page.wait_for_function("window.studio.state.rest === 'automatic'", timeout=30000)
        assert json.loads((keys / "keyframes.json").read_text())["rest"] == "automatic"
        shown = _pixels(page, "base")
        for _ in range(300):  # the fill made again with the rest, shown
            shown = _pixels(page, "base")
            if _colour(rgb_to_ycbcr(shown[:, -shown.shape[1] // 3 :, :3].astype(np.float32), "bt601")[..., 1:]) > 10:
                break
            time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/api/frames/0/auto.jpg?token={token}") as r:
            auto = _chroma_of(r.read())
        fine = _render_fill(url)
        page.reload()
        page.wait_for_function("window.studio.state.rest === 'automatic'", timeout=60000)
        assert page.is_checked("input[name=rest][value=automatic]")
    right = (slice(None), slice(100, None))
    assert _colour(gray[right]) < 3 and _colour(auto[right]) > 10
    assert np.abs(fine[right] - auto[right]).mean() < 0.2 * _colour(auto[right])  # the automatic colour there
    page_fill = rgb_to_ycbcr(cv2.resize(shown[..., :3], (W, H)).astype(np.float32), "bt601")[..., 1:]
    assert np.abs(page_fill[right] - auto[right]).mean() < 0.25 * _colour(auto[right])  # the page shows it
    assert np.abs(fine[44:52, 22:34] - gray[44:52, 22:34]).mean() < 3  # the stroke's own red kept


def test_the_rest_without_http(weak_edge_film, tmp_path):
    """The rest as plain calls: gray in a new folder, "automatic" saved in keyframes.json and read
    back by a new session, the fill's unreached part then the frame's automatic colour, a
    render's copy of the folder carrying it; anything else refused."""
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(weak_edge_film), keys, tmp_path / "render.mp4")
    try:
        assert session.state()["rest"] == "gray"
        strokes = np.zeros((H, W, 4), np.uint8)
        strokes[40:56, 20:40] = (210, 30, 30, 255)
        session.save_strokes(0, _png(strokes), 0)
        gray = _chroma_of(session.filled_jpeg(0)[0])
        assert session.set_rest("automatic")["rest"] == "automatic"
        with pytest.raises(StudioError, match='"gray" or "automatic"'):
            session.set_rest("auto")
        based = _chroma_of(session.filled_jpeg(0)[0])
        auto = _chroma_of(session.auto_jpeg(0))
        session.start()
        _wait_scanned(session)
        pid = session.start_preview(0)["id"]
        for _ in range(600):
            if session.preview_state(pid)["finished"]:
                break
            time.sleep(0.05)
        assert session.preview_state(pid)["error"] is None
        previewed = [_chroma_of(session.preview_frame(pid, k)) for k in (0, 11)]
        session.start_render()  # on a copy of the folder: the rest goes with it
        assert json.loads((keys / ".studio-render" / "keyframes.json").read_text())["rest"] == "automatic"
    finally:
        session.close()
    assert json.loads((keys / "keyframes.json").read_text())["rest"] == "automatic"
    assert Session(engine.open_film(weak_edge_film), keys).rest == "automatic"
    right = (slice(None), slice(100, None))
    assert _colour(gray[right]) < 3 and _colour(auto[right]) > 10
    assert np.abs(based[right] - auto[right]).mean() < 0.2 * _colour(auto[right])
    for chroma in previewed:  # the shot's preview carries it (at a preview size)
        small = cv2.resize(auto, (chroma.shape[1], chroma.shape[0]), interpolation=cv2.INTER_AREA)
        part = (slice(None), slice(chroma.shape[1] * 5 // 8, None))
        assert np.abs(chroma[part] - small[part]).mean() < 0.25 * _colour(small[part])
