"""Benchmark of `filmcolor studio` on a 1080p film: how soon a user sees what they do.

    python pipelines/bench_studio.py --work /tmp/bench-studio [--frames 240] [--strokes 6]

Makes a 1080p B&W film from the sample (samples/band.mp4: real camera footage with its six
cuts, cropped to 16:9 and scaled up, with grain), starts the studio on it as a user would
(`filmcolor studio FILM --no-browser`, its own process), and measures:

- time to the first shots: from starting the command to the first shot in the page's state,
  and to all shots found (the cut detection decoding the whole film);
- stroke to filled picture: in Chromium (Playwright), from the end of a stroke on the 1080p
  keyframe to the filled picture shown (the page's own timing: PNG of the strokes made, sent,
  saved, the quick fill, the picture back and decoded), for several strokes; and from the same
  stroke to the render's own fill;
- time to a shot preview: from the click to the first carried frame, and to the whole shot.

With --fill, only the fill itself, in this process (no studio, no browser: seconds, and what
the stroke fill costs apart from the page): a 1080p frame of the film with STROKES strokes on
it, from the strokes to the filled 1080p picture as the studio makes it (the stroke fill at
`hints.STROKE_SIDE` from the strokes at the working size, joined to the 1080p luma, a JPEG), and
the render's own fill of the saved keyframe (`keyframe_files.keyframe_from_picture`), each the
median of --repeats.

Writes JSON (stdout and --json); the figures go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from common import machine, print_json

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "band.mp4"
CHROMIUM = "/usr/bin/chromium"
# as root, Chromium started unable to take real-time priority, as the tests start it (the script says why)
LAUNCHER = Path(__file__).resolve().parent.parent / "tests" / "chromium-no-realtime"


def make_film(path: Path, frames: int, width: int = 1920, height: int = 1080) -> None:
    """A 1080p B&W film: the sample's frames (looped), cropped to 16:9, scaled up, with grain."""
    rng = np.random.default_rng(0)
    with av.open(str(SAMPLE)) as c:
        source = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=Fraction(24))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.options = {"crf": "18", "preset": "veryfast"}
        video.codec_context.gop_size = 48
        for i in range(frames):
            y = source[i % len(source)]
            h, w = y.shape
            crop = y[(h - w * 9 // 16) // 2 :][: w * 9 // 16]
            big = cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
            big += rng.normal(0.0, 5.0, big.shape).astype(np.float32)
            frame = av.VideoFrame.from_ndarray(np.clip(big, 0, 255).astype(np.uint8), format="gray").reformat(
                format="yuv420p"
            )
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far: what a stroke costs whatever else runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


def bench_fill(film: Path, strokes: int, repeats: int) -> dict:
    """Seconds from a keyframe's strokes to its filled picture, the studio's quick fill and the
    render's fill, on frame 0 of the 1080p `film` (median of `repeats`)."""
    from filmcolor.guidance import hints
    from filmcolor.guidance.keyframe_files import keyframe_from_picture
    from filmcolor.studio import engine

    with av.open(str(film)) as c:
        gray = next(c.decode(video=0)).to_ndarray(format="gray")  # (1080, 1920)
    h, w = gray.shape
    layer = np.zeros((h, w, 4), np.uint8)
    colours = [(192, 57, 43), (46, 134, 193), (39, 174, 96), (212, 172, 13)]
    for k in range(strokes):
        y = int(h * (0.2 + 0.6 * k / max(1, strokes - 1)))
        cv2.line(layer, (int(w * 0.2), y), (int(w * 0.53), y), (*colours[k % 4], 255), 12)
    work = (455, 256)  # the working size of a 1080p film: what the page sends its strokes at

    def quick() -> None:
        small = cv2.resize(layer, work, interpolation=cv2.INTER_AREA)
        picture = engine.keyframe_picture(cv2.resize(gray, work, interpolation=cv2.INTER_AREA), small)
        ycc = engine.rgb_to_ycbcr(picture[..., :3].astype(np.float32) / 255.0, engine.matrix())
        known = picture[..., 3] >= hints.PAINTED
        chroma = hints.stroke_fill(ycc[..., 0], np.ascontiguousarray(ycc[..., 1:]), known, max_side=hints.STROKE_SIDE)[
            0
        ]
        engine.encode_jpeg(engine.join_chroma(gray, chroma), 90)

    def render_fill() -> None:
        picture = engine.keyframe_picture(gray, layer)
        keyframe_from_picture(
            picture[..., :3],
            picture[..., 3],
            work,
            engine.matrix(),
            frame=lambda: cv2.resize(gray, work, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0,
        )

    out: dict = {"strokes": strokes, "repeats": repeats, "load_average_before": round(os.getloadavg()[0], 2)}
    for name, job in (("quick_fill_to_1080p_jpeg_s", quick), ("render_fill_s", render_fill)):
        times, cpu = [], []
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            job()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        out[name] = round(statistics.median(times), 3)
        out[name.replace("_s", "_all_s")] = [round(t, 3) for t in times]
        out[name.replace("_s", "_cpu_s")] = round(statistics.median(cpu), 3)  # what it costs whatever else runs
    out["load_average_after"] = round(os.getloadavg()[0], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the test film and its keyframes")
    ap.add_argument("--frames", type=int, default=240, help="frames of the 1080p film (10 s at 24 frames/s)")
    ap.add_argument("--strokes", type=int, default=6, help="strokes painted and timed")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--fill", action="store_true", help="time only the fill, in this process (no studio, no browser)")
    ap.add_argument("--repeats", type=int, default=7, help="with --fill: the times each fill is timed")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    args.work.mkdir(parents=True, exist_ok=True)
    film = args.work / f"bw-1080p-{args.frames}.mp4"
    if not film.exists():
        make_film(film, args.frames)
    if args.fill:
        results = bench_fill(film, args.strokes, args.repeats)
        print(json.dumps(results, indent=1))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1) + "\n")
        return
    keys = args.work / f"keys-{time.strftime('%H%M%S')}"
    t0 = time.perf_counter()
    studio = subprocess.Popen(
        [sys.executable, "-m", "filmcolor", "studio", str(film), "-k", str(keys), "--port", "0", "--no-browser"],
        stderr=subprocess.PIPE,
        text=True,
    )
    results: dict = {
        "film": film.name,
        "frames": args.frames,
        "machine": machine(),
        "cpus": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    try:
        line = ""
        while "http://" not in line:
            line = studio.stderr.readline()
            if not line:
                raise SystemExit("the studio did not start")
        url = re.search(r"http://\S+", line).group(0)
        base, token = url.split("/?token=")
        results["server_ready_s"] = round(time.perf_counter() - t0, 2)
        while not (state := get(f"{base}/api/state?token={token}"))["shots"]:
            time.sleep(0.02)
        results["first_shot_s"] = round(time.perf_counter() - t0, 2)
        while not (state := get(f"{base}/api/state?token={token}"))["scan"]["finished"]:
            time.sleep(0.1)
        results["all_shots_s"] = round(time.perf_counter() - t0, 2)
        results["shots"] = state["shot_count"]
        with sync_playwright() as p:
            launcher = str(LAUNCHER) if os.geteuid() == 0 else CHROMIUM
            browser = p.chromium.launch(executable_path=launcher, headless=True, args=["--no-sandbox"])
            # its waits evaluate strings
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
            page.goto(url)
            page.wait_for_function(
                "document.querySelector('#frame-info').textContent.includes('not a keyframe yet')", timeout=60000
            )
            page.wait_for_function(
                "document.querySelector('#base').complete && document.querySelector('#base').naturalWidth > 0"
            )
            box = page.locator("#strokes").bounding_box()
            colours = ["#c0392b", "#2e86c1", "#27ae60", "#d4ac0d"]
            fine, cpu = [], []
            for k in range(args.strokes):
                pick = "c => { const e = document.getElementById('colour'); e.value = c; e.dispatchEvent(new Event('input')); }"
                page.evaluate(pick, colours[k % 4])
                y = box["y"] + box["height"] * (0.2 + 0.6 * k / max(1, args.strokes - 1))
                page.mouse.move(box["x"] + box["width"] * 0.2, y)
                page.mouse.down()
                for i in range(12):
                    page.mouse.move(box["x"] + box["width"] * (0.2 + 0.03 * i), y)
                t, c = time.perf_counter(), cpu_seconds(studio.pid)
                page.mouse.up()
                page.wait_for_function(f"window.studio.timings.length > {k}", timeout=60000)
                page.wait_for_function(
                    "document.querySelector('#fill-text').textContent.startsWith('filled as the render')", timeout=60000
                )
                fine.append(time.perf_counter() - t)
                cpu.append(cpu_seconds(studio.pid) - c)
            timings = page.evaluate("window.studio.timings")
            results["stroke_to_fill_ms"] = [round(v) for v in timings]
            results["stroke_to_fill_first_ms"] = round(timings[0])
            results["stroke_to_fill_median_ms"] = round(statistics.median(timings))
            results["stroke_to_render_fill_median_s"] = round(statistics.median(fine), 2)
            # quick fill + save + picture sent
            results["server_cpu_per_stroke_ms"] = round(1000 * statistics.median(cpu))
            t = time.perf_counter()
            page.click("#preview")
            page.wait_for_function("document.querySelector('#preview-img').src.startsWith('blob:')", timeout=120000)
            results["preview_first_frame_s"] = round(time.perf_counter() - t, 2)
            page.wait_for_function(
                "document.querySelector('#preview-text').textContent.includes('carried in')", timeout=600000
            )
            results["preview_whole_shot_s"] = round(time.perf_counter() - t, 2)
            results["preview_frames"] = page.evaluate(
                "window.studio.state.preview.stop - window.studio.state.preview.start"
            )
            browser.close()
    finally:
        studio.terminate()
        studio.wait(timeout=30)
    results["load_average_after"] = round(os.getloadavg()[0], 2)  # other work on the machine slows every figure
    print_json(results, args.json)


if __name__ == "__main__":
    main()
