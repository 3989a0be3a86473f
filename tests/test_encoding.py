"""How the video is encoded (`filmcolor.media.encoding`): quality and speed in each encoder family's own
options, the pixel format closest to the film's, and encoders that cannot work refused at once."""

import os
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from configs import render_config
from testfilms import make_film

from filmcolor import media
from filmcolor.errors import OutputError
from filmcolor.media.encoding import EncodeConfig
from filmcolor.render import render
from filmcolor.segments import work_folder


def test_pixel_format_keeps_the_films_depth_and_chroma_where_the_encoder_can():
    assert EncodeConfig().pixel_format(176, 144, 8) == "yuv420p"
    assert EncodeConfig().pixel_format(176, 144, 10) == "yuv420p10le"
    assert EncodeConfig().pixel_format(176, 144, 8, "422") == "yuv422p"
    assert EncodeConfig().pixel_format(175, 143, 8) == "yuv444p"  # 4:2:0 cannot hold an odd size
    assert EncodeConfig(pix_fmt="yuv422p").pixel_format(175, 143, 8) == "yuv422p"  # the user's, as given
    assert EncodeConfig(codec="prores_ks").pixel_format(176, 144, 8) == "yuv422p10le"  # ProRes' own: more, never less
    assert EncodeConfig(codec="ffv1").pixel_format(176, 144, 10, "444") == "yuv444p10le"
    assert EncodeConfig(codec="mpeg4").pixel_format(176, 144, 10) == "yuv420p"  # the encoder's best, though 8-bit
    with pytest.raises(OutputError, match="writes no planar Y'CbCr format"):
        EncodeConfig(codec="png").pixel_format(176, 144, 8)


def test_quality_and_speed_in_each_familys_own_options():
    assert EncodeConfig().options() == {"crf": "18", "preset": "medium"}
    assert EncodeConfig(codec="libvpx-vp9", crf=18, preset="slow").options() == {
        "crf": "22",
        "b": "0",
        "deadline": "good",
        "cpu-used": "1",
        "row-mt": "1",
    }
    assert EncodeConfig(codec="libsvtav1", preset="medium").options() == {"crf": "22", "preset": "7"}
    # the encoder's own preset passes as it is
    assert EncodeConfig(codec="libsvtav1", preset="4").options()["preset"] == "4"
    assert EncodeConfig(codec="h264_nvenc", crf=20, preset="veryslow").options() == {
        "rc": "vbr",
        "cq": "20",
        "b": "0",
        "preset": "p7",
    }
    assert EncodeConfig(codec="prores_ks").options() == {"profile": "hq"} and EncodeConfig(
        codec="prores_ks", crf=30
    ).options() == {"profile": "proxy"}
    assert EncodeConfig(codec="mpeg4").options() == {"qmin": "3", "qmax": "3"}
    assert EncodeConfig(codec="ffv1").options() == {}


def _unit_luma(path):
    with av.open(str(path)) as c:
        info = media.film_info(c)
        return info, [info.code_range.luma_to_unit(media.luma_plane(f)) for f in c.decode(video=0)]


@pytest.mark.parametrize(
    "codec, suffix, pix_fmt",
    [
        ("libx264", ".mp4", "yuv420p"),
        ("libx265", ".mp4", "yuv420p"),
        ("libvpx-vp9", ".mkv", "yuv420p"),
        ("libsvtav1", ".mkv", "yuv420p"),
        ("mpeg4", ".mp4", "yuv420p"),
        ("prores_ks", ".mov", "yuv422p10le"),
        ("ffv1", ".mkv", "yuv420p"),
    ],
)
@pytest.mark.slow
def test_each_encoder_keeps_every_frame_and_the_luma(tmp_path, tiny_weights, codec, suffix, pix_fmt):
    src = make_film(tmp_path / "in.mp4", width=64, height=48, frames=12, keyint=6)
    out = tmp_path / f"out{suffix}"
    result = render(src, out, render_config(weights=tiny_weights, codec=codec, segment_seconds=0.25))
    info, ours = _unit_luma(out)
    _, theirs = _unit_luma(src)
    assert result.frames == len(ours) == len(theirs) == 12 and info.pix_fmt == pix_fmt
    worst = min(10 * np.log10(1 / max(np.mean((a - b) ** 2), 1e-12)) for a, b in zip(ours, theirs, strict=True))
    assert worst >= 40, f"{codec}: luma PSNR {worst:.1f} dB"
    if codec == "ffv1":
        assert worst >= 120  # lossless


# In a process of its own: the policies of every thread of it after an SVT-AV1 render, and of a
# process it then starts (a process inherits its starter's policy).
_POLICIES_AFTER_SVTAV1 = """
import os, subprocess, sys
from pathlib import Path
from filmcolor.configs import InferenceConfig, RenderConfig
from filmcolor.media.encoding import EncodeConfig
from filmcolor.render import render
src, out, weights = sys.argv[1:]
config = RenderConfig(inference=InferenceConfig(weights=Path(weights)), encode=EncodeConfig(codec="libsvtav1"))
render(src, out, config)
print(sorted({os.sched_getscheduler(int(t)) for t in os.listdir("/proc/self/task")}))
print(subprocess.run([sys.executable, "-c", "import os; print(os.sched_getscheduler(0))"], capture_output=True, text=True).stdout.strip())
"""


@pytest.mark.slow  # a render in a process of its own (seconds)
@pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="scheduling policies are POSIX's")
def test_an_encoder_leaves_no_thread_at_a_real_time_priority(tmp_path, tiny_weights):
    """SVT-AV1 run as root (as CI and many containers run) sets the thread that opens it, and its
    own threads, to SCHED_FIFO 99, and every process started afterwards is born there: CI hung
    three times on a browser that a later test started, spinning at that priority on both
    cores. Every thread of the render is back at the normal policy, and so is a process it
    starts. (Where not root, the encoder cannot, and this passes either way.)"""
    src = make_film(tmp_path / "in.mp4", width=64, height=48, frames=6)
    run = subprocess.run(
        [sys.executable, "-c", _POLICIES_AFTER_SVTAV1, str(src), str(tmp_path / "out.mkv"), str(tiny_weights)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    threads, child = run.stdout.split("\n")[-3:-1]
    assert threads == f"[{os.SCHED_OTHER}]" and child == str(os.SCHED_OTHER), run.stdout


def _nvenc_opens() -> bool:
    cc = av.CodecContext.create("h264_nvenc", "w")
    cc.width, cc.height, cc.pix_fmt, cc.time_base = 64, 48, "yuv420p", Fraction(1, 24)
    try:
        cc.open()
        return True
    except av.error.FFmpegError:
        return False


@pytest.mark.parametrize(
    "codec, expected",
    [
        pytest.param(
            "h264_nvenc",
            "the encoder h264_nvenc cannot start here",
            marks=pytest.mark.skipif(_nvenc_opens(), reason="this machine has NVENC"),
        ),
        ("no-such-codec", "no video encoder named 'no-such-codec'"),
        ("aac", "--codec aac is an audio encoder"),
        ("png", "png writes no planar Y'CbCr format"),
    ],
)
def test_an_encoder_that_cannot_work_is_one_line_and_leaves_nothing(tmp_path, tiny_weights, capsys, codec, expected):
    src = make_film(tmp_path / "in.mp4", frames=6)
    out = tmp_path / "out.mp4"
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights, "--codec", codec], capsys)
    assert_one_line_error(code, err, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"] and not work_folder(out).exists()
    # the corrected command just works
    code, err = run_cli(["render", src, "-o", out, "--weights", tiny_weights], capsys)
    assert code == 0, err
