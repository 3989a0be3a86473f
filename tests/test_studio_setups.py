"""The studio's camera setups (issue 30): the strip marks each setup, a shot with no keyframe
says which painted shot it takes colour from, and the colourist joins a shot to a setup or
takes it out, saved in keyframes.json where it wins over the setups found."""

import json
import time

import cv2
import numpy as np
import pytest
from chromium import BROWSER, browsers, open_page
from test_setups import _film, _gray
from test_studio import _call, _png, _start
from testfilms import make_film

from filmcolor.studio import engine
from filmcolor.studio.session import Session


@pytest.fixture
def setups_film(tmp_path):
    """Four shots of 8 frames, two camera setups cut back and forth (A, B, A, B), in B&W."""
    return make_film(tmp_path / "setups.mp4", pictures=[_gray(f) for f in _film()], keyint=8)


def _wait_setups(session: Session) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = session.state()
        if state["setups"]:
            return state
        time.sleep(0.05)
    raise AssertionError("the setups were not found")


@pytest.mark.slow
def test_setups_in_the_session_without_http(setups_film, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(setups_film), keys)
    session.start()
    try:
        state = _wait_setups(session)
        assert state["setups"] == [[0, 2], [1, 3]] and state["borrowing"] == {}
        strokes = np.zeros((96, 176, 4), np.uint8)
        strokes[40:56, 10:30] = (210, 30, 30, 255)
        session.save_strokes(0, _png(strokes), 0)  # shot 1 painted: shot 3, of its setup, takes its colour
        assert session.state()["borrowing"] == {"2": 0}
        state = session.set_setup(3, 0)  # shot 4 joins shot 1's setup
        assert state["setups"] == [[0, 2, 3]] and state["borrowing"] == {"2": 0, "3": 0}
        state = session.set_setup(2, None)  # shot 3 taken out of it
        assert state["setups"] == [[0, 3]] and state["borrowing"] == {"3": 0}
        listing = json.loads((keys / "keyframes.json").read_text())
        assert listing["setups"]["found"] == [[0, 16], [8, 24]]
        assert listing["setups"]["edits"] == [{"shot": 24, "with": 0}, {"shot": 16, "with": None}]
    finally:
        session.close()
    again = Session(engine.open_film(setups_film), keys)  # the corrections kept, the setups not found again
    assert again.setups.groups([0, 8, 16, 24]) == [[0, 24]]
    again.close()


@BROWSER
def test_joining_and_leaving_a_setup_in_a_browser(setups_film, tmp_path):
    keys = tmp_path / "keys"
    marks = "Array.from(document.querySelectorAll('.shot .setup')).map(m => m.hidden ? '' : m.textContent)"
    proc, url = _start(setups_film, keys)
    try:
        with browsers() as p:
            errors: list[str] = []
            page = open_page(p, url, errors)
            page.wait_for_function("document.querySelector('#scan-text').textContent === '4 shots'", timeout=60000)
            page.wait_for_function(f'JSON.stringify({marks}) === \'["A","B","A","B"]\'', timeout=60000)
            # shot 4 joins the setup of shot 1
            page.locator(".shot").nth(3).click()
            page.wait_for_function("window.studio.state.shot === 3")
            page.select_option("#join-setup", "0")
            page.wait_for_function(f'JSON.stringify({marks}) === \'["A","","A","A"]\'')
            listing = json.loads((keys / "keyframes.json").read_text())
            assert listing["setups"]["edits"] == [{"shot": 24, "with": 0}]
            # and is taken out of it again
            page.click("#leave-setup")
            page.wait_for_function(f'JSON.stringify({marks}) === \'["A","","A",""]\'')
            listing = json.loads((keys / "keyframes.json").read_text())
            assert listing["setups"]["edits"] == [{"shot": 24, "with": None}]
            assert "taken out of its setup" in page.locator("#status").text_content()
            # shot 1 painted (saved as the page saves), then rendered from the page: its line names
            # shot 3, of shot 1's setup, as having borrowed
            base, token = url.split("/?token=")
            strokes = np.zeros((96, 176, 4), np.uint8)
            strokes[40:56, 10:30] = (210, 30, 30, 255)
            put = {"X-Filmcolor-Token": token, "Content-Type": "image/png", "X-Base-Revision": "0"}
            assert _call(f"{base}/api/keyframes/0/strokes", "PUT", _png(strokes), put)[0] == 200
            page.click("#render")
            page.wait_for_function(
                "document.querySelector('#render-text').textContent.startsWith('rendered in')", timeout=300000
            )
            assert page.inner_text("#render-text").endswith(
                "; 1 shot took colour from a painted shot of their camera setup: frames 16-23 from frame 0"
            )
            assert errors == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_the_preview_shows_a_borrowed_shot_as_it_renders(setups_film, tmp_path):
    """Shot 3 has no keyframe; shot 1, of its setup, is painted: its preview carries the colour
    borrowed from shot 1 (red where shot 1's stroke is), not a refusal."""
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(setups_film), keys)
    session.start()
    try:
        _wait_setups(session)
        strokes = np.zeros((96, 176, 4), np.uint8)
        strokes[10:86, 10:166] = (210, 30, 30, 255)  # shot 1 painted red over most of it
        session.save_strokes(0, _png(strokes), 0)
        started = session.start_preview(16)
        deadline = time.monotonic() + 60
        while not session.preview_state(started["id"])["finished"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session.preview_state(started["id"])["error"] is None
        rgb = cv2.cvtColor(
            cv2.imdecode(np.frombuffer(session.preview_frame(started["id"], 0), np.uint8), 1), cv2.COLOR_BGR2RGB
        )
        inner = rgb[20:-20, 30:-30].reshape(-1, 3).mean(axis=0)
        assert inner[0] > inner[2] + 20, inner  # red, as shot 1 was painted
    finally:
        session.close()


@pytest.mark.slow
def test_the_render_from_the_page_says_which_shots_borrowed(setups_film, tmp_path):
    """Shot 1 painted, shot 3 of its setup not: the render the page starts reports that shot 3
    took its colour from frame 0, in the command line's words."""
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(setups_film), keys)
    session.start()
    try:
        _wait_setups(session)
        strokes = np.zeros((96, 176, 4), np.uint8)
        strokes[40:56, 10:30] = (210, 30, 30, 255)
        session.save_strokes(0, _png(strokes), 0)
        session.start_render()
        deadline = time.monotonic() + 300
        while not (render := session.state()["render"])["finished"]:
            assert time.monotonic() < deadline, render
            time.sleep(0.2)
        assert render["error"] is None
        assert (
            render["borrowing"]
            == "1 shot took colour from a painted shot of their camera setup: frames 16-23 from frame 0"
        )
    finally:
        session.close()
